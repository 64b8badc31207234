import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Worker } from 'bullmq';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { REDIS } from '../../libs/common/redis.module';
import { OutboxDeliveryService } from '../../libs/outbox/outbox-delivery';
import { OutboxRelay } from '../../libs/outbox/outbox-relay.service';
import { JobProcessor, type JobProcessorOptions, type QueueProcessor } from '../../libs/queue/job-processor.decorator';
import { bullConnection, queuePrefix, QUEUES } from '../../libs/queue/queues';
import { HistoryCheckpointService } from '../../libs/audit/history-checkpoint.service';
import { RetentionService } from '../../libs/retention/retention.service';
import { DueWorkRepository } from '../../libs/timers/due-work.repository';
import { TimerDrainService } from '../../libs/timers/timer-drain.service';
import { TimerRelay } from '../../libs/timers/timer-relay.service';

/** A relay pass that has not finished by then is abandoned (Redis unreachable: BullMQ waits for it forever). */
const RELAY_TIMEOUT_MS = 5_000;

/**
 * The worker role: BullMQ processors for timer wake-ups and outbox deliveries, the relays that (re)fill the
 * queues from PostgreSQL at start and every few seconds, and the PostgreSQL polling fallback that delivers
 * due timers and outbox rows itself while Redis is away (or has lost its jobs). The fallback and the
 * BullMQ path may run at the same time: both claim rows with `SKIP LOCKED` and decide from PostgreSQL
 * what is still due, so nothing is delivered twice.
 */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private workers: Worker[] = [];
  private ticker?: NodeJS.Timeout;
  private relaying = false;
  private polling = false;
  private redisDownSince: number | null = null;
  private lastErrorLog = 0;
  private retentionTicker?: NodeJS.Timeout;
  /** providers decorated with @JobProcessor (campaigns, …) */
  private processors: { options: JobProcessorOptions; instance: QueueProcessor }[] = [];
  /** each processor's fallback pass in flight (at most one per processor) */
  private readonly fallbackRuns = new Map<QueueProcessor, Promise<void>>();

  constructor(
    private readonly config: AppConfig,
    private readonly drain: TimerDrainService,
    private readonly timerRelay: TimerRelay,
    private readonly outboxRelay: OutboxRelay,
    private readonly outboxDelivery: OutboxDeliveryService,
    private readonly retention: RetentionService,
    private readonly dueWork: DueWorkRepository,
    private readonly checkpoints: HistoryCheckpointService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly discovery: DiscoveryService,
  ) {}

  async onApplicationBootstrap() {
    const common = { connection: bullConnection(this.config), prefix: queuePrefix(this.config) };
    this.workers = [
      // One drain at a time per worker, with two claiming loops: a drain already takes everything due, and
      // PostgreSQL does most of the work, so two loops keep a 2-core machine busy (one leaves PostgreSQL idle
      // while node plans a batch) while more only contend (100 000-timer storm: 21.3 s with one loop, 17.2 s
      // with two; four loops in each of two concurrent drains were slower than one loop).
      new Worker(QUEUES.timers, async () => this.drain.drain({ parallel: 2 }), { ...common, concurrency: 1 }),
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
    for (const w of this.workers) {
      w.on('failed', (job, err) => this.logger.warn(`${w.name} job ${job?.id} failed: ${err.message}`));
      // without a listener an 'error' event (Redis gone) would be thrown and end the process
      w.on('error', (err) => this.throttledWarn(`${w.name} worker: ${err.message}`));
    }
    // never awaited without a bound: with Redis down BullMQ waits for it forever, and in ROLE=all the API
    // would not start listening
    await this.relay();
    this.ticker = setInterval(() => void this.tick(), this.config.PF_RELAY_EVERY_MS);
    this.ticker.unref();
    this.retentionTicker = setInterval(() => void this.runRetention(), this.config.RETENTION_EVERY_MS);
    this.retentionTicker.unref();
    this.logger.log(
      `定时与外发处理已启动（timers and outbox workers running, relay every ${this.config.PF_RELAY_EVERY_MS} ms）`,
    );
  }

  async onApplicationShutdown() {
    clearInterval(this.ticker);
    clearInterval(this.retentionTicker);
    await Promise.allSettled([...this.workers.map((w) => w.close()), ...this.fallbackRuns.values()]);
  }

  private async tick() {
    await this.fallback();
    // while Redis is away a relay pass would only pile commands up in the client's offline queue
    if (this.redisDownSince === null) await this.relay();
  }

  /** Relay pass: due timers and outbox rows from PostgreSQL onto Redis (also the reconciler). */
  async relay() {
    if (this.relaying) return;
    this.relaying = true;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          await this.timerRelay.relayOnce();
          await this.outboxRelay.relayOnce();
          for (const p of this.processors) await p.instance.relayOnce?.();
        })(),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`no answer within ${RELAY_TIMEOUT_MS} ms`)), RELAY_TIMEOUT_MS);
        }),
      ]);
    } catch (e) {
      this.throttledWarn(`relay pass failed (will retry): ${(e as Error).message}`);
    } finally {
      clearTimeout(timeout);
      this.relaying = false;
    }
  }

  /**
   * PostgreSQL polling fallback. Runs while Redis does not answer, and also when due work has waited longer
   * than a few relay periods (Redis answers but lost or holds its jobs): then this worker delivers what is due
   * straight from PostgreSQL — timers and outbox rows here, and the work of every @JobProcessor that offers
   * `runDue` (audit jobs) beside them.
   */
  async fallback(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const redisUp = await Promise.race([
        this.redis.ping().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), 1000)),
      ]);
      if (!redisUp && this.redisDownSince === null) {
        this.redisDownSince = Date.now();
        this.logger.warn('Redis 不可用：改由 PostgreSQL 轮询投递到期提醒与外发消息（Redis down: polling PostgreSQL）');
      } else if (redisUp && this.redisDownSince !== null) {
        this.logger.log(`Redis 已恢复（Redis back after ${Date.now() - this.redisDownSince} ms）`);
        this.redisDownSince = null;
      }
      for (const p of this.processors) this.runDueOf(p, redisUp);
      const stuck = redisUp ? await this.stuckWork() : true;
      if (!stuck) return;
      await this.drain.drain();
      await this.outboxDelivery.deliverDue({ limit: 200 });
    } catch (e) {
      this.throttledWarn(`fallback pass failed (will retry): ${(e as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  /** How long due work may wait for the queue before the fallback does it: a few relay periods. */
  private get graceMs() {
    return Math.max(15_000, 3 * this.config.PF_RELAY_EVERY_MS);
  }

  /** Due work older than a few relay periods: the queue is not delivering it. */
  private async stuckWork(): Promise<boolean> {
    const { timers, outbox } = await this.dueWork.overdueSince(this.graceMs);
    return timers || outbox;
  }

  /**
   * One processor's fallback pass, not awaited by the tick: a long run (a whole-log verify) must not hold up the
   * timers' fallback. At most one pass per processor is in flight; the next tick skips it until it ends.
   */
  private runDueOf(p: { options: JobProcessorOptions; instance: QueueProcessor }, redisUp: boolean) {
    const { instance } = p;
    if (!instance.runDue || this.fallbackRuns.has(instance)) return;
    const pass = (async () => {
      try {
        if (redisUp && !(await instance.waitingLongerThan?.(this.graceMs))) return;
        await instance.runDue!();
      } catch (e) {
        this.throttledWarn(`${p.options.queue} fallback pass failed (will retry): ${(e as Error).message}`);
      } finally {
        this.fallbackRuns.delete(instance);
      }
    })();
    this.fallbackRuns.set(instance, pass);
  }

  /** Hourly housekeeping: retention, and the signed checkpoints of the days that have passed. */
  private async runRetention() {
    try {
      const days = await this.checkpoints.checkpointPastDays();
      if (days.length) {
        // the head, logged outside the database: what a shortened chain is compared with
        const head = await this.checkpoints.head();
        this.logger.log(
          `history checkpoints signed for ${days.join(', ')}; chain head ${head?.day} ${head?.signature}`,
        );
      }
    } catch (e) {
      this.throttledWarn(`history checkpoint failed (will retry): ${(e as Error).message}`);
    }
    try {
      const removed = await this.retention.runOnce();
      const total = Object.values(removed).reduce((a, b) => a + b, 0);
      if (total) this.logger.log(`retention removed ${JSON.stringify(removed)}`);
    } catch (e) {
      this.throttledWarn(`retention pass failed (will retry): ${(e as Error).message}`);
    }
  }

  private throttledWarn(message: string) {
    if (Date.now() - this.lastErrorLog < 10_000) return;
    this.lastErrorLog = Date.now();
    this.logger.warn(message);
  }

  /** Delivers one outbox row under its row lock; another worker holding it means it is being delivered. */
  private async deliver(id: string) {
    // a job may fire a little before the row's next attempt (timer granularity): a second of slack
    await this.outboxDelivery.deliverOne(id, new Date(Date.now() + 1000), new Date(), true);
  }
}
