/**
 * The organization that receives a lawyer's party relationship when licensing moves the lawyer to a firm
 * (docs/procedures.md §1): the firm's own branch, else the joint branch that covers the firm, else — a firm with an
 * instructor only, or none — the city committee over the firm's region, which holds the relationship until the
 * firm is covered (Hunan: every lawyer member in an organization; no 口袋党员).
 */
export interface ReceivingFirm {
  /** the firm's coverage: branch | joint_branch | instructor | none */
  coverage: string;
  /** the organization that covers the firm (its branch or joint branch), if any */
  partyOrgId: string | null;
}

export type ReceivingOrg = { kind: 'firm_org'; orgId: string } | { kind: 'city' };

/**
 * Whether the member's relationship is already where the transfer would take it, so no transfer is needed: inside
 * the firm's own organization (or below it, a branch under a general branch), or — when the city committee
 * receives — held by the city committee itself. Every member of the city sits below the city committee, so below
 * is not enough there: a lawyer of a covered firm moving to an uncovered one must still leave the old branch.
 */
export function alreadyReceived(
  target: ReceivingOrg & { id: string },
  member: { orgId: string; path: string },
): boolean {
  if (target.kind === 'city') return member.orgId === target.id;
  return member.orgId === target.id || member.path.includes(`/${target.id}/`);
}

export function receivingOrgFor(firm: ReceivingFirm): ReceivingOrg {
  if ((firm.coverage === 'branch' || firm.coverage === 'joint_branch') && firm.partyOrgId)
    return { kind: 'firm_org', orgId: firm.partyOrgId };
  return { kind: 'city' };
}
