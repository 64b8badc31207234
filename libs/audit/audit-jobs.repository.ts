import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { isUuid } from '../common/uuid';

export type AuditJobKind = 'verify' | 'export';
export type AuditJobStatus = 'queued' | 'running' | 'done' | 'failed';

/** A job as its owner sees it (without the file's bytes). */
export interface AuditJobRow {
  id: string;
  ownerUserId: string;
  principal: Principal;
  kind: AuditJobKind;
  filter: Record<string, unknown>;
  status: AuditJobStatus;
  done: number;
  total: number | null;
  attempts: number;
  result: unknown;
  fileName: string | null;
  fileSize: number | null;
  error: { code: string; message: string; details?: unknown } | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const COLUMNS = `id, owner_user_id AS "ownerUserId", principal, kind, filter, status, done, total, attempts, result,
  file_name AS "fileName", octet_length(file) AS "fileSize", error, created_at AS "createdAt",
  started_at AS "startedAt", finished_at AS "finishedAt"`;

/** Key space of the per-user advisory lock taken while a job is admitted (count, then insert). */
const ADMIT_LOCK_SPACE = 727_400;

/** audit_jobs: background whole-log verifies and ledger exports. PostgreSQL is the truth, BullMQ wakes. */
@Injectable()
export class AuditJobsRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Inserts a queued job unless the owner already has `limit` unfinished ones (checked under a per-user
   * advisory lock, so two requests at once cannot both slip under the limit). Returns undefined when refused.
   */
  async admit(
    principal: Principal,
    kind: AuditJobKind,
    filter: Record<string, unknown>,
    limit: number,
  ): Promise<AuditJobRow | undefined> {
    return this.ds.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [ADMIT_LOCK_SPACE, principal.userId]);
      const [{ n }] = await em.query(
        `SELECT count(*)::int AS n FROM audit_jobs WHERE owner_user_id = $1 AND status IN ('queued', 'running')`,
        [principal.userId],
      );
      if (n >= limit) return undefined;
      const [row] = await em.query(
        `INSERT INTO audit_jobs (owner_user_id, principal, kind, filter) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [principal.userId, JSON.stringify(principal), kind, JSON.stringify(filter)],
      );
      return row;
    });
  }

  /** The job, if it is this user's (anything else, including a malformed id, is undefined: a 404). */
  async getOwned(userId: string, id: string): Promise<AuditJobRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.ds.query(`SELECT ${COLUMNS} FROM audit_jobs WHERE id = $1 AND owner_user_id = $2`, [
      id,
      userId,
    ]);
    return row;
  }

  async get(id: string): Promise<AuditJobRow | undefined> {
    const [row] = await this.ds.query(`SELECT ${COLUMNS} FROM audit_jobs WHERE id = $1`, [id]);
    return row;
  }

  /** The user's jobs, newest first. */
  async listOwned(userId: string, limit: number): Promise<AuditJobRow[]> {
    return this.ds.query(
      `SELECT ${COLUMNS} FROM audit_jobs WHERE owner_user_id = $1 ORDER BY created_at DESC, id LIMIT $2`,
      [userId, limit],
    );
  }

  /** The ledger file of a finished export job of this user. */
  async fileOwned(userId: string, id: string): Promise<{ fileName: string; file: Buffer } | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.ds.query(
      `SELECT file_name AS "fileName", file FROM audit_jobs
       WHERE id = $1 AND owner_user_id = $2 AND status = 'done' AND file IS NOT NULL`,
      [id, userId],
    );
    return row;
  }

  /**
   * Claims the job for a run: a queued job, or a running one whose worker stopped beating for `staleMs`
   * (it died). Returns undefined when another live worker has it or it is finished.
   */
  async claim(id: string, staleMs: number): Promise<AuditJobRow | undefined> {
    const [rows] = await this.ds.query(
      `UPDATE audit_jobs SET status = 'running', attempts = attempts + 1, done = 0,
         started_at = coalesce(started_at, now()), heartbeat_at = now()
       WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND heartbeat_at < now() - $2 * interval '1 millisecond'))
       RETURNING ${COLUMNS}`,
      [id, staleMs],
    );
    return rows[0];
  }

  /** Progress (and the heartbeat that tells a live run from a dead one). */
  async progress(id: string, done: number, total: number): Promise<void> {
    await this.ds.query(
      `UPDATE audit_jobs SET done = $2, total = $3, heartbeat_at = now() WHERE id = $1 AND status = 'running'`,
      [id, done, total],
    );
  }

  async finish(id: string, out: { result?: unknown; fileName?: string; file?: Buffer }): Promise<void> {
    await this.ds.query(
      `UPDATE audit_jobs SET status = 'done', done = coalesce(total, done), result = $2, file_name = $3, file = $4,
         finished_at = now(), heartbeat_at = now()
       WHERE id = $1 AND status = 'running'`,
      [id, out.result === undefined ? null : JSON.stringify(out.result), out.fileName ?? null, out.file ?? null],
    );
  }

  async fail(id: string, error: { code: string; message: string; details?: unknown }): Promise<void> {
    await this.ds.query(
      `UPDATE audit_jobs SET status = 'failed', error = $2, finished_at = now(), heartbeat_at = now()
       WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, JSON.stringify(error)],
    );
  }

  /** Jobs to (re)put on the queue: queued ones, and running ones whose worker stopped beating. */
  async toRelay(staleMs: number): Promise<{ id: string; attempts: number }[]> {
    return this.ds.query(
      `SELECT id, attempts FROM audit_jobs
       WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < now() - $1 * interval '1 millisecond')
       ORDER BY created_at LIMIT 100`,
      [staleMs],
    );
  }

  /** Whether a job has been queued longer than `graceMs`, or a running one's worker stopped beating (it died). */
  async waitingLongerThan(graceMs: number, staleMs: number): Promise<boolean> {
    const [row] = await this.ds.query(
      `SELECT EXISTS (
         SELECT 1 FROM audit_jobs
         WHERE (status = 'queued' AND created_at < now() - $1 * interval '1 millisecond')
            OR (status = 'running' AND heartbeat_at < now() - $2 * interval '1 millisecond')) AS waiting`,
      [graceMs, staleMs],
    );
    return !!row.waiting;
  }
}
