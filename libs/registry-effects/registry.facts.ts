import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toDate } from '../../workflows/kernel/dates';
import { CasesRepository } from '../engine/cases.repository';
import { FactLoader, FactScope } from '../engine/engine-extensions';
import { MemberChangesRepository } from '../registry/member-changes.repository';
import { MembersRepository } from '../registry/members.repository';
import { OrganizationsRepository } from '../registry/organizations.repository';

/**
 * The member ids an event's payload names: its `memberIds` (sponsors, introducers, …), `talkerIds` (recruitment's
 * 谈话人), `by` when it is a list of ids (the non-conforming talk; recruitment's `by` is a note, not a list), and an
 * election's `secretaryId` and `committeeIds` (branch formation).
 */
function namedMemberIds(data: any): string[] {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return [
    ...list(data?.memberIds),
    ...list(data?.talkerIds),
    ...list(data?.by),
    ...list([data?.secretaryId]),
    ...list(data?.committeeIds),
  ];
}

/**
 * What the registry and a member's record of cases tell a machine (read-only): status, birth date, party
 * discipline, the outcome of earlier non-conforming cases, the full members of a branch then and now.
 */
@Injectable()
export class RegistryFacts {
  constructor(
    private readonly cases: CasesRepository,
    private readonly members: MembersRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly registryAt: MemberChangesRepository,
  ) {}

  @FactLoader('memberHasOpenNonconforming')
  async memberHasOpenNonconforming(em: EntityManager, { subject }: FactScope): Promise<unknown> {
    return this.cases.memberHasOpenCase(em, 'nonconforming', subject.memberId!);
  }

  /** removed (除名) or persuaded to withdraw (劝退) by a non-conforming case closed less than 5 years ago */
  @FactLoader('memberRemovedWithin5Years')
  async memberRemovedWithin5Years(em: EntityManager, { subject, at }: FactScope): Promise<unknown> {
    return this.cases.memberCaseClosedInWithin(
      em,
      'nonconforming',
      subject.memberId!,
      ['closed_removed', 'closed_withdrawn', 'removed', 'withdrawn'],
      at,
      5,
    );
  }

  @FactLoader('memberRegistryBirthDate')
  async memberRegistryBirthDate(em: EntityManager, { subject }: FactScope): Promise<unknown> {
    return this.members.birthDate(em, subject.memberId!);
  }

  @FactLoader('memberRegistryStatus')
  async memberRegistryStatus(em: EntityManager, { subject }: FactScope): Promise<unknown> {
    return this.members.status(em, subject.memberId!);
  }

  /** the decision of a non-conforming case whose outcome stands; an upheld appeal (closed_restored) lifts it */
  @FactLoader('memberReapplicationBar')
  async memberReapplicationBar(em: EntityManager, { subject, at }: FactScope): Promise<unknown> {
    const decidedOn = await this.cases.memberDecisionDate(em, 'nonconforming', subject.memberId!, {
      enteredStates: ['removed', 'withdrawn'],
      unlessIn: 'closed_restored',
      at,
    });
    return decidedOn ? { decidedOn } : null;
  }

  @FactLoader('fullMembersAtMeeting')
  async fullMembersAtMeeting(em: EntityManager, { subject, data }: FactScope): Promise<unknown> {
    const heldOn = typeof data?.heldOn === 'string' ? data.heldOn.slice(0, 10) : null;
    if (!heldOn || !/^\d{4}-\d{2}-\d{2}$/.test(heldOn)) return null;
    const count = await this.registryAt.fullMembersOfBranchOn(em, subject.memberId!, heldOn);
    return count === null ? null : { heldOn, count };
  }

  /** null when the chosen org is no joint branch (a firm's own branch, a committee, unknown) */
  @FactLoader('jointBranchUnitCount')
  async jointBranchUnitCount(em: EntityManager, { data }: FactScope): Promise<unknown> {
    return this.orgs.jointBranchUnitCount(em, data?.jointBranchId);
  }

  @FactLoader('memberIdsUnderProbation')
  async memberIdsUnderProbation(em: EntityManager, { data }: FactScope): Promise<unknown> {
    return this.members.notFullMembers(em, namedMemberIds(data));
  }

  /** the engine's day in Beijing time: 留党察看 is in force from its first day until the day its rights come back */
  @FactLoader('memberIdsOnPartyProbation')
  async memberIdsOnPartyProbation(em: EntityManager, { data, at }: FactScope): Promise<unknown> {
    return this.members.onPartyProbation(em, namedMemberIds(data), toDate(at.toISOString()));
  }

  /** the subject organization's members under 留党察看 on the engine's day in Beijing time */
  @FactLoader('orgMembersOnPartyProbation')
  async orgMembersOnPartyProbation(em: EntityManager, { subject, at }: FactScope): Promise<unknown> {
    return this.members.orgMembersOnPartyProbation(em, subject.orgId, toDate(at.toISOString()));
  }

  @FactLoader('orgSecretary')
  async orgSecretary(em: EntityManager, { subject }: FactScope): Promise<unknown> {
    const term = subject.orgId ? await this.orgs.term(subject.orgId, em) : undefined;
    return term?.secretaryId
      ? { memberId: term.secretaryId, name: term.secretaryName, termEndsOn: term.termEndsOn }
      : null;
  }

  @FactLoader('fullMemberIdsOfOrg')
  async fullMemberIdsOfOrg(em: EntityManager, { subject }: FactScope): Promise<unknown> {
    return this.members.fullMemberIdsOf(em, subject.orgId);
  }
}
