import type { CaseView } from './api/types';
import { beijing } from './time';

/**
 * What the act dialog proposes for an event's fields, from the case itself; the clerk may change any of it.
 *
 * - 开具 / 重新开具组织关系介绍信: the validity runs as long as the case's policy allows
 *   (`letterMaxValidityMonths`, 3 months by default), the usual practice. Counted from the system's today
 *   (`beijing()`), or from the case's last step should that be later (a clock moved on since this user
 *   signed in), so the proposal stays within what the engine accepts.
 */
export function proposedEventData(type: string, c: CaseView): Record<string, unknown> | undefined {
  if (type === 'ISSUE_LETTER' || type === 'REISSUE_LETTER') {
    const months = (c.context?.policy as { letterMaxValidityMonths?: unknown } | undefined)?.letterMaxValidityMonths;
    if (typeof months !== 'number' || months <= 0) return undefined;
    const lastStep = beijing(c.updatedAt);
    const from = lastStep.isAfter(beijing()) ? lastStep : beijing();
    return { validUntil: from.add(months, 'month').format('YYYY-MM-DD') };
  }
  return undefined;
}
