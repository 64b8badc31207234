import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobProcessor, type QueueProcessor } from '../queue/job-processor.decorator';
import { QUEUES } from '../queue/queues';
import { AuditJobsService } from './audit-jobs.service';

/** Background audit jobs on the `audit` queue (found by the worker through its @JobProcessor metadata). */
@Injectable()
@JobProcessor({ queue: QUEUES.audit, concurrency: 2 })
export class AuditJobProcessor implements QueueProcessor {
  constructor(private readonly jobs: AuditJobsService) {}

  process(job: Job<{ id: string }>) {
    return this.jobs.run(job.data.id);
  }

  relayOnce() {
    return this.jobs.relayOnce();
  }

  runDue() {
    return this.jobs.runDue();
  }

  waitingLongerThan(graceMs: number) {
    return this.jobs.waitingLongerThan(graceMs);
  }
}
