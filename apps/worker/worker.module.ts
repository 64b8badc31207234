import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WorkerRunner } from './worker.runner';

/** The worker role: queue processors and relays (the services live in libs/timers and libs/outbox). */
@Module({ imports: [DiscoveryModule], providers: [WorkerRunner] })
export class WorkerModule {}
