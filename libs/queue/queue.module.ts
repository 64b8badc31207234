import { Inject, Injectable, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { bullConnection, queuePrefix, QUEUES } from './queues';

/** Injection tokens of the producer side of the BullMQ queues (the consumers live in apps/worker). */
export const TIMERS_QUEUE = Symbol('TIMERS_QUEUE');
export const OUTBOX_QUEUE = Symbol('OUTBOX_QUEUE');

const queueProvider = (token: symbol, name: string): Provider => ({
  provide: token,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => {
    const queue = new Queue(name, { connection: bullConnection(config), prefix: queuePrefix(config) });
    // without a listener an 'error' event (Redis gone) would be thrown and end the process; Redis being away
    // is reported by /health and handled by the worker's PostgreSQL fallback
    queue.on('error', () => undefined);
    return queue;
  },
});

/** Closes the producer queues on shutdown. */
@Injectable()
export class QueueCloser implements OnApplicationShutdown {
  constructor(
    @Inject(TIMERS_QUEUE) private readonly timers: Queue,
    @Inject(OUTBOX_QUEUE) private readonly outbox: Queue,
  ) {}
  async onApplicationShutdown() {
    await Promise.allSettled([this.timers.close(), this.outbox.close()]);
  }
}

/**
 * The producer queues, one instance each per process: imported by whoever puts jobs on them (the timer
 * and outbox relays, Bull Board). Nest shares one module instance, so importing it twice opens nothing twice.
 */
@Module({
  providers: [queueProvider(TIMERS_QUEUE, QUEUES.timers), queueProvider(OUTBOX_QUEUE, QUEUES.outbox), QueueCloser],
  exports: [TIMERS_QUEUE, OUTBOX_QUEUE],
})
export class QueueModule {}
