import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { bullConnection, queuePrefix, QUEUES } from '../queue/queues';
import { AuditJobProcessor } from './audit-job.processor';
import { AuditJobsRepository } from './audit-jobs.repository';
import { AUDIT_QUEUE, AuditJobsService } from './audit-jobs.service';
import { AuditModule } from './audit.module';

/** Closes the producer queue on shutdown. */
@Injectable()
class AuditQueueCloser implements OnApplicationShutdown {
  constructor(@Inject(AUDIT_QUEUE) private readonly queue: Queue) {}
  async onApplicationShutdown() {
    await this.queue.close();
  }
}

/** Background whole-log verify and ledger export: the api role admits and serves them, the worker runs them. */
@Module({
  imports: [AuditModule],
  providers: [
    {
      provide: AUDIT_QUEUE,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const queue = new Queue(QUEUES.audit, { connection: bullConnection(config), prefix: queuePrefix(config) });
        queue.on('error', () => undefined);
        return queue;
      },
    },
    AuditQueueCloser,
    AuditJobsRepository,
    AuditJobsService,
    AuditJobProcessor,
  ],
  exports: [AuditJobsService],
})
export class AuditJobsModule {}
