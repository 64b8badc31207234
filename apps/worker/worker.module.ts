import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RetentionModule } from '../../libs/retention/retention.module';
import { WorkerRunner } from './worker.runner';

/** The worker role: queue processors, relays, the PostgreSQL fallback and retention (services in libs/). */
@Module({ imports: [DiscoveryModule, RetentionModule], providers: [WorkerRunner] })
export class WorkerModule {}
