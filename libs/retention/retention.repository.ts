import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Rows removed by one retention pass, per table. */
export interface RetentionCounts {
  idempotencyKeys: number;
  notifications: number;
  outboxAttempts: number;
  outbox: number;
  timerDeliveries: number;
  timers: number;
  /** licensing events whose stored bodies had their ID numbers masked */
  licensingBodiesScrubbed: number;
  /** finished background audit jobs, with their result and ledger file */
  auditJobs: number;
}

/** Cut-off instants (rows older than these go). Wall time unless the column holds engine time (noted). */
export interface RetentionCutoffs {
  idempotencyKeys: Date;
  notifications: Date;
  /** delivered rows (wall time of delivery); dead rows are kept twice as long, they may need a look */
  outbox: Date;
  deadOutbox: Date;
  /** timer deliveries (engine time) and outbox attempts (wall time) of finished work */
  deliveriesEngine: Date;
  deliveriesWall: Date;
  /** fired timers (engine time) and cancelled timers (wall time of creation) */
  timersEngine: Date;
  timersWall: Date;
  /** licensing events received before this keep no whole ID number in their stored bodies */
  licensingIdNumbers: Date;
  /** background audit jobs finished (done or failed) before this (wall time) */
  auditJobs: Date;
}

/** A JSON `"idNumber": "<18-character resident ID>"` member in a stored body, whole (not yet masked). */
const ID_NUMBER_FIELD = `'"idNumber"\\s*:\\s*"\\d{17}[\\dXx]"'`;
/** The same, with the parts the mask keeps captured: spacing, region prefix, digits 15–16 and the check character. */
const ID_NUMBER_PARTS = `'"idNumber"(\\s*):(\\s*)"(\\d{4})\\d{10}(\\d{2})\\d([\\dXx])"'`;

/**
 * Deletes what no longer serves anyone, in bounded batches (a short lock each, never one huge delete).
 * History (`case_history`) is never touched: it is the record. Pending work (timers, outbox rows) is never
 * touched either. A fired timer stays while its state visit lasts (and its plan holds it): the engine
 * consults it so that a re-plan in the same visit does not deliver a passed deadline again.
 */
@Injectable()
export class RetentionRepository {
  constructor(private readonly ds: DataSource) {}

  async purge(c: RetentionCutoffs, batch = 5000): Promise<RetentionCounts> {
    return {
      idempotencyKeys: await this.loop(
        `DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2))`,
        [c.idempotencyKeys],
        batch,
      ),
      notifications: await this.loop(
        `DELETE FROM notifications WHERE ctid = ANY(ARRAY(SELECT ctid FROM notifications WHERE created_at < $1 LIMIT $2))`,
        [c.notifications],
        batch,
      ),
      outboxAttempts: await this.loop(
        `DELETE FROM outbox_attempts a WHERE (a.outbox_id, a.attempt) IN (
           SELECT a2.outbox_id, a2.attempt FROM outbox_attempts a2 JOIN outbox o ON o.id = a2.outbox_id
           WHERE (o.status <> 'pending' AND a2.at < $1)
              OR (o.status = 'delivered' AND o.delivered_at < $3) OR (o.status = 'dead' AND o.created_at < $4)
           LIMIT $2)`,
        [c.deliveriesWall, c.outbox, c.deadOutbox],
        batch,
      ),
      outbox: await this.loop(
        `DELETE FROM outbox WHERE id IN (
           SELECT o.id FROM outbox o
           WHERE ((o.status = 'delivered' AND o.delivered_at < $1) OR (o.status = 'dead' AND o.created_at < $3))
             AND NOT EXISTS (SELECT 1 FROM outbox_attempts a WHERE a.outbox_id = o.id)
           LIMIT $2)`,
        [c.outbox, c.deadOutbox],
        batch,
      ),
      timerDeliveries: await this.loop(
        `DELETE FROM timer_deliveries d WHERE (d.timer_id, d.stage) IN (
           SELECT d2.timer_id, d2.stage FROM timer_deliveries d2 JOIN timers t ON t.id = d2.timer_id
           WHERE t.status <> 'pending' AND d2.fired_at < $1 LIMIT $2)`,
        [c.deliveriesEngine],
        batch,
      ),
      timers: await this.loop(
        `DELETE FROM timers WHERE id IN (
           SELECT t.id FROM timers t JOIN cases k ON k.id = t.case_id
           WHERE ((t.status = 'cancelled' AND t.created_at < $1)
               OR (t.status = 'fired' AND t.fired_at < $3
                   -- the visit is over: the case closed, left the state, or entered it again later
                   AND (k.status <> 'open' OR NOT (t.state_path = ANY(k.state_paths))
                        OR coalesce((k.entered -> t.state_path ->> 'version')::int, 0) > t.epoch)))
             AND NOT EXISTS (SELECT 1 FROM timer_deliveries d WHERE d.timer_id = t.id)
           LIMIT $2)`,
        [c.timersWall, c.timersEngine],
        batch,
      ),
      // the licensing system's bodies as received (raw_body, and raw parsed) carry lawyers' ID numbers; past the
      // retention period they are masked like everywhere else (same format as maskIdNumber). The HMAC was checked
      // at receipt; the stored signature no longer matches the scrubbed bytes, and a replay of such an old event
      // is still answered with its first result (it is then marked as a replay with a different body).
      licensingBodiesScrubbed: await this.loop(
        `WITH due AS (
           SELECT id FROM licensing_events
            WHERE received_at < $1 AND raw_body ~ ${ID_NUMBER_FIELD}
            LIMIT $2),
         scrubbed AS (
           SELECT e.id, regexp_replace(e.raw_body, ${ID_NUMBER_PARTS}, '"idNumber"\\1:\\2"\\3**********\\4*\\5"', 'g') AS body
             FROM licensing_events e JOIN due USING (id))
         UPDATE licensing_events e SET raw_body = s.body, raw = s.body::jsonb FROM scrubbed s WHERE e.id = s.id`,
        [c.licensingIdNumbers],
        batch,
      ),
      // unfinished jobs are never touched: only finished_at (set when done or failed) is compared
      auditJobs: await this.loop(
        `DELETE FROM audit_jobs WHERE ctid = ANY(ARRAY(SELECT ctid FROM audit_jobs WHERE finished_at < $1 LIMIT $2))`,
        [c.auditJobs],
        // each row may hold a ledger workbook of a few MB: smaller batches
        Math.min(batch, 100),
      ),
    };
  }

  /** Runs a bounded DELETE (params: cutoff(s) with the batch size as $2) until a batch comes back short. */
  private async loop(sql: string, params: unknown[], batch: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [first, ...rest] = params;
      const result: [unknown[], number] = await this.ds.query(sql, [first, batch, ...rest]);
      const n = Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
      total += n;
      if (n < batch) return total;
    }
  }
}
