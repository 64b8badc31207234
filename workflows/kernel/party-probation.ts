/**
 * Members under 留党察看 as the registry loads them (facts `memberIdsOnPartyProbation`,
 * `orgMembersOnPartyProbation`). 党章: during 留党察看 a member has no vote, no right to elect and none to be
 * elected; 发展党员工作细则: such a member cannot introduce an applicant. They remain members (status `full`), so
 * each rule that hands out one of those rights asks here who is excluded, and names them with the day the period
 * runs out.
 */
import type { FactName } from './definition';

export interface OnPartyProbation {
  id: string;
  name?: string;
  /** the day the rights come back (YYYY-MM-DD) */
  until?: string;
}

type Facts = Partial<Record<FactName, unknown>> | undefined;

/** The loaded list of one of the two facts; empty when not loaded (a machine tested alone). */
export function onPartyProbation(
  facts: Facts,
  name: 'memberIdsOnPartyProbation' | 'orgMembersOnPartyProbation',
): OnPartyProbation[] {
  const loaded = facts?.[name];
  return Array.isArray(loaded) ? (loaded as OnPartyProbation[]).filter((p) => p && typeof p.id === 'string') : [];
}

/** "张三（留党察看期 2027-05-01 届满）、李四" */
export const describeOnPartyProbation = (list: OnPartyProbation[]): string =>
  list.map((p) => `${p.name ?? p.id}${p.until ? `（留党察看期 ${p.until} 届满）` : ''}`).join('、');

/**
 * 党章 art. 40: no right to be elected during 留党察看. The one rule for every election a procedure records (the
 * branch's term, the election at branch formation): of the elected secretary and committee members, who is
 * under 留党察看 in `list` (the loaded fact), or null.
 */
export function notElectableProblem(
  list: OnPartyProbation[],
  secretaryId: string | undefined,
  committeeIds: string[] = [],
): string | null {
  const secretary = list.filter((p) => p.id === secretaryId);
  if (secretary.length)
    return `受留党察看处分、尚未恢复党员权利的党员没有被选举权，不能担任支部书记：${describeOnPartyProbation(secretary)}`;
  const committee = list.filter((p) => committeeIds.includes(p.id));
  if (committee.length)
    return `受留党察看处分、尚未恢复党员权利的党员没有被选举权，不能当选支部委员：${describeOnPartyProbation(committee)}`;
  return null;
}
