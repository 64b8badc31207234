import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { OutboxMessage } from './outbox';

/** An outbox row locked for one delivery attempt. */
export interface LockedOutboxRow {
  id: string;
  topic: string;
  payload: Record<string, any>;
  /** failed attempts so far */
  attempts: number;
  caseId: string | null;
  status: 'pending' | 'delivered' | 'dead';
  nextAttemptAt: Date;
}

/** A pending row as the relay puts it on the queue. */
export interface PendingOutboxRow {
  id: string;
  attempts: number;
  nextAttemptAt: Date;
}

/**
 * outbox and outbox_attempts: messages to the outside world, written in the transaction of the change that
 * caused them, and the log of every delivery attempt. Writes that belong to a caller's transaction take its
 * EntityManager.
 */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Inserts a message; a duplicate `dedupeKey` is silently ignored. Returns true when inserted. */
  async enqueue(em: EntityManager, msg: OutboxMessage): Promise<boolean> {
    const rows = await em.query(
      `INSERT INTO outbox (topic, dedupe_key, case_id, payload, next_attempt_at) VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, now()))
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [msg.topic, msg.dedupeKey ?? null, msg.caseId ?? null, msg.payload, msg.notBefore ?? null],
    );
    return rows.length > 0;
  }

  /** Ids of the pending rows due at `now` (optionally of one topic), oldest first. */
  async dueIds(opts: { now: Date; topic?: string; limit: number }): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND ($2::text IS NULL OR topic = $2) ORDER BY id LIMIT $3`,
      [opts.now, opts.topic ?? null, opts.limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The pending rows whose next attempt falls before `until`, soonest first (the relay's look-ahead window).
   */
  async pendingBefore(until: Date, limit: number): Promise<PendingOutboxRow[]> {
    return this.ds.query(
      `SELECT id, attempts, next_attempt_at AS "nextAttemptAt" FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
       ORDER BY next_attempt_at LIMIT $2`,
      [until, limit],
    );
  }

  /**
   * Locks one row for a delivery attempt in the caller's transaction. `SKIP LOCKED`: a row another worker is
   * delivering right now is not waited for (undefined), the other worker delivers it.
   */
  async lockForDelivery(em: EntityManager, id: string): Promise<LockedOutboxRow | undefined> {
    const [row] = await em.query(
      `SELECT id, topic, payload, attempts, case_id AS "caseId", status, next_attempt_at AS "nextAttemptAt" FROM outbox WHERE id = $1 FOR UPDATE SKIP LOCKED`,
      [id],
    );
    return row;
  }

  /** Logs one attempt (a retried transaction logs it once). */
  async recordAttempt(
    em: EntityManager,
    a: { id: string; attempt: number; at: Date; error?: string; durationMs: number },
  ): Promise<void> {
    await em.query(
      `INSERT INTO outbox_attempts (outbox_id, attempt, at, ok, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [a.id, a.attempt, a.at, a.error === undefined, a.error ?? null, a.durationMs],
    );
  }

  async markDelivered(em: EntityManager, id: string, attempts: number, at: Date): Promise<void> {
    await em.query(`UPDATE outbox SET status = 'delivered', attempts = $2, delivered_at = $3 WHERE id = $1`, [
      id,
      attempts,
      at,
    ]);
  }

  /** Never retried; the row and its reason stay visible. */
  async markDead(em: EntityManager, id: string, attempts: number, error: string): Promise<void> {
    await em.query(`UPDATE outbox SET status = 'dead', attempts = $2, last_error = $3 WHERE id = $1`, [
      id,
      attempts,
      error,
    ]);
  }

  async scheduleRetry(em: EntityManager, id: string, attempts: number, error: string, nextAttemptAt: Date) {
    await em.query(`UPDATE outbox SET attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $1`, [
      id,
      attempts,
      error,
      nextAttemptAt,
    ]);
  }
}
