import { Global, Module } from '@nestjs/common';
import { HistoryCheckpointRepository } from './history-checkpoint.repository';
import { HistoryCheckpointService } from './history-checkpoint.service';

/** Signed daily history checkpoints: taken by the worker role, compared by whole-log verify (api role). */
@Global()
@Module({
  providers: [HistoryCheckpointRepository, HistoryCheckpointService],
  exports: [HistoryCheckpointService],
})
export class HistoryCheckpointModule {}
