/**
 * Branch-meeting figures checked against the registry (党章 art. 7: probationary members have no vote;
 * 发展党员工作细则 and 不合格党员组织处置办法: more than half of the full members entitled to vote must attend).
 * The engine loads `fullMembersAtMeeting` for the meeting's day; without it (pure use) only the figures'
 * own consistency is checked by the procedures' rules.
 */
import type { WorkflowEvent } from './definition';

export function eligibleVotersProblem(event: WorkflowEvent): string | null {
  const registry = event.facts?.fullMembersAtMeeting as { heldOn: string; count: number } | null | undefined;
  if (!registry) return null;
  const given = event.data?.eligibleVoters;
  if (given !== registry.count)
    return `应到会有表决权的正式党员为 ${registry.count} 人（党员信息库，${registry.heldOn}；预备党员没有表决权），填写的是 ${given} 人`;
  return null;
}
