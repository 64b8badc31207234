import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface DayDigest {
  rows: number;
  digest: string;
}

export interface CheckpointRow extends DayDigest {
  day: string;
  signature: string;
  keyId: string;
  /** the checkpoint this one is chained to (null: the first of the chain) */
  prevDay: string | null;
  prevSignature: string | null;
  /** signed before checkpoints were chained, and not re-signed (no key at migration time): no link to check */
  legacy: boolean;
}

/** Key of the advisory lock under which one checkpoint pass runs (two workers must not fork the chain). */
const CHECKPOINT_LOCK_KEY = 727_950;

/** Beijing calendar days: the history's `at` is grouped by the day it happened in Asia/Shanghai. */
const DAY = `(at AT TIME ZONE 'Asia/Shanghai')::date`;

const SELECT = `SELECT day::text AS day, rows, digest, signature, key_id AS "keyId", prev_day::text AS "prevDay",
  prev_signature AS "prevSignature", legacy FROM history_checkpoints`;

/** The signed daily checkpoints of `case_history` and the digests they are compared with. */
@Injectable()
export class HistoryCheckpointRepository {
  constructor(private readonly ds: DataSource) {}

  /** Digest of one day's history rows: sha256 over "case:seq:hash" lines in (case, seq) order. */
  async digestOfDay(day: string): Promise<DayDigest> {
    const [row] = await this.ds.query(
      `SELECT count(*)::int AS rows,
              encode(sha256(convert_to(coalesce(string_agg(case_id::text || ':' || seq || ':' || hash, E'\\n' ORDER BY case_id, seq), ''), 'UTF8')), 'hex') AS digest
       FROM case_history WHERE at >= ($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai' AND at < ($1::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'`,
      [day],
    );
    return { rows: row.rows, digest: row.digest };
  }

  /** Days with history, from `from` (inclusive) to `until` (exclusive), that have no checkpoint yet. */
  async daysWithoutCheckpoint(until: string): Promise<string[]> {
    const rows: { day: string }[] = await this.ds.query(
      `SELECT DISTINCT ${DAY}::text AS day FROM case_history
       WHERE at < ($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai'
         AND at >= coalesce((SELECT (max(day) + 1)::timestamp AT TIME ZONE 'Asia/Shanghai' FROM history_checkpoints), '-infinity')
       ORDER BY 1`,
      [until],
    );
    return rows.map((r) => r.day);
  }

  /** Runs one checkpoint pass holding a transaction-scoped advisory lock: passes of several workers take turns. */
  async underLock<T>(work: () => Promise<T>): Promise<T> {
    return this.ds.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock($1)`, [CHECKPOINT_LOCK_KEY]);
      return work();
    });
  }

  async insert(c: CheckpointRow): Promise<void> {
    await this.ds.query(
      `INSERT INTO history_checkpoints (day, rows, digest, signature, key_id, prev_day, prev_signature)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (day) DO NOTHING`,
      [c.day, c.rows, c.digest, c.signature, c.keyId, c.prevDay, c.prevSignature],
    );
  }

  /** The latest checkpoint: the head the next one is chained to. */
  async last(): Promise<CheckpointRow | undefined> {
    const [row] = await this.ds.query(`${SELECT} ORDER BY day DESC LIMIT 1`);
    return row;
  }

  async all(): Promise<CheckpointRow[]> {
    return this.ds.query(`${SELECT} ORDER BY day`);
  }
}
