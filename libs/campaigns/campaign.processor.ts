import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobProcessor, type QueueProcessor } from '../queue/job-processor.decorator';
import { QUEUES } from '../queue/queues';
import { CampaignsService } from './campaigns.service';

/** Campaign batches on the `campaigns` queue (found by the worker through its @JobProcessor metadata). */
@Injectable()
@JobProcessor({ queue: QUEUES.campaigns, concurrency: 3 })
export class CampaignProcessor implements QueueProcessor {
  constructor(private readonly campaigns: CampaignsService) {}

  process(job: Job<{ campaignId: string; batch: number }>) {
    return this.campaigns.runBatch(job.data.campaignId, job.data.batch);
  }

  relayOnce() {
    return this.campaigns.relayOnce();
  }

  runDue() {
    return this.campaigns.runDue();
  }

  waitingLongerThan(graceMs: number) {
    return this.campaigns.waitingLongerThan(graceMs);
  }
}
