import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '../common/uuid';
import { PASSED_DEADLINE_OF_CURRENT_VISIT } from '../engine/cases.repository';

export type CampaignKind = 'annual-review';
export type CampaignStatus = 'running' | 'completed' | 'failed' | 'cancelled';
export type TargetStatus = 'pending' | 'opened' | 'skipped' | 'failed' | 'cancelled';

export interface CampaignRow {
  id: string;
  kind: CampaignKind;
  year: number;
  orgId: string;
  orgName: string;
  status: CampaignStatus;
  total: number;
  opened: number;
  skipped: number;
  failed: number;
  batchSize: number;
  launchedBy: Record<string, unknown>;
  startedAt: Date;
  finishedAt: Date | null;
  /** wall-clock seconds since the start (the ETA is measured in real time, whatever the engine clock says) */
  elapsedSeconds: number;
}

/** A campaign's cases at one step: how many, and how many of those are overdue. */
export interface CampaignStepRow {
  campaignId: string;
  /** the case's top-level state (the step; the final state once closed) */
  state: string;
  closed: boolean;
  cases: number;
  overdue: number;
}

export interface TargetResult {
  orgId: string;
  status: Exclude<TargetStatus, 'pending'>;
  caseId?: string | null;
  code?: string | null;
  message?: string | null;
}

const COLUMNS = `c.id, c.kind, c.year, c.org_id AS "orgId", o.name AS "orgName", c.status, c.total, c.opened, c.skipped,
  c.failed, c.batch_size AS "batchSize", c.launched_by AS "launchedBy", c.started_at AS "startedAt",
  c.finished_at AS "finishedAt", extract(epoch FROM clock_timestamp() - c.started_wall_at)::float8 AS "elapsedSeconds"`;

/** The organization types a campaign opens a case for (docs/procedures.md §5: every party organization that reviews members). */
export const CAMPAIGN_TARGET_TYPES = ['branch', 'joint_branch', 'general_branch'];

/**
 * campaigns and campaign_targets: PostgreSQL is the truth of a campaign's progress. Counters on the
 * campaign row are moved in the same transaction as the targets they count.
 */
@Injectable()
export class CampaignsRepository {
  constructor(private readonly ds: DataSource) {}

  private db(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  async orgById(id: string): Promise<{ id: string; name: string; type: string; path: string } | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.ds.query(`SELECT id, name, type, path FROM orgs WHERE id = $1`, [id]);
    return row;
  }

  async orgTypes(ids: string[]): Promise<string[]> {
    const rows: { type: string }[] = await this.ds.query(`SELECT type FROM orgs WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map((r) => r.type);
  }

  async get(id: string, em?: EntityManager): Promise<CampaignRow | undefined> {
    const [row] = await this.db(em).query(
      `SELECT ${COLUMNS} FROM campaigns c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1`,
      [id],
    );
    return row;
  }

  async findByKey(
    em: EntityManager,
    kind: CampaignKind,
    year: number,
    orgId: string,
  ): Promise<CampaignRow | undefined> {
    const [row] = await em.query(
      `SELECT ${COLUMNS} FROM campaigns c JOIN orgs o ON o.id = c.org_id WHERE c.kind = $1 AND c.year = $2 AND c.org_id = $3`,
      [kind, year, orgId],
    );
    return row;
  }

  /** The campaign of (kind, year, org), created if absent; locked for the caller's transaction. */
  async lockOrCreate(
    em: EntityManager,
    c: { kind: CampaignKind; year: number; orgId: string; batchSize: number; launchedBy: unknown; startedAt: Date },
  ): Promise<{ id: string; created: boolean }> {
    const inserted = await em.query(
      `INSERT INTO campaigns (kind, year, org_id, status, batch_size, launched_by, started_at)
       VALUES ($1, $2, $3, 'running', $4, $5, $6) ON CONFLICT (kind, year, org_id) DO NOTHING RETURNING id`,
      [c.kind, c.year, c.orgId, c.batchSize, c.launchedBy, c.startedAt],
    );
    if (inserted.length) return { id: inserted[0].id, created: true };
    const [row] = await em.query(`SELECT id FROM campaigns WHERE kind = $1 AND year = $2 AND org_id = $3 FOR UPDATE`, [
      c.kind,
      c.year,
      c.orgId,
    ]);
    return { id: row.id, created: false };
  }

  /**
   * Adds a target for every organization of the target types under `orgPath` that the campaign does not
   * have yet (branches formed since a first launch), in new batches after the existing ones.
   */
  async addMissingTargets(em: EntityManager, campaignId: string, orgPath: string, batchSize: number): Promise<number> {
    const rows = await em.query(
      `WITH base AS (SELECT coalesce(max(batch) + 1, 0) AS b FROM campaign_targets WHERE campaign_id = $1),
       fresh AS (
         SELECT o.id, row_number() OVER (ORDER BY o.path) - 1 AS n FROM orgs o
         WHERE o.path LIKE $2 AND o.type = ANY($4::text[])
           AND NOT EXISTS (SELECT 1 FROM campaign_targets t WHERE t.campaign_id = $1 AND t.org_id = o.id))
       INSERT INTO campaign_targets (campaign_id, org_id, batch)
       SELECT $1, fresh.id, base.b + fresh.n / $3 FROM fresh, base
       RETURNING 1`,
      [campaignId, `${orgPath}%`, batchSize, CAMPAIGN_TARGET_TYPES],
    );
    return rows.length;
  }

  /** A relaunch retries what did not get done: cancelled and failed targets become pending again. */
  async retryUnfinished(em: EntityManager, campaignId: string): Promise<void> {
    await em.query(
      `UPDATE campaign_targets SET status = 'pending', code = NULL, message = NULL, done_at = NULL
       WHERE campaign_id = $1 AND status IN ('cancelled', 'failed')`,
      [campaignId],
    );
  }

  /** Recounts the campaign from its targets and sets its status: running while anything is pending. */
  async recount(em: EntityManager, campaignId: string, at: Date): Promise<void> {
    await em.query(
      `WITH n AS (
         SELECT count(*)::int AS total,
           count(*) FILTER (WHERE status = 'opened')::int AS opened,
           count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
           count(*) FILTER (WHERE status = 'failed')::int AS failed,
           count(*) FILTER (WHERE status = 'pending')::int AS pending
         FROM campaign_targets WHERE campaign_id = $1)
       UPDATE campaigns c SET total = n.total, opened = n.opened, skipped = n.skipped, failed = n.failed,
         status = CASE WHEN n.pending > 0 THEN 'running' WHEN n.failed > 0 THEN 'failed' ELSE 'completed' END,
         finished_at = CASE WHEN n.pending > 0 THEN NULL ELSE $2::timestamptz END,
         started_wall_at = CASE WHEN c.status = 'running' THEN c.started_wall_at ELSE clock_timestamp() END
       FROM n WHERE c.id = $1`,
      [campaignId, at],
    );
  }

  async list(filter: { kind?: string; year?: number }, orgPrefixes: string[]): Promise<CampaignRow[]> {
    return this.ds.query(
      `SELECT ${COLUMNS} FROM campaigns c JOIN orgs o ON o.id = c.org_id
       WHERE o.path LIKE ANY($1::text[]) AND ($2::text IS NULL OR c.kind = $2) AND ($3::int IS NULL OR c.year = $3)
       ORDER BY c.started_at DESC, c.id LIMIT 500`,
      [orgPrefixes, filter.kind ?? null, filter.year ?? null],
    );
  }

  /**
   * Where the review a campaign started stands: its cases (opened by it, or found already open for the year and
   * skipped) counted per campaign by step, closed or not, with how many are overdue at `now`.
   */
  async stepsOf(campaignIds: string[], now: Date): Promise<CampaignStepRow[]> {
    if (!campaignIds.length) return [];
    return this.ds.query(
      `SELECT ct.campaign_id AS "campaignId", (SELECT p FROM unnest(c.state_paths) p WHERE position('.' in p) = 0 LIMIT 1) AS state,
         c.status = 'closed' AS closed, count(*)::int AS cases,
         count(*) FILTER (WHERE c.status = 'open'
           AND EXISTS (SELECT 1 FROM timers t WHERE t.case_id = c.id AND ${PASSED_DEADLINE_OF_CURRENT_VISIT('$2')}))::int AS overdue
       FROM campaign_targets ct JOIN cases c ON c.id = ct.case_id
       WHERE ct.campaign_id = ANY($1::uuid[]) AND ct.status IN ('opened', 'skipped')
       GROUP BY 1, 2, 3`,
      [campaignIds, now],
    );
  }

  /** The cases a campaign counts (stepsOf): those it opened and those it found already open for the year. */
  async caseIds(campaignId: string): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT case_id AS id FROM campaign_targets WHERE campaign_id = $1 AND status IN ('opened', 'skipped') AND case_id IS NOT NULL`,
      [campaignId],
    );
    return rows.map((r) => r.id);
  }

  async failures(campaignId: string, limit = 200): Promise<{ orgId: string; code: string; message: string }[]> {
    return this.ds.query(
      `SELECT org_id AS "orgId", code, message FROM campaign_targets WHERE campaign_id = $1 AND status = 'failed'
       ORDER BY done_at, org_id LIMIT $2`,
      [campaignId, limit],
    );
  }

  /** Cancels what is still pending (a batch being worked holds its rows: this waits for it to commit). */
  async cancel(em: EntityManager, campaignId: string, at: Date): Promise<void> {
    await em.query(
      `UPDATE campaign_targets SET status = 'cancelled', done_at = $2 WHERE campaign_id = $1 AND status = 'pending'`,
      [campaignId, at],
    );
    await em.query(`UPDATE campaigns SET status = 'cancelled', finished_at = $2 WHERE id = $1`, [campaignId, at]);
  }

  async lock(em: EntityManager, campaignId: string): Promise<{ status: CampaignStatus } | undefined> {
    const [row] = await em.query(`SELECT status FROM campaigns WHERE id = $1 FOR UPDATE`, [campaignId]);
    return row;
  }

  /** (campaign, batch) pairs of running campaigns with work left, for the relay. */
  async pendingBatches(limit = 5000): Promise<{ campaignId: string; batch: number }[]> {
    return this.ds.query(
      `SELECT t.campaign_id AS "campaignId", t.batch FROM campaign_targets t JOIN campaigns c ON c.id = t.campaign_id
       WHERE c.status = 'running' AND t.status = 'pending' GROUP BY 1, 2 ORDER BY 1, 2 LIMIT $1`,
      [limit],
    );
  }

  /**
   * Whether a running campaign has had a pending target for longer than `graceMs` with nothing done meanwhile:
   * launched (wall time) before the grace and no target finished within it (`done_at` is engine time, hence
   * `engineNow`). A campaign the queue is working moves every batch, so it never counts as waiting.
   */
  async waitingLongerThan(graceMs: number, engineNow: Date): Promise<boolean> {
    const [row] = await this.ds.query(
      `SELECT EXISTS (
         SELECT 1 FROM campaigns c
         WHERE c.status = 'running' AND c.started_wall_at < clock_timestamp() - $1 * interval '1 millisecond'
           AND EXISTS (SELECT 1 FROM campaign_targets t WHERE t.campaign_id = c.id AND t.status = 'pending')
           AND NOT EXISTS (
             SELECT 1 FROM campaign_targets t WHERE t.campaign_id = c.id
               AND t.done_at > $2::timestamptz - $1 * interval '1 millisecond')) AS waiting`,
      [graceMs, engineNow],
    );
    return !!row.waiting;
  }

  async batchesOf(em: EntityManager, campaignId: string): Promise<number[]> {
    const rows: { batch: number }[] = await em.query(
      `SELECT DISTINCT batch FROM campaign_targets WHERE campaign_id = $1 AND status = 'pending' ORDER BY batch`,
      [campaignId],
    );
    return rows.map((r) => r.batch);
  }

  /**
   * Claims the pending targets of one batch of a running campaign (row locks, skipping rows another
   * worker holds). Returns the year too, so the caller needs no second read.
   */
  async claimBatch(
    em: EntityManager,
    campaignId: string,
    batch: number,
  ): Promise<{ year: number; kind: CampaignKind; orgIds: string[] } | undefined> {
    // no lock on the campaign row: finish() updates it, and two batches each holding a share lock on it would
    // deadlock upgrading; a cancel meanwhile waits for the target rows locked below
    const [c] = await em.query(`SELECT kind, year, status FROM campaigns WHERE id = $1`, [campaignId]);
    if (!c || c.status !== 'running') return undefined;
    const rows: { org_id: string }[] = await em.query(
      `SELECT org_id FROM campaign_targets WHERE campaign_id = $1 AND batch = $2 AND status = 'pending'
       ORDER BY org_id FOR UPDATE SKIP LOCKED`,
      [campaignId, batch],
    );
    return { year: c.year, kind: c.kind, orgIds: rows.map((r) => r.org_id) };
  }

  /** Records the outcome of claimed targets and moves the campaign's counters (and status) with them. */
  async finish(em: EntityManager, campaignId: string, results: TargetResult[], at: Date): Promise<void> {
    if (!results.length) return;
    await em.query(
      `UPDATE campaign_targets t SET status = r.status, case_id = r.case_id, code = r.code, message = r.message, done_at = $2
       FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[]) AS r(org_id, status, case_id, code, message)
       WHERE t.campaign_id = $1 AND t.org_id = r.org_id`,
      [
        campaignId,
        at,
        results.map((r) => r.orgId),
        results.map((r) => r.status),
        results.map((r) => r.caseId ?? null),
        results.map((r) => r.code ?? null),
        results.map((r) => r.message ?? null),
      ],
    );
    const n = (s: TargetResult['status']) => results.filter((r) => r.status === s).length;
    await em.query(
      `UPDATE campaigns SET opened = opened + $2, skipped = skipped + $3, failed = failed + $4 WHERE id = $1`,
      [campaignId, n('opened'), n('skipped'), n('failed')],
    );
    // the last batch closes the campaign (a cancelled one stays cancelled)
    await em.query(
      `UPDATE campaigns SET status = CASE WHEN failed > 0 THEN 'failed' ELSE 'completed' END, finished_at = $2
       WHERE id = $1 AND status = 'running'
         AND NOT EXISTS (SELECT 1 FROM campaign_targets WHERE campaign_id = $1 AND status = 'pending')`,
      [campaignId, at],
    );
  }
}
