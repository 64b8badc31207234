import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { DueWorkRepository } from './due-work.repository';
import { Clock } from '../engine/clock';

/** A timer stage counts as "not delivered in time" once it is this late. */
export const LATE_AFTER_MS = 30_000;

export interface TimerLag {
  /** pending stages due more than LATE_AFTER_MS ago */
  overdueUndelivered: number;
  /** age of the oldest such stage, seconds (0 when none) */
  lagSeconds: number;
  /** outbox rows waiting (delivery retries included) */
  outboxPending: number;
  /** outbox rows that failed at least once and are still pending */
  outboxRetrying: number;
}

/** Queue lag for /health and Prometheus metrics for /metrics, read from PostgreSQL (the truth). */
@Injectable()
export class TimerMetrics {
  readonly registry = new Registry();

  constructor(
    private readonly dueWork: DueWorkRepository,
    private readonly clock: Clock,
  ) {
    // collect() is called with the gauge as `this`, so the service is reached through a bound reader
    const readLag = () => this.lag();
    const gauge = (name: string, help: string, pick: (l: TimerLag) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.set(pick(await readLag()));
        },
      });
    gauge(
      'partyflow_timer_stages_overdue_undelivered',
      `Timer stages due more than ${LATE_AFTER_MS / 1000}s ago and not delivered`,
      (l) => l.overdueUndelivered,
    );
    gauge('partyflow_timer_lag_seconds', 'Age of the oldest undelivered due timer stage', (l) => l.lagSeconds);
    gauge('partyflow_outbox_pending', 'Outbound messages waiting for delivery', (l) => l.outboxPending);
    gauge(
      'partyflow_outbox_retrying',
      'Outbound messages that failed at least once and are still pending',
      (l) => l.outboxRetrying,
    );
  }

  async lag(): Promise<TimerLag> {
    const limit = new Date(this.clock.now().getTime() - LATE_AFTER_MS);
    const row = await this.dueWork.backlog(limit);
    return {
      overdueUndelivered: row.overdue,
      lagSeconds: row.oldest ? Math.round((this.clock.now().getTime() - new Date(row.oldest).getTime()) / 1000) : 0,
      outboxPending: row.outbox_pending,
      outboxRetrying: row.outbox_retrying,
    };
  }
}
