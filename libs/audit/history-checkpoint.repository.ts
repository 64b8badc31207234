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
}

/** Beijing calendar days: the history's `at` is grouped by the day it happened in Asia/Shanghai. */
const DAY = `(at AT TIME ZONE 'Asia/Shanghai')::date`;

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

  async insert(c: CheckpointRow): Promise<void> {
    await this.ds.query(
      `INSERT INTO history_checkpoints (day, rows, digest, signature, key_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day) DO NOTHING`,
      [c.day, c.rows, c.digest, c.signature, c.keyId],
    );
  }

  async all(): Promise<CheckpointRow[]> {
    return this.ds.query(
      `SELECT day::text AS day, rows, digest, signature, key_id AS "keyId" FROM history_checkpoints ORDER BY day`,
    );
  }
}
