import type { QuietHours } from '../calendar/working-calendar';
import type { DeadlineNoticeKind, NotificationKind } from './templates';

export type { DeadlineNoticeKind, NotificationKind };

/** Outbox topics of the outbound channels. */
export const EMAIL_TOPIC = 'notification.email';
export const WEBHOOK_TOPIC = 'notification.webhook';

export type OutboundChannel = 'email' | 'webhook';
export const OUTBOUND_CHANNELS: readonly OutboundChannel[] = ['email', 'webhook'];

/** A reminder, overdue notice or escalation of one timer stage, for everyone who should hear of it. */
export interface DeadlineNotice {
  /** Unique per timer stage, e.g. `timer:<timerId>:<stage>`; with the recipient and channel it is the dedupe key. */
  dedupeBase: string;
  /** `urge` (a supervisor's 催办) carries its own `rendered` text. */
  kind: DeadlineNoticeKind | 'urge';
  level: number;
  /** null for a reminder about no case (an organization's quarter or term): then `link` says what it is about */
  caseId: string | null;
  /** What the notice links to (default `{ caseId }`). */
  link?: Record<string, string>;
  /** Title and body written by the caller instead of the deadline template. */
  rendered?: { title: string; body: string };
  workflowTitle: string;
  stateTitle: string;
  deadlineTitle: string;
  dueAt: Date;
  /**
   * `clerk` / `orgdept`: holders of that role at exactly that org; `supervisor`: supervisors of that org or
   * any org above it.
   */
  recipients: { orgId: string; role: 'clerk' | 'orgdept' | 'supervisor' };
  subjectLabel?: string;
  /** `lapsed`: where the clock's event left the case. */
  outcome?: { stateTitle: string; closed: boolean };
  /** Engine time at which the notice is raised (the timer stage is being delivered). */
  now: Date;
  /**
   * When the stage was scheduled (the timer stage's `at`); default `now`. In-app visibility is planned from
   * it (a 09:00 reminder delivered late, after an outage or a clock jump, still shows at once), outbound
   * sending from `now` (nothing is pushed at night, however late the stage is).
   */
  stageAt?: Date;
  /** The policy's `engine.quietHours` (default 20:00–08:00). */
  quietHours?: QuietHours;
  /** Whether overdue notices and escalations also wait for working time (default true; reminders always do). */
  deferEscalations?: boolean;
  /** Hour of the working morning a deferred notice lands at (the policy's `engine.reminderHour`, default 9). */
  morningHour?: number;
}

/** What a notice says, as carried by every outbound message (and the webhook's `notification` object). */
export interface NoticeSummary {
  kind: NotificationKind;
  level: number;
  title: string;
  body: string;
  caseId: string | null;
  dueAt: string;
  deliverAt: string;
  workflowTitle: string;
  stateTitle: string;
  deadlineTitle: string;
  subjectLabel?: string;
  link: Record<string, string | null>;
}

/** Payload of a `notification.email` outbox row. */
export interface EmailPayload {
  channelId: string;
  /** The address at enqueue time (the channel row is re-read at delivery). */
  to: string;
  subject: string;
  text: string;
  dedupeKey: string;
  notification: NoticeSummary;
}

/** Payload of a `notification.webhook` outbox row (the secret is never copied into the outbox). */
export interface WebhookPayload {
  channelId: string;
  url: string;
  content: string;
  dedupeKey: string;
  notification: NoticeSummary;
}

/** A channel subscription as the delivery handlers need it. */
export interface ChannelTarget {
  id: string;
  channel: OutboundChannel;
  address: string;
  secret: string | null;
  enabled: boolean;
}

/** Reads a channel subscription at delivery time (null when it was deleted). */
export type ChannelLookup = (id: string) => Promise<ChannelTarget | null>;
