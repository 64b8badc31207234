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

export function receivingOrgFor(firm: ReceivingFirm): ReceivingOrg {
  if ((firm.coverage === 'branch' || firm.coverage === 'joint_branch') && firm.partyOrgId)
    return { kind: 'firm_org', orgId: firm.partyOrgId };
  return { kind: 'city' };
}
