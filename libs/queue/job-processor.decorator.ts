import { DiscoveryService } from '@nestjs/core';
import type { Job } from 'bullmq';

export interface JobProcessorOptions {
  /** BullMQ queue name (QUEUES) */
  queue: string;
  /** jobs processed at once by one worker process */
  concurrency: number;
}

/**
 * Marks a provider that processes one queue. The worker role finds every provider carrying it (Nest's
 * DiscoveryService) and starts a BullMQ Worker for it, so a new kind of background work is a new
 * decorated class, not an edit of the worker.
 */
export const JobProcessor = DiscoveryService.createDecorator<JobProcessorOptions>();

/** The contract of a decorated processor. */
export interface QueueProcessor {
  process(job: Job): Promise<unknown>;
  /**
   * Puts back on the queue whatever PostgreSQL says is still to do (at worker start and on every relay
   * pass), so a flushed Redis or a crashed worker loses nothing.
   */
  relayOnce?(): Promise<unknown>;
  /**
   * The worker's PostgreSQL polling fallback (apps/worker/worker.runner.ts): does what is due straight from
   * PostgreSQL, without the queue. Called while Redis is away, and when `waitingLongerThan` says the queue is
   * not delivering. Must be safe beside the queue's own runs (claim rows in PostgreSQL: nothing runs twice).
   */
  runDue?(): Promise<unknown>;
  /** Whether work has waited in PostgreSQL longer than `graceMs` for the queue (Redis lost or holds its jobs). */
  waitingLongerThan?(graceMs: number): Promise<boolean>;
}
