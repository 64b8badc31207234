import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { bullConnection, queuePrefix, QUEUES } from '../queue/queues';

export const TIMERS_QUEUE = Symbol('TIMERS_QUEUE');
export const OUTBOX_QUEUE = Symbol('OUTBOX_QUEUE');

const queueProvider = (token: symbol, name: string): Provider => ({
  provide: token,
  inject: [AppConfig],
  useFactory: (config: AppConfig) =>
    new Queue(name, { connection: bullConnection(config), prefix: queuePrefix(config) }),
});

export const QUEUE_PROVIDERS = [queueProvider(TIMERS_QUEUE, QUEUES.timers), queueProvider(OUTBOX_QUEUE, QUEUES.outbox)];

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
