import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { FactName } from '../../workflows/kernel/definition';
import { MemberChangesRepository } from './member-changes.repository';

export interface FactScope {
  subject: { memberId?: string; firmId?: string; orgId?: string };
  data?: any;
  at: Date;
}

/** Read-only registry queries a machine may need to decide (declared per event as `facts`). */
@Injectable()
export class FactsService {
  constructor(private readonly registryAt: MemberChangesRepository) {}

  async load(
    em: EntityManager,
    names: FactName[] | undefined,
    scope: FactScope,
  ): Promise<Partial<Record<FactName, unknown>>> {
    const out: Partial<Record<FactName, unknown>> = {};
    for (const name of names ?? []) out[name] = await this.one(em, name, scope);
    return out;
  }

  private async one(em: EntityManager, name: FactName, { subject, data, at }: FactScope): Promise<unknown> {
    switch (name) {
      case 'memberHasOpenNonconforming': {
        const [row] = await em.query(
          `SELECT EXISTS (SELECT 1 FROM cases WHERE workflow = 'nonconforming' AND status = 'open' AND subject_member_id = $1) AS x`,
          [subject.memberId],
        );
        return row.x;
      }
      case 'memberRemovedWithin5Years': {
        // removed (除名) or persuaded to withdraw (劝退) by a non-conforming case closed less than 5 years ago
        const [row] = await em.query(
          `SELECT EXISTS (SELECT 1 FROM cases WHERE workflow = 'nonconforming' AND subject_member_id = $1 AND status = 'closed'
             AND state_paths && ARRAY['closed_removed','closed_withdrawn','removed','withdrawn'] AND closed_at > $2::timestamptz - interval '5 years') AS x`,
          [subject.memberId, at],
        );
        return row.x;
      }
      case 'memberRegistryBirthDate': {
        const [row] = await em.query(`SELECT to_char(birth_date, 'YYYY-MM-DD') AS d FROM members WHERE id = $1`, [
          subject.memberId,
        ]);
        return row?.d ?? null;
      }
      case 'memberRegistryStatus': {
        const [row] = await em.query(`SELECT status FROM members WHERE id = $1`, [subject.memberId]);
        return row?.status ?? null;
      }
      case 'memberReapplicationBar': {
        // the decision (entry into removed / withdrawn, Asia/Shanghai date) of a non-conforming case whose
        // outcome stands; an upheld appeal (closed_restored) lifts it
        const [row] = await em.query(
          `SELECT to_char(max(h.at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS d
           FROM case_history h JOIN cases c ON c.id = h.case_id
           WHERE c.workflow = 'nonconforming' AND c.subject_member_id = $1 AND h.to_state #>> '{}' IN ('removed', 'withdrawn')
             AND NOT ('closed_restored' = ANY(c.state_paths)) AND h.at <= $2`,
          [subject.memberId, at],
        );
        return row?.d ? { decidedOn: row.d } : null;
      }
      case 'fullMembersAtMeeting': {
        const heldOn = typeof data?.heldOn === 'string' ? data.heldOn.slice(0, 10) : null;
        if (!heldOn || !/^\d{4}-\d{2}-\d{2}$/.test(heldOn)) return null;
        const count = await this.registryAt.fullMembersOfBranchOn(em, subject.memberId!, heldOn);
        return count === null ? null : { heldOn, count };
      }
      case 'jointBranchUnitCount': {
        // null when the chosen org is no joint branch (a firm's own branch, a committee, unknown)
        const [row] = await em.query(
          `SELECT (SELECT count(*)::int FROM firms WHERE party_org_id = o.id AND coverage = 'joint_branch' AND status <> 'closed') AS n
           FROM orgs o WHERE o.id = $1 AND o.type = 'joint_branch'`,
          [data?.jointBranchId],
        );
        return row ? row.n : null;
      }
      case 'memberIdsUnderProbation': {
        const ids: string[] = Array.isArray(data?.memberIds) ? data.memberIds : [];
        const rows: { id: string }[] = await em.query(
          `SELECT id FROM members WHERE id = ANY($1::uuid[]) AND status <> 'full'`,
          [ids],
        );
        const known: { id: string }[] = await em.query(`SELECT id FROM members WHERE id = ANY($1::uuid[])`, [ids]);
        // unknown ids cannot be verified as full members: treat them as ineligible too
        const unknown = ids.filter((id) => !known.some((k) => k.id === id));
        return [...rows.map((r) => r.id), ...unknown];
      }
      case 'fullMemberIdsOfOrg': {
        const rows: { id: string }[] = await em.query(
          `SELECT id FROM members WHERE org_id = $1 AND status = 'full' ORDER BY id`,
          [subject.orgId],
        );
        return rows.map((r) => r.id);
      }
    }
  }
}
