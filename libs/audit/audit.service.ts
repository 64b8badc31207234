import { Injectable } from '@nestjs/common';
import { isAdmin, Principal, scopeOrgIds } from '../auth/principal';
import { AppError } from '../common/app-error';
import { checkOffset, COUNT_CAP, decodeCursor, encodeCursor } from '../common/keyset';
import { Clock } from '../engine/clock';
import { GENESIS_HASH, historyHash } from '../engine/canonical-json';
import { EngineService } from '../engine/engine.service';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { FirmsRepository } from '../registry/firms.repository';
import { MembersRepository } from '../registry/members.repository';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { AuditEventsQuery, AuditEventsRepository, ChainRow } from './audit-events.repository';
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

/** Reports how far a long run has got (cases checked of the total); awaited, so it may write to the database. */
export type OnProgress = (done: number, total: number) => Promise<void> | void;

/** The caller's scope and the filter as the repository's query (administrators see every case). */
function eventsQuery(principal: Principal, f: LedgerFilter): AuditEventsQuery {
  return {
    scopeOrgIds: isAdmin(principal) ? null : scopeOrgIds(principal),
    orgId: f.orgId,
    userId: f.userId,
    workflow: f.workflow,
    type: f.type,
    from: f.from,
    to: f.to,
  };
}

/** Supervisors' view of the history log: search, chain verification and the ledger (台帐) export. */
@Injectable()
export class AuditService {
  /** Most rows one ledger export may hold (beyond it the caller is asked to narrow the filter). */
  exportMaxRows = LEDGER_MAX_ROWS;

  constructor(
    private readonly history: AuditEventsRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly members: MembersRepository,
    private readonly firms: FirmsRepository,
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly clock: Clock,
    private readonly checkpoints: HistoryCheckpointService,
  ) {}

  /**
   * One page of events in `(at, case, seq)` order: after the cursor when there is one (keyset), else at the page
   * number within COUNT_CAP. `total` counts matches up to COUNT_CAP + 1 (`totalCapped` when there are more).
   */
  async events(principal: Principal, f: AuditFilter) {
    const pageSize = Math.min(f.pageSize ?? 100, 1000);
    const page = f.page ?? 1;
    const after = f.cursor ? decodeCursor(f.cursor, ['time', 'uuid', 'int']) : undefined;
    const offset = after ? 0 : checkOffset(page, pageSize);
    const q = eventsQuery(principal, f);
    const [rows, n] = await Promise.all([
      this.history.page(q, { after, limit: pageSize + 1, offset }),
      this.history.countCapped(q),
    ]);
    const more = rows.length > pageSize;
    const items = rows.slice(0, pageSize);
    const last = items[items.length - 1];
    // who acted, by name and organization (as a case's own history shows it): a login name says little to an auditor;
    // and whose case it is (党员 钟晓岚), not only the case's id
    const names = await this.eventNames(items);
    const subjectName = (s: (typeof items)[number]['subject']) =>
      (s?.memberId && names.members.get(s.memberId)) ||
      (s?.firmId && names.firms.get(s.firmId)) ||
      (s?.orgId && names.orgs.get(s.orgId)) ||
      null;
    return {
      items: items.map(({ cursorAt: _c, subject, ...r }) => ({
        ...r,
        subject: subject ?? {},
        subjectName: subjectName(subject),
        at: new Date(r.at).toISOString(),
        actor: {
          ...r.actor,
          displayName: r.actor?.username === 'system' ? '系统' : (names.users.get(r.actor?.username) ?? null),
          orgName: (r.actor?.orgId && names.orgs.get(r.actor.orgId)) ?? null,
        },
      })),
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
  async exportLedger(
    principal: Principal,
    filter: LedgerFilter,
    onProgress?: OnProgress,
  ): Promise<{ fileName: string; content: Buffer }> {
    const q = eventsQuery(principal, filter);
    const total = await this.history.count(q);
    this.checkExportSize(total);
    const events = await this.history.ledgerEvents(q, this.exportMaxRows);
    const caseIds = [...new Set(events.map((e) => e.caseId))];
    const [names, checks] = await Promise.all([
      this.ledgerNames(principal, events, filter),
      this.verifyEach(caseIds, onProgress),
    ]);
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

  /** Rows the ledger of this filter would hold (the caller's scope applied), without building it. */
  exportSize(principal: Principal, filter: LedgerFilter): Promise<number> {
    return this.history.count(eventsQuery(principal, filter));
  }

  /** Cases a whole-log verify by this caller would check. */
  async scopeCaseCount(principal: Principal): Promise<number> {
    return (await this.history.caseIds(isAdmin(principal) ? null : scopeOrgIds(principal))).length;
  }

  /** More than `exportMaxRows` events is a 422 asking to narrow the filter. */
  checkExportSize(total: number): void {
    if (total > this.exportMaxRows)
      throw AppError.rule(
        `符合条件的记录共 ${total} 条，超过单次导出上限 ${this.exportMaxRows} 条，请缩小筛选范围（如限定起止时间、流程、组织或办理人）后分批导出`,
        {
          total,
          limit: this.exportMaxRows,
        },
      );
  }

  /**
   * Names of what events mention, by id: who acted (username → display name), the actors' and the subjects'
   * organizations, the subjects' members and firms. Read by the events page and the ledger alike.
   */
  private async eventNames(
    events: { actor?: { username?: string; orgId?: string | null } | null; subject?: LedgerEvent['subject'] }[],
  ): Promise<Pick<LedgerNames, 'users' | 'orgs' | 'members' | 'firms'>> {
    const ids = (pick: (e: (typeof events)[number]) => unknown) => [
      ...new Set(events.map(pick).filter((v): v is string => typeof v === 'string')),
    ];
    const pairs = (rows: { id: string; name: string }[]) => new Map(rows.map((r) => [r.id, r.name]));
    const [users, orgs, members, firms] = await Promise.all([
      this.history.actorNames(ids((e) => e.actor?.username)),
      this.orgs.findByIds(ids((e) => e.actor?.orgId).concat(ids((e) => e.subject?.orgId))),
      this.members.names(ids((e) => e.subject?.memberId)),
      this.firms.names(ids((e) => e.subject?.firmId)),
    ]);
    return { users: pairs(users), orgs: pairs(orgs), members: pairs(members), firms: pairs(firms) };
  }

  /** Names the ledger shows instead of ids: actors, their organizations, the cases' subjects, the filter's org and user. */
  private async ledgerNames(principal: Principal, events: LedgerEvent[], f: LedgerFilter): Promise<LedgerNames> {
    const names = await this.eventNames(events);
    // the filter's organization is named only when it is in the caller's scope (its name is not disclosed otherwise)
    let filterOrg: string | undefined;
    if (f.orgId) {
      const org = await this.orgs.findById(f.orgId);
      if (org && (isAdmin(principal) || scopeOrgIds(principal).some((id) => org.path.includes(`/${id}/`))))
        filterOrg = org.name;
    }
    // the filter's user is named from the rows (a user who acted on a case the caller sees)
    const filterUser = f.userId ? events.find((e) => e.actor?.userId === f.userId)?.actor.username : undefined;
    return { ...names, filterOrg, filterUser: filterUser ? (names.users.get(filterUser) ?? filterUser) : undefined };
  }

  /**
   * Recomputes every hash of one case (or of every case in the caller's scope) and checks the links:
   * a row edited, removed or inserted behind the engine's back breaks the chain at that row.
   */
  async verify(principal: Principal, caseId?: string, onProgress?: OnProgress): Promise<VerifyResult> {
    let caseIds: string[];
    if (caseId) caseIds = [(await this.engine.findCase(principal, caseId)).id];
    else caseIds = await this.history.caseIds(isAdmin(principal) ? null : scopeOrgIds(principal));
    let checked = 0;
    let done = 0;
    for await (const batch of this.chains(caseIds)) {
      await onProgress?.((done += batch.length), caseIds.length);
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
  async verifyEach(caseIds: string[], onProgress?: OnProgress): Promise<CaseChainCheck[]> {
    const out: CaseChainCheck[] = [];
    for await (const batch of this.chains(caseIds)) {
      out.push(...batch);
      await onProgress?.(out.length, caseIds.length);
    }
    return out;
  }

  /** Reads the cases' history in batches and checks each chain, batch by batch (in the given order). */
  private async *chains(caseIds: string[]): AsyncGenerator<CaseChainCheck[]> {
    const batch = 500;
    for (let i = 0; i < caseIds.length; i += batch) {
      const ids = caseIds.slice(i, i + batch);
      const rows = await this.history.chainRows(ids);
      const byCase = new Map<string, ChainRow[]>();
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
function checkChain(caseId: string, chain: ChainRow[]): CaseChainCheck {
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
