import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { COUNT_CAP, CURSOR_TIME_SQL } from '../common/keyset';
import { cappedCount } from '../persistence/capped-count';
import type { LedgerEvent } from './ledger-export';

/** A case's subject: a member, a firm or an organization. */
type SubjectRef = LedgerEvent['subject'];

/**
 * Which events: the caller's scope and the events filter. `scopeOrgIds` null = every case (an administrator);
 * otherwise the cases whose scope overlaps these organizations.
 */
export interface AuditEventsQuery {
  scopeOrgIds: string[] | null;
  orgId?: string;
  userId?: string;
  workflow?: string;
  type?: string;
  from?: string;
  to?: string;
}

/** An event as `GET /audit/events` returns it, before `at` is made an ISO string. */
export interface AuditEventRow {
  caseId: string;
  workflow: string;
  seq: number;
  at: Date;
  actor: any;
  type: string;
  data: any;
  comment: string | null;
  from: unknown;
  to: unknown;
  hash: string;
  prevHash: string;
}

/** A history row with its case's head, as the chain check reads it. */
export interface ChainRow {
  case_id: string;
  seq: number;
  at: Date;
  actor: any;
  type: string;
  data: any;
  comment: string | null;
  from_state: unknown;
  to_state: unknown;
  prev_hash: string;
  hash: string;
  head_hash: string;
  version: number;
}

/** Columns of an event as `GET /audit/events` returns it (the ledger export reads the same rows). */
const EVENT_COLUMNS = `h.case_id AS "caseId", c.workflow, h.seq, h.at, h.actor, h.type, h.data, h.comment, h.from_state AS "from", h.to_state AS "to", h.hash, h.prev_hash AS "prevHash"`;
/** The keyset order (index `case_history_at_keyset_idx`); the cursor holds the last row's `(at, case_id, seq)`. */
const EVENT_ORDER = `ORDER BY h.at, h.case_id, h.seq`;

/**
 * A `from`/`to` bound as SQL: a date-only value is a Beijing calendar day (the console and the ledger speak in
 * Beijing days), i.e. its midnight in Asia/Shanghai — never the session time zone's midnight (UTC on our
 * servers, 08:00 in Beijing). A full ISO instant carries its own offset and is taken as it is.
 */
function instantSql(param: string, value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? `((${param})::date::timestamp AT TIME ZONE 'Asia/Shanghai')`
    : `${param}::timestamptz`;
}

/**
 * The history log as supervisors read it: `case_history` joined to `cases` — the event search (keyset pages),
 * the ledger's rows and names, and the rows the chain verification recomputes. Read-only: history is written
 * by the engine's cases repository alone.
 */
@Injectable()
export class AuditEventsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The FROM … WHERE of a query over `case_history h` joined to `cases c`: the one definition of "which events"
   * shared by the search and the ledger export; `after` continues after a keyset cursor's `(at, case_id, seq)`.
   */
  private filtered(q: AuditEventsQuery, after?: (string | number)[]): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (q.scopeOrgIds) where.push(`c.scope_org_ids && ${p(q.scopeOrgIds)}::uuid[]`);
    // `@>` (not `= ANY`): the GIN index on scope_org_ids serves it
    if (q.orgId) where.push(`c.scope_org_ids @> ARRAY[${p(q.orgId)}::uuid]`);
    if (q.userId) where.push(`h.actor->>'userId' = ${p(q.userId)}`);
    if (q.workflow) where.push(`c.workflow = ${p(q.workflow)}`);
    if (q.type) where.push(`h.type = ${p(q.type)}`);
    if (q.from) where.push(`h.at >= ${instantSql(p(q.from), q.from)}`);
    if (q.to) where.push(`h.at < ${instantSql(p(q.to), q.to)}`);
    // keyset: after the previous page's last row, along case_history_at_keyset_idx
    if (after)
      where.push(`(h.at, h.case_id, h.seq) > (${p(after[0])}::timestamptz, ${p(after[1])}::uuid, ${p(after[2])}::int)`);
    return {
      sql: `FROM case_history h JOIN cases c ON c.id = h.case_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
      params,
    };
  }

  /**
   * One page of events in `(at, case, seq)` order after the cursor's values (keyset) or at the offset, each with
   * `cursorAt` (its `at` to the microsecond, for the next cursor).
   */
  async page(
    q: AuditEventsQuery,
    opts: { after?: (string | number)[]; limit: number; offset: number },
  ): Promise<(AuditEventRow & { subject: SubjectRef; cursorAt: string })[]> {
    const f = this.filtered(q, opts.after);
    return this.ds.query(
      `SELECT ${EVENT_COLUMNS}, c.subject, ${CURSOR_TIME_SQL('h.at')} AS "cursorAt" ${f.sql} ${EVENT_ORDER} LIMIT ${opts.limit} OFFSET ${opts.offset}`,
      f.params,
    );
  }

  /**
   * Matches counted up to COUNT_CAP + 1 (more is reported as "more than COUNT_CAP", never counted out; not
   * counted at all when the planner expects far more).
   */
  async countCapped(q: AuditEventsQuery): Promise<number> {
    const f = this.filtered(q);
    return cappedCount(this.ds, f.sql, f.params, COUNT_CAP);
  }

  /** Every match counted (the ledger export refuses more than it can hold). */
  async count(q: AuditEventsQuery): Promise<number> {
    const f = this.filtered(q);
    const [{ n }] = await this.ds.query(`SELECT count(*)::int AS n ${f.sql}`, f.params);
    return n;
  }

  /** The ledger's rows: the events in the order of the search, with each case's definition version and subject. */
  async ledgerEvents(q: AuditEventsQuery, limit: number): Promise<LedgerEvent[]> {
    const f = this.filtered(q);
    return this.ds.query(
      `SELECT ${EVENT_COLUMNS}, c.definition_version AS "definitionVersion", c.subject ${f.sql} ${EVENT_ORDER} LIMIT ${limit}`,
      f.params,
    );
  }

  /** Display names of the users who acted (the log names actors by username). */
  async actorNames(usernames: string[]): Promise<{ id: string; name: string }[]> {
    return this.ds.query(`SELECT username AS id, display_name AS name FROM users WHERE username = ANY($1::text[])`, [
      usernames,
    ]);
  }

  /** The cases whose chains a whole-scope verification checks, oldest first (null scope = every case). */
  async caseIds(scopeOrgIds: string[] | null): Promise<string[]> {
    const rows: { id: string }[] = scopeOrgIds
      ? await this.ds.query(`SELECT id FROM cases WHERE scope_org_ids && $1::uuid[] ORDER BY opened_at, id`, [
          scopeOrgIds,
        ])
      : await this.ds.query(`SELECT id FROM cases ORDER BY opened_at, id`);
    return rows.map((r) => r.id);
  }

  /** The history rows of these cases, by case and seq, each with its case's head hash and version. */
  async chainRows(caseIds: string[]): Promise<ChainRow[]> {
    return this.ds.query(
      `SELECT h.case_id, h.seq, h.at, h.actor, h.type, h.data, h.comment, h.from_state, h.to_state, h.prev_hash, h.hash, c.head_hash, c.version
       FROM case_history h JOIN cases c ON c.id = h.case_id WHERE h.case_id = ANY($1::uuid[]) ORDER BY h.case_id, h.seq`,
      [caseIds],
    );
  }
}
