import type { QuietHours, WorkingCalendar } from '../calendar/working-calendar';
import { DEFAULT_ENGINE_SETTINGS } from '../policy/policy.types';
import type { NotificationKind } from './templates';

export interface DeliveryPlanInput {
  kind: NotificationKind;
  /** When the notice is raised (engine time). */
  now: Date;
  /** The policy's `engine.quietHours`; default `DEFAULT_ENGINE_SETTINGS.quietHours` (20:00–08:00). */
  quietHours?: QuietHours;
  /** Overdue notices and escalations wait for working time too (default true). Reminders always do. */
  deferEscalations?: boolean;
  /** Hour (Asia/Shanghai) of the working morning a deferred notice lands at; default the policy's reminderHour (9). */
  morningHour?: number;
}

export interface DeliveryPlan {
  /** When the notice is shown in-app and may be sent out. */
  deliverAt: Date;
  deferred: boolean;
}

/**
 * When a notice may reach people: immediately, unless it falls in the quiet hours or on a non-working day
 * (weekend, statutory holiday; 调休 make-up days are working days), in which case it waits for the next
 * working morning. Reminders and lapsed clock deadlines (nobody is late) are always subject to this; overdue
 * notices and escalations only when `deferEscalations` (default true); `info` messages never. Pure apart from
 * the calendar lookup.
 */
export function planDelivery(calendar: WorkingCalendar, input: DeliveryPlanInput): DeliveryPlan {
  const subject =
    input.kind === 'reminder' ||
    input.kind === 'lapsed' ||
    ((input.kind === 'overdue' || input.kind === 'escalation') && input.deferEscalations !== false);
  if (!subject) return { deliverAt: input.now, deferred: false };
  const quiet = input.quietHours ?? DEFAULT_ENGINE_SETTINGS.quietHours;
  const at = new Date(
    calendar.deferToWorkingTime(input.now, quiet, input.morningHour ?? DEFAULT_ENGINE_SETTINGS.reminderHour),
  );
  const deferred = at.getTime() > input.now.getTime();
  return { deliverAt: deferred ? at : input.now, deferred };
}
