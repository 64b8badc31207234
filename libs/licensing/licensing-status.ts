import { EntityManager } from 'typeorm';
import type { OutboxRepository } from '../outbox/outbox.repository';
import { membershipTransferMachine } from '../../workflows/membership-transfer';
import { LICENSING_STATUS_TOPIC, PartyTransferStatus } from './licensing.constants';

/**
 * What each final state of a membership-transfer case means for the licensing application, read from the
 * procedure itself: a final state whose entry announces `licensing.statusChanged` has that status (completed →
 * completed, closed_exception → exception_approved, cancelled → not_required); a final state that announces
 * nothing leaves the transfer undone, so the application stays pending (closed_referred — the letter expired,
 * the member was referred as a 口袋党员). The procedure owns its state names; licensing never spells them.
 */
export function transferOutcomes(
  machine: { config: { states?: Record<string, any> } } = membershipTransferMachine,
): { state: string; status: PartyTransferStatus }[] {
  const out: { state: string; status: PartyTransferStatus }[] = [];
  for (const [state, node] of Object.entries(machine.config.states ?? {})) {
    if (node?.type !== 'final') continue;
    const entry: unknown[] = node.entry === undefined ? [] : Array.isArray(node.entry) ? node.entry : [node.entry];
    const announced = entry
      .map((a: any) =>
        a?.type === 'effect' && a.params?.kind === 'licensing.statusChanged' ? a.params.status : undefined,
      )
      .find((s): s is PartyTransferStatus => typeof s === 'string');
    out.push({ state, status: announced ?? 'pending' });
  }
  return out;
}

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

/**
 * The transfer is due within 6 months of the licensing approval, "else the lawyer's annual assessment is
 * deferred" (Guangzhou's rule, adopted as policy `licensingSyncMonths`): an application whose transfer is still
 * open after that day tells the licensing side to defer the lawyer's annual assessment. `today` is the engine's
 * Beijing day; the due day itself still counts as in time.
 */
export function assessmentDeferred(
  view: Pick<ApplicationView, 'caseStatus' | 'sixMonthDueAt'>,
  today: string,
): boolean {
  return view.caseStatus === 'open' && !!view.sixMonthDueAt && view.sixMonthDueAt.slice(0, 10) < today;
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
