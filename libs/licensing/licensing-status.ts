import { EntityManager } from 'typeorm';
import type { OutboxRepository } from '../outbox/outbox.repository';
import { LICENSING_STATUS_TOPIC, PartyTransferStatus } from './licensing.constants';

/**
 * The party-transfer status of a licensing application, derived from its linked membership-transfer case
 * (open → pending; completed → completed; closed_exception → exception_approved; cancelled → not_required;
 * closed_referred — the letter expired, the member was referred as a 口袋党员 — stays pending: the transfer
 * is not done). Without a linked transfer case the stored status decides.
 */
export const PARTY_TRANSFER_SQL = `CASE
  WHEN c.id IS NULL OR c.workflow <> 'membership-transfer' THEN a.party_transfer
  WHEN c.status = 'open' THEN 'pending'
  WHEN 'completed' = ANY(c.state_paths) THEN 'completed'
  WHEN 'closed_exception' = ANY(c.state_paths) THEN 'exception_approved'
  WHEN 'closed_referred' = ANY(c.state_paths) THEN 'pending'
  ELSE 'not_required' END`;

export interface ApplicationView {
  applicationRef: string;
  partyTransfer: PartyTransferStatus;
  caseId?: string;
  kind: string;
  workflow?: string;
  caseState?: unknown;
  caseStatus?: string;
  memberId?: string;
  firmId?: string;
  toFirmId?: string;
  appliedAt?: string;
  approvedAt?: string;
  withdrawnAt?: string;
  /** when the licensing side approved while the transfer was open: the transfer is due within 6 months of it */
  sixMonthDueAt?: string;
  updatedAt: string;
  scopeOrgIds?: string[];
}

export async function readApplication(db: Pick<EntityManager, 'query'>, ref: string): Promise<ApplicationView | null> {
  const [row] = await db.query(
    `SELECT a.application_ref AS "applicationRef", ${PARTY_TRANSFER_SQL} AS "partyTransfer", a.case_id AS "caseId", a.kind, c.workflow,
       c.state AS "caseState", c.status AS "caseStatus", a.member_id AS "memberId", a.firm_id AS "firmId", a.to_firm_id AS "toFirmId",
       a.applied_at AS "appliedAt", a.approved_at AS "approvedAt", a.withdrawn_at AS "withdrawnAt", c.snapshot->'context'->>'sixMonthDueAt' AS "sixMonthDueAt",
       greatest(a.updated_at, c.updated_at) AS "updatedAt", c.scope_org_ids AS "scopeOrgIds"
     FROM licensing_applications a LEFT JOIN cases c ON c.id = a.case_id WHERE a.application_ref = $1`,
    [ref],
  );
  if (!row) return null;
  for (const k of Object.keys(row)) if (row[k] === null) delete row[k];
  return row;
}

/**
 * Queues a status notification for the licensing side (outbox topic `licensing.status`) — only when a
 * callback URL is configured: without one there is nobody to tell (docs/api.md: "when set"). The dedupe key
 * `licensing:<ref>:<status>` makes a second write of the same change a no-op. The payload has the shape the
 * engine's `licensing.statusChanged` effect writes.
 */
export async function enqueueStatusChange(
  outbox: OutboxRepository,
  em: EntityManager,
  opts: { callbackUrl?: string; ref: string; status: PartyTransferStatus; caseId?: string | null; at: Date },
): Promise<boolean> {
  if (!opts.callbackUrl) return false;
  return outbox.enqueue(em, {
    topic: LICENSING_STATUS_TOPIC,
    caseId: opts.caseId ?? undefined,
    dedupeKey: `licensing:${opts.ref}:${opts.status}`,
    payload: {
      caseId: opts.caseId ?? null,
      applicationRef: opts.ref,
      partyTransfer: opts.status,
      at: opts.at.toISOString(),
    },
  });
}
