import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { FactName } from '../../workflows/kernel/definition';
import { toDate } from '../../workflows/kernel/dates';
import { MemberChangesRepository } from './member-changes.repository';
import { MembersRepository } from '../registry/members.repository';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { CasesRepository } from './cases.repository';

export interface FactScope {
  subject: { memberId?: string; firmId?: string; orgId?: string };
  data?: any;
  at: Date;
}

/**
 * The member ids an event's payload names: its `memberIds` (sponsors, introducers, …), `talkerIds` (recruitment's
 * 谈话人) and `by` when it is a list of ids (the non-conforming talk; recruitment's `by` is a note, not a list).
 */
function namedMemberIds(data: any): string[] {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return [...list(data?.memberIds), ...list(data?.talkerIds), ...list(data?.by)];
}

/** Read-only registry queries a machine may need to decide (declared per event as `facts`). */
@Injectable()
export class FactsService {
  constructor(
    private readonly cases: CasesRepository,
    private readonly members: MembersRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly registryAt: MemberChangesRepository,
  ) {}

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
      case 'memberHasOpenNonconforming':
        return this.cases.memberHasOpenCase(em, 'nonconforming', subject.memberId!);
      case 'memberRemovedWithin5Years':
        // removed (除名) or persuaded to withdraw (劝退) by a non-conforming case closed less than 5 years ago
        return this.cases.memberCaseClosedInWithin(
          em,
          'nonconforming',
          subject.memberId!,
          ['closed_removed', 'closed_withdrawn', 'removed', 'withdrawn'],
          at,
          5,
        );
      case 'memberRegistryBirthDate':
        return this.members.birthDate(em, subject.memberId!);
      case 'memberRegistryStatus':
        return this.members.status(em, subject.memberId!);
      case 'memberReapplicationBar': {
        // the decision of a non-conforming case whose outcome stands; an upheld appeal (closed_restored) lifts it
        const decidedOn = await this.cases.memberDecisionDate(em, 'nonconforming', subject.memberId!, {
          enteredStates: ['removed', 'withdrawn'],
          unlessIn: 'closed_restored',
          at,
        });
        return decidedOn ? { decidedOn } : null;
      }
      case 'fullMembersAtMeeting': {
        const heldOn = typeof data?.heldOn === 'string' ? data.heldOn.slice(0, 10) : null;
        if (!heldOn || !/^\d{4}-\d{2}-\d{2}$/.test(heldOn)) return null;
        const count = await this.registryAt.fullMembersOfBranchOn(em, subject.memberId!, heldOn);
        return count === null ? null : { heldOn, count };
      }
      case 'jointBranchUnitCount':
        // null when the chosen org is no joint branch (a firm's own branch, a committee, unknown)
        return this.orgs.jointBranchUnitCount(em, data?.jointBranchId);
      case 'memberIdsUnderProbation':
        return this.members.notFullMembers(em, namedMemberIds(data));
      case 'memberIdsOnPartyProbation':
        // the engine's day in Beijing time: 留党察看 is in force from its first day until the day its rights come back
        return this.members.onPartyProbation(em, namedMemberIds(data), toDate(at.toISOString()));
      case 'fullMemberIdsOfOrg':
        return this.members.fullMemberIdsOf(em, subject.orgId);
    }
  }
}
