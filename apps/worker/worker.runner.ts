import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { deliverOutboxRow } from '../../libs/outbox/outbox-delivery';
import { OutboxHandlers } from '../../libs/outbox/outbox';
import { OutboxRelay } from '../../libs/outbox/outbox-relay.service';
import { JobProcessor, type JobProcessorOptions, type QueueProcessor } from '../../libs/queue/job-processor.decorator';
import { bullConnection, queuePrefix, QUEUES } from '../../libs/queue/queues';
import { TimerDrainService } from '../../libs/timers/timer-drain.service';
import { TimerRelay } from '../../libs/timers/timer-relay.service';

/**
 * The worker role: BullMQ processors for timer wake-ups and outbox deliveries, and the relays that
 * (re)fill the queues from PostgreSQL at start and every few seconds.
 */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private workers: Worker[] = [];
  private ticker?: NodeJS.Timeout;
  private relaying = false;
  /** providers decorated with @JobProcessor (campaigns, …) */
  private processors: { options: JobProcessorOptions; instance: QueueProcessor }[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly ds: DataSource,
    private readonly drain: TimerDrainService,
    private readonly timerRelay: TimerRelay,
    private readonly outboxRelay: OutboxRelay,
    private readonly handlers: OutboxHandlers,
    private readonly discovery: DiscoveryService,
  ) {}

  async onApplicationBootstrap() {
    const common = { connection: bullConnection(this.config), prefix: queuePrefix(this.config) };
    this.workers = [
      new Worker(QUEUES.timers, async () => this.drain.drain({ parallel: 4 }), { ...common, concurrency: 2 }),
      new Worker(QUEUES.outbox, async (job) => this.deliver(job.data.id), { ...common, concurrency: 8 }),
    ];
    this.processors = this.discovery
      .getProviders({ metadataKey: JobProcessor.KEY })
      .filter((w) => w.instance)
      .map((w) => ({
        options: this.discovery.getMetadataByDecorator(JobProcessor, w)!,
        instance: w.instance as QueueProcessor,
      }));
    for (const p of this.processors)
      this.workers.push(
        new Worker(p.options.queue, async (job) => p.instance.process(job), {
          ...common,
          concurrency: p.options.concurrency,
        }),
      );
    for (const w of this.workers)
      w.on('failed', (job, err) => this.logger.warn(`${w.name} job ${job?.id} failed: ${err.message}`));
    await this.relay();
    this.ticker = setInterval(() => void this.relay(), this.config.PF_RELAY_EVERY_MS);
    this.ticker.unref();
    this.logger.log(
      `定时与外发处理已启动（timers and outbox workers running, relay every ${this.config.PF_RELAY_EVERY_MS} ms）`,
    );
  }

  async onApplicationShutdown() {
    clearInterval(this.ticker);
    await Promise.allSettled(this.workers.map((w) => w.close()));
  }

  /** Relay pass: due timers and outbox rows from PostgreSQL onto Redis (also the reconciler). */
  async relay() {
    if (this.relaying) return;
    this.relaying = true;
    try {
      await this.timerRelay.relayOnce();
      await this.outboxRelay.relayOnce();
      for (const p of this.processors) await p.instance.relayOnce?.();
    } catch (e) {
      this.logger.warn(`relay pass failed (will retry): ${(e as Error).message}`);
    } finally {
      this.relaying = false;
    }
  }

  /** Delivers one outbox row under its row lock; another worker holding it means it is being delivered. */
  private async deliver(id: string) {
    await this.ds.transaction(async (em) => {
      const [row] = await em.query(
        `SELECT id, topic, payload, attempts, case_id AS "caseId", status, next_attempt_at FROM outbox WHERE id = $1 FOR UPDATE SKIP LOCKED`,
        [id],
      );
      if (!row || row.status !== 'pending' || new Date(row.next_attempt_at).getTime() > Date.now() + 1000) return;
      const handler = this.handlers.get(row.topic);
      if (!handler) {
        this.logger.error(`no handler for outbox topic ${row.topic}; row ${id} stays pending`);
        return;
      }
      await deliverOutboxRow(em, row, handler, new Date());
    });
  }
}
