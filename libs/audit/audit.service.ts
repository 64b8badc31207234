import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isAdmin, Principal, scopeOrgIds } from '../auth/principal';
import { GENESIS_HASH, historyHash } from '../engine/canonical-json';
import { EngineService } from '../engine/engine.service';

export interface AuditFilter {
  orgId?: string;
  userId?: string;
  workflow?: string;
  type?: string;
  from?: string;
  to?: string;
  page?: number;
  pageSize?: number;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  cases: number;
  brokenAt?: { caseId: string; seq: number; reason: string };
}

/** Supervisors' view of the history log: search, chain verification and (elsewhere) the ledger export. */
@Injectable()
export class AuditService {
  constructor(
    private readonly ds: DataSource,
    private readonly engine: EngineService,
  ) {}

  async events(principal: Principal, f: AuditFilter) {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (!isAdmin(principal)) where.push(`c.scope_org_ids && ${p(scopeOrgIds(principal))}::uuid[]`);
    if (f.orgId) where.push(`${p(f.orgId)}::uuid = ANY(c.scope_org_ids)`);
    if (f.userId) where.push(`h.actor->>'userId' = ${p(f.userId)}`);
    if (f.workflow) where.push(`c.workflow = ${p(f.workflow)}`);
    if (f.type) where.push(`h.type = ${p(f.type)}`);
    if (f.from) where.push(`h.at >= ${p(f.from)}::timestamptz`);
    if (f.to) where.push(`h.at < ${p(f.to)}::timestamptz`);
    const pageSize = Math.min(f.pageSize ?? 100, 1000);
    const page = f.page ?? 1;
    const rows: any[] = await this.ds.query(
      `SELECT h.case_id AS "caseId", c.workflow, h.seq, h.at, h.actor, h.type, h.data, h.comment, h.from_state AS "from", h.to_state AS "to", h.hash, h.prev_hash AS "prevHash",
         count(*) OVER ()::int AS total
       FROM case_history h JOIN cases c ON c.id = h.case_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY h.at, h.case_id, h.seq LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
      params,
    );
    const total = rows[0]?.total ?? 0;
    return { items: rows.map(({ total: _t, ...r }) => ({ ...r, at: new Date(r.at).toISOString() })), total, page, pageSize };
  }

  /**
   * Recomputes every hash of one case (or of every case in the caller's scope) and checks the links:
   * a row edited, removed or inserted behind the engine's back breaks the chain at that row.
   */
  async verify(principal: Principal, caseId?: string): Promise<VerifyResult> {
    let caseIds: string[];
    if (caseId) caseIds = [(await this.engine.findCase(this.ds, principal, caseId)).id];
    else {
      const rows: { id: string }[] = isAdmin(principal)
        ? await this.ds.query(`SELECT id FROM cases ORDER BY opened_at, id`)
        : await this.ds.query(`SELECT id FROM cases WHERE scope_org_ids && $1::uuid[] ORDER BY opened_at, id`, [scopeOrgIds(principal)]);
      caseIds = rows.map((r) => r.id);
    }
    let checked = 0;
    const batch = 500;
    for (let i = 0; i < caseIds.length; i += batch) {
      const ids = caseIds.slice(i, i + batch);
      const rows: any[] = await this.ds.query(
        `SELECT h.case_id, h.seq, h.at, h.actor, h.type, h.data, h.comment, h.from_state, h.to_state, h.prev_hash, h.hash, c.head_hash, c.version
         FROM case_history h JOIN cases c ON c.id = h.case_id WHERE h.case_id = ANY($1::uuid[]) ORDER BY h.case_id, h.seq`,
        [ids],
      );
      const byCase = new Map<string, any[]>();
      for (const r of rows) byCase.set(r.case_id, [...(byCase.get(r.case_id) ?? []), r]);
      for (const id of ids) {
        const chain = byCase.get(id) ?? [];
        let prev = GENESIS_HASH;
        for (let k = 0; k < chain.length; k++) {
          const r = chain[k];
          checked++;
          const broken = (reason: string): VerifyResult => ({ ok: false, checked, cases: caseIds.length, brokenAt: { caseId: id, seq: r.seq, reason } });
          if (r.seq !== k + 1) return broken(`序号不连续：应为 ${k + 1}`);
          if (r.prev_hash !== prev) return broken('前一条记录的哈希不匹配');
          const expected = historyHash(prev, {
            caseId: id,
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
          return { ok: false, checked, cases: caseIds.length, brokenAt: { caseId: id, seq: chain.length + 1, reason: '历史记录缺失（与案件版本不符）' } };
      }
    }
    return { ok: true, checked, cases: caseIds.length };
  }
}
