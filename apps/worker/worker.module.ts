import { Module } from '@nestjs/common';
import { WorkerRunner } from './worker.runner';

/** The worker role: queue processors and relays (the services live in libs/timers and libs/outbox). */
@Module({ providers: [WorkerRunner] })
export class WorkerModule {}
