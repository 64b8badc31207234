import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../engine/clock';

/** What is due in PostgreSQL right now, as the worker's fallback and the metrics ask it (timers and outbox). */
@Injectable()
export class DueWorkRepository {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Whether a timer stage (engine time) or an outbox row (wall time) has been due for longer than `graceMs`:
   * the queue is not delivering it. Two index probes (the pending partial indexes).
   */
  async overdueSince(graceMs: number): Promise<{ timers: boolean; outbox: boolean }> {
    const [row] = await this.ds.query(
      `SELECT EXISTS (SELECT 1 FROM timers WHERE status = 'pending' AND next_at <= $1) AS timers,
              EXISTS (SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2) AS outbox`,
      [new Date(this.clock.now().getTime() - graceMs), new Date(Date.now() - graceMs)],
    );
    return { timers: !!row.timers, outbox: !!row.outbox };
  }

  /**
   * The backlog as /metrics and /health report it: pending timer stages due before `lateBefore` (engine time),
   * how many and the oldest instant, and the pending and retrying outbox rows.
   */
  async backlog(
    lateBefore: Date,
  ): Promise<{ overdue: number; oldest: Date | null; outbox_pending: number; outbox_retrying: number }> {
    const [row] = await this.ds.query(
      `SELECT (SELECT count(*)::int FROM timers WHERE status = 'pending' AND next_at < $1) AS overdue,
              (SELECT min(next_at) FROM timers WHERE status = 'pending' AND next_at < $1) AS oldest,
              (SELECT count(*)::int FROM outbox WHERE status = 'pending') AS outbox_pending,
              (SELECT count(*)::int FROM outbox WHERE status = 'pending' AND attempts > 0) AS outbox_retrying`,
      [lateBefore],
    );
    return row;
  }
}
