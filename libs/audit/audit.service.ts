import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isAdmin, Principal, scopeOrgIds } from '../auth/principal';
import { AppError } from '../common/app-error';
import { checkOffset, COUNT_CAP, CURSOR_TIME_SQL, decodeCursor, encodeCursor } from '../common/keyset';
import { Clock } from '../engine/clock';
import { GENESIS_HASH, historyHash } from '../engine/canonical-json';
import { EngineService } from '../engine/engine.service';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { CheckpointVerification, HistoryCheckpointService } from './history-checkpoint.service';
import {
  buildLedger,
  LEDGER_MAX_ROWS,
  LedgerEvent,
  LedgerFilter,
  LedgerNames,
  ledgerFileName,
  renderLedgerXlsx,
} from './ledger-export';

/** The events filter: the ledger's filter plus paging (a cursor from the previous page, or a page number within the cap). */
export interface AuditFilter extends LedgerFilter {
  page?: number;
  pageSize?: number;
  cursor?: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  cases: number;
  brokenAt?: { caseId: string; seq: number; reason: string };
  /** whole-log verify by an administrator: each signed daily checkpoint compared with the history as it is now */
  checkpoints?: CheckpointVerification;
}

/** The chain check of one case: rows checked (up to and including a broken one) and where it broke. */
export interface CaseChainCheck {
  caseId: string;
  ok: boolean;
  checked: number;
  brokenAt?: { seq: number; reason: string };
}

/** Columns of an event as `GET /audit/events` returns it (the ledger export reads the same rows). */
const EVENT_COLUMNS = `h.case_id AS "caseId", c.workflow, h.seq, h.at, h.actor, h.type, h.data, h.comment, h.from_state AS "from", h.to_state AS "to", h.hash, h.prev_hash AS "prevHash"`;
/** The keyset order (index `case_history_at_keyset_idx`); the cursor holds the last row's `(at, case_id, seq)`. */
const EVENT_ORDER = `ORDER BY h.at, h.case_id, h.seq`;

/** Supervisors' view of the history log: search, chain verification and the ledger (台帐) export. */
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

@Injectable()
export class AuditService {
  /** Most rows one ledger export may hold (beyond it the caller is asked to narrow the filter). */
  exportMaxRows = LEDGER_MAX_ROWS;

  constructor(
    private readonly ds: DataSource,
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly clock: Clock,
    private readonly checkpoints: HistoryCheckpointService,
  ) {}

  /**
   * The caller's scope and the events filter, as the FROM … WHERE of a query over `case_history h` joined
   * to `cases c`: the one definition of "which events" shared by the search and the ledger export.
   */
  private filtered(
    principal: Principal,
    f: AuditFilter,
    after?: (string | number)[],
  ): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (!isAdmin(principal)) where.push(`c.scope_org_ids && ${p(scopeOrgIds(principal))}::uuid[]`);
    // `@>` (not `= ANY`): the GIN index on scope_org_ids serves it
    if (f.orgId) where.push(`c.scope_org_ids @> ARRAY[${p(f.orgId)}::uuid]`);
    if (f.userId) where.push(`h.actor->>'userId' = ${p(f.userId)}`);
    if (f.workflow) where.push(`c.workflow = ${p(f.workflow)}`);
    if (f.type) where.push(`h.type = ${p(f.type)}`);
    if (f.from) where.push(`h.at >= ${instantSql(p(f.from), f.from)}`);
    if (f.to) where.push(`h.at < ${instantSql(p(f.to), f.to)}`);
    // keyset: after the previous page's last row, along case_history_at_keyset_idx
    if (after)
      where.push(`(h.at, h.case_id, h.seq) > (${p(after[0])}::timestamptz, ${p(after[1])}::uuid, ${p(after[2])}::int)`);
    return {
      sql: `FROM case_history h JOIN cases c ON c.id = h.case_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
      params,
    };
  }

  /**
   * One page of events in `(at, case, seq)` order: after the cursor when there is one (keyset), else at the page
   * number within COUNT_CAP. `total` counts matches up to COUNT_CAP + 1 (`totalCapped` when there are more).
   */
  async events(principal: Principal, f: AuditFilter) {
    const pageSize = Math.min(f.pageSize ?? 100, 1000);
    const page = f.page ?? 1;
    const after = f.cursor ? decodeCursor(f.cursor, ['time', 'uuid', 'int']) : undefined;
    const offset = after ? 0 : checkOffset(page, pageSize);
    const q = this.filtered(principal, f, after);
    const all = this.filtered(principal, f);
    const [rows, [{ n }]]: [any[], { n: number }[]] = await Promise.all([
      this.ds.query(
        `SELECT ${EVENT_COLUMNS}, ${CURSOR_TIME_SQL('h.at')} AS "cursorAt" ${q.sql} ${EVENT_ORDER} LIMIT ${pageSize + 1} OFFSET ${offset}`,
        q.params,
      ),
      this.ds.query(`SELECT count(*)::int AS n FROM (SELECT 1 ${all.sql} LIMIT ${COUNT_CAP + 1}) x`, all.params),
    ]);
    const more = rows.length > pageSize;
    const items = rows.slice(0, pageSize);
    const last = items[items.length - 1];
    return {
      items: items.map(({ cursorAt: _c, ...r }) => ({ ...r, at: new Date(r.at).toISOString() })),
      total: Math.min(n, COUNT_CAP),
      totalCapped: n > COUNT_CAP,
      page: f.cursor ? null : page,
      pageSize,
      nextCursor: more ? encodeCursor([last.cursorAt, last.caseId, last.seq]) : null,
    };
  }

  /**
   * The ledger (台帐) of the events the filter selects, as an `.xlsx` workbook: the events in the order of
   * `GET /audit/events`, with Chinese titles and names, and the chain verification of every case in it.
   * More than `exportMaxRows` events is a 422 asking to narrow the filter.
   */
  async exportLedger(principal: Principal, filter: LedgerFilter): Promise<{ fileName: string; content: Buffer }> {
    const q = this.filtered(principal, filter);
    const [{ n: total }] = await this.ds.query(`SELECT count(*)::int AS n ${q.sql}`, q.params);
    if (total > this.exportMaxRows)
      throw AppError.rule(
        `符合条件的记录共 ${total} 条，超过单次导出上限 ${this.exportMaxRows} 条，请缩小筛选范围（如限定起止时间、流程、组织或办理人）后分批导出`,
        {
          total,
          limit: this.exportMaxRows,
        },
      );
    const events: LedgerEvent[] = await this.ds.query(
      `SELECT ${EVENT_COLUMNS}, c.definition_version AS "definitionVersion", c.subject ${q.sql} ${EVENT_ORDER} LIMIT ${this.exportMaxRows}`,
      q.params,
    );
    const caseIds = [...new Set(events.map((e) => e.caseId))];
    const [names, checks] = await Promise.all([this.ledgerNames(principal, events, filter), this.verifyEach(caseIds)]);
    const now = this.clock.now();
    const ledger = buildLedger({
      events,
      names,
      checks,
      filter,
      registry: this.registry,
      exportedAt: now,
      exportedBy: principal.displayName,
    });
    return { fileName: ledgerFileName(now), content: await renderLedgerXlsx(ledger) };
  }

  /** Names the ledger shows instead of ids: actors, their organizations, the cases' subjects, the filter's org and user. */
  private async ledgerNames(principal: Principal, events: LedgerEvent[], f: LedgerFilter): Promise<LedgerNames> {
    const ids = (pick: (e: LedgerEvent) => unknown) => [
      ...new Set(events.map(pick).filter((v): v is string => typeof v === 'string')),
    ];
    const usernames = ids((e) => e.actor?.username);
    const orgIds = ids((e) => e.actor?.orgId).concat(ids((e) => e.subject?.orgId));
    const memberIds = ids((e) => e.subject?.memberId);
    const firmIds = ids((e) => e.subject?.firmId);
    const pairs = (rows: { id: string; name: string }[]) => new Map(rows.map((r) => [r.id, r.name]));
    const [users, orgs, members, firms] = await Promise.all([
      this.ds.query(`SELECT username AS id, display_name AS name FROM users WHERE username = ANY($1::text[])`, [
        usernames,
      ]),
      this.ds.query(`SELECT id, name FROM orgs WHERE id = ANY($1::uuid[])`, [orgIds]),
      this.ds.query(`SELECT id, name FROM members WHERE id = ANY($1::uuid[])`, [memberIds]),
      this.ds.query(`SELECT id, name FROM firms WHERE id = ANY($1::uuid[])`, [firmIds]),
    ]);
    // the filter's organization is named only when it is in the caller's scope (its name is not disclosed otherwise)
    let filterOrg: string | undefined;
    if (f.orgId) {
      const [org] = await this.ds.query(`SELECT name, path FROM orgs WHERE id = $1`, [f.orgId]);
      if (org && (isAdmin(principal) || scopeOrgIds(principal).some((id) => org.path.includes(`/${id}/`))))
        filterOrg = org.name;
    }
    // the filter's user is named from the rows (a user who acted on a case the caller sees)
    const filterUser = f.userId ? events.find((e) => e.actor?.userId === f.userId)?.actor.username : undefined;
    const userNames = pairs(users);
    return {
      users: userNames,
      orgs: pairs(orgs),
      members: pairs(members),
      firms: pairs(firms),
      filterOrg,
      filterUser: filterUser ? (userNames.get(filterUser) ?? filterUser) : undefined,
    };
  }

  /**
   * Recomputes every hash of one case (or of every case in the caller's scope) and checks the links:
   * a row edited, removed or inserted behind the engine's back breaks the chain at that row.
   */
  async verify(principal: Principal, caseId?: string): Promise<VerifyResult> {
    let caseIds: string[];
    if (caseId) caseIds = [(await this.engine.findCase(principal, caseId)).id];
    else {
      const rows: { id: string }[] = isAdmin(principal)
        ? await this.ds.query(`SELECT id FROM cases ORDER BY opened_at, id`)
        : await this.ds.query(`SELECT id FROM cases WHERE scope_org_ids && $1::uuid[] ORDER BY opened_at, id`, [
            scopeOrgIds(principal),
          ]);
      caseIds = rows.map((r) => r.id);
    }
    let checked = 0;
    for await (const batch of this.chains(caseIds)) {
      for (const check of batch) {
        checked += check.checked;
        if (!check.ok)
          return { ok: false, checked, cases: caseIds.length, brokenAt: { caseId: check.caseId, ...check.brokenAt! } };
      }
    }
    // the chains are consistent; a rewrite by the table owner (trigger disabled, hashes recomputed) is only
    // visible against the signed checkpoints, which cover every case: whole-log verify by an administrator
    if (!caseId && isAdmin(principal)) {
      const checkpoints = await this.checkpoints.verify();
      return { ok: checkpoints.mismatched.length === 0, checked, cases: caseIds.length, checkpoints };
    }
    return { ok: true, checked, cases: caseIds.length };
  }

  /** The chain check of each of the given cases (no scope check: the caller has selected cases it may see). */
  async verifyEach(caseIds: string[]): Promise<CaseChainCheck[]> {
    const out: CaseChainCheck[] = [];
    for await (const batch of this.chains(caseIds)) out.push(...batch);
    return out;
  }

  /** Reads the cases' history in batches and checks each chain, batch by batch (in the given order). */
  private async *chains(caseIds: string[]): AsyncGenerator<CaseChainCheck[]> {
    const batch = 500;
    for (let i = 0; i < caseIds.length; i += batch) {
      const ids = caseIds.slice(i, i + batch);
      const rows: any[] = await this.ds.query(
        `SELECT h.case_id, h.seq, h.at, h.actor, h.type, h.data, h.comment, h.from_state, h.to_state, h.prev_hash, h.hash, c.head_hash, c.version
         FROM case_history h JOIN cases c ON c.id = h.case_id WHERE h.case_id = ANY($1::uuid[]) ORDER BY h.case_id, h.seq`,
        [ids],
      );
      const byCase = new Map<string, any[]>();
      for (const r of rows) {
        const chain = byCase.get(r.case_id);
        if (chain) chain.push(r);
        else byCase.set(r.case_id, [r]);
      }
      yield ids.map((id) => checkChain(id, byCase.get(id) ?? []));
    }
  }
}

/** Checks one case's history rows (ordered by seq) against their hashes, their links and the case's head. */
function checkChain(caseId: string, chain: any[]): CaseChainCheck {
  let prev = GENESIS_HASH;
  let checked = 0;
  for (let k = 0; k < chain.length; k++) {
    const r = chain[k];
    checked++;
    const broken = (reason: string): CaseChainCheck => ({
      caseId,
      ok: false,
      checked,
      brokenAt: { seq: r.seq, reason },
    });
    if (r.seq !== k + 1) return broken(`序号不连续：应为 ${k + 1}`);
    if (r.prev_hash !== prev) return broken('前一条记录的哈希不匹配');
    const expected = historyHash(prev, {
      caseId,
      seq: r.seq,
      at: new Date(r.at).toISOString(),
      actor: r.actor,
      type: r.type,
      data: r.data,
      comment: r.comment,
      from: r.from_state,
      to: r.to_state,
    });
    if (expected !== r.hash) return broken('记录内容与哈希不符（已被篡改）');
    prev = r.hash;
  }
  const last = chain[chain.length - 1];
  if (!last || last.head_hash !== prev || last.version !== chain.length)
    return {
      caseId,
      ok: false,
      checked,
      brokenAt: { seq: chain.length + 1, reason: '历史记录缺失（与案件版本不符）' },
    };
  return { caseId, ok: true, checked };
}
