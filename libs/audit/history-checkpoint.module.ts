import { Module } from '@nestjs/common';
import { HistoryCheckpointRepository } from './history-checkpoint.repository';
import { HistoryCheckpointService } from './history-checkpoint.service';
import { EngineModule } from '../engine/engine.module';

/** Signed daily history checkpoints: taken by the worker role, compared by whole-log verify (api role). */
@Module({
  imports: [EngineModule],
  providers: [HistoryCheckpointRepository, HistoryCheckpointService],
  exports: [HistoryCheckpointService],
})
export class HistoryCheckpointModule {}
