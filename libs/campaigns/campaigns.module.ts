import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { EngineModule } from '../engine/engine.module';
import { bullConnection, queuePrefix, QUEUES } from '../queue/queues';
import { RegistryModule } from '../registry/registry.module';
import { CampaignProcessor } from './campaign.processor';
import { CampaignsRepository } from './campaigns.repository';
import { CAMPAIGNS_QUEUE, CampaignsService } from './campaigns.service';

/** Closes the producer queue on shutdown. */
@Injectable()
class CampaignQueueCloser implements OnApplicationShutdown {
  constructor(@Inject(CAMPAIGNS_QUEUE) private readonly queue: Queue) {}
  async onApplicationShutdown() {
    await this.queue.close();
  }
}

/** Annual-review campaigns: the API launches and reads them, the worker processes their batches. */
@Module({
  imports: [EngineModule, RegistryModule],
  providers: [
    {
      provide: CAMPAIGNS_QUEUE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new Queue(QUEUES.campaigns, { connection: bullConnection(config), prefix: queuePrefix(config) }),
    },
    CampaignQueueCloser,
    CampaignsRepository,
    CampaignsService,
    CampaignProcessor,
  ],
  exports: [CampaignsService, CAMPAIGNS_QUEUE],
})
export class CampaignsModule {}
