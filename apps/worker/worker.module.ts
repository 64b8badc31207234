import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RetentionModule } from '../../libs/retention/retention.module';
import { WorkerRunner } from './worker.runner';
import { TimersModule } from '../../libs/timers/timers.module';
import { OutboxModule } from '../../libs/outbox/outbox.module';
import { HistoryCheckpointModule } from '../../libs/audit/history-checkpoint.module';

/** The worker role: queue processors, relays, the PostgreSQL fallback and retention (services in libs/). */
@Module({
  imports: [HistoryCheckpointModule, OutboxModule, TimersModule, DiscoveryModule, RetentionModule],
  providers: [WorkerRunner],
})
export class WorkerModule {}
