import { Module } from '@nestjs/common';
import { AuditEventsRepository } from './audit-events.repository';
import { AuditService } from './audit.service';
import { CaseReplayService } from './case-replay.service';
import { EngineModule } from '../engine/engine.module';
import { HistoryCheckpointModule } from './history-checkpoint.module';

/**
 * The supervisors' view of the history log: event search, chain verification, the ledger export and case
 * replay. Reads only; the engine writes the history. Checkpoints are HistoryCheckpointModule's (the worker
 * signs them too).
 */
@Module({
  imports: [HistoryCheckpointModule, EngineModule],
  providers: [AuditEventsRepository, AuditService, CaseReplayService],
  exports: [AuditService, CaseReplayService],
})
export class AuditModule {}
