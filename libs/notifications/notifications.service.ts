import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { WorkingCalendar } from '../calendar/working-calendar';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { Clock } from '../engine/clock';
import { OutboxRepository } from '../outbox/outbox.repository';
import { NotificationRow, NotificationsRepository } from './notifications.repository';
import {
  DeadlineNotice,
  EMAIL_TOPIC,
  EmailPayload,
  NoticeSummary,
  NotificationKind,
  WEBHOOK_TOPIC,
  WebhookPayload,
} from './notification.types';
import { planDelivery } from './quiet-hours';
import { renderDeadlineNotice, renderEmail, renderRobotText } from './templates';

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  level: number;
  title: string;
  body: string;
  caseId: string | null;
  link: Record<string, unknown> | null;
  createdAt: string;
  deliverAt: string;
  readAt: string | null;
  read: boolean;
}

export interface NotificationPage {
  items: NotificationView[];
  /** Visible notifications matching the filter. */
  total: number;
  /** Visible unread notifications (whatever the filter). */
  unread: number;
  page: number;
  pageSize: number;
}

const KINDS = ['reminder', 'overdue', 'escalation', 'lapsed', 'urge'];

const toView = (r: NotificationRow): NotificationView => ({
  id: r.id,
  kind: r.kind,
  level: r.level,
  title: r.title,
  body: r.body,
  caseId: r.case_id,
  link: r.link,
  createdAt: new Date(r.created_at).toISOString(),
  deliverAt: new Date(r.deliver_at).toISOString(),
  readAt: r.read_at ? new Date(r.read_at).toISOString() : null,
  read: r.read_at !== null,
});

/** The deadline template covers the timer's kinds; an urge writes its own text. */
function deadlineKind(kind: DeadlineNotice['kind']): Exclude<DeadlineNotice['kind'], 'urge'> {
  if (kind === 'urge') throw new RangeError('notifyDeadline: an urge carries its own rendered text');
  return kind;
}

/**
 * In-app notifications and the fan-out to e-mail and webhook subscriptions. Quiet hours (the policy's
 * `engine.quietHours`, non-working days of the statutory calendar): a reminder — and, unless
 * `deferEscalations` is false, an overdue notice or escalation — that falls in them is shown in-app from the
 * next working morning (`deliver_at`), and its e-mails and webhooks are not sent before then (`notBefore`).
 * `notifyDeadline` runs in the caller's transaction (the timer handler, holding the timer row lock);
 * exactly-once per recipient and channel comes from the dedupe keys `<dedupeBase>:<userId>:in_app` and
 * `<dedupeBase>:<channelId>:<channel>`.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly outbox: OutboxRepository,
    private readonly clock: Clock,
    private readonly calendar: WorkingCalendar,
  ) {}

  async notifyDeadline(em: EntityManager, n: DeadlineNotice): Promise<{ inApp: number; outbound: number }> {
    return this.notifyDeadlines(em, [n]);
  }

  /** Several notices (one timer batch) in one round trip, plus one outbox row per subscribed channel. */
  async notifyDeadlines(em: EntityManager, notices: DeadlineNotice[]): Promise<{ inApp: number; outbound: number }> {
    if (!notices.length) return { inApp: 0, outbound: 0 };
    const now = notices[0].now;
    const planned = notices.map((n) => {
      if (!n.dedupeBase) throw new RangeError('notifyDeadline: dedupeBase is required');
      if (!KINDS.includes(n.kind)) throw new RangeError(`notifyDeadline: unknown kind ${String(n.kind)}`);
      if (!['clerk', 'orgdept', 'supervisor'].includes(n.recipients.role))
        throw new RangeError(`notifyDeadline: unknown recipient role ${String(n.recipients.role)}`);
      if (n.now.getTime() !== now.getTime())
        throw new RangeError('notifyDeadlines: one batch is raised at one instant');
      const plan = (at: Date) =>
        planDelivery(this.calendar, {
          kind: n.kind,
          now: at,
          quietHours: n.quietHours,
          deferEscalations: n.deferEscalations,
          morningHour: n.morningHour,
        });
      // in-app: where the stage belongs in the timeline; outbound: not pushed at night, measured when it is sent
      const { deliverAt } = plan(n.stageAt ?? n.now);
      const sendAt = n.stageAt ? plan(n.now).deliverAt : deliverAt;
      return {
        n,
        notice: n.rendered ?? renderDeadlineNotice({ ...n, kind: deadlineKind(n.kind) }),
        deliverAt,
        sendAt,
        link: n.link ?? { caseId: n.caseId },
      };
    });
    const row = await this.notifications.fanOutDeadlines(
      em,
      planned.map((p) => ({
        orgId: p.n.recipients.orgId,
        role: p.n.recipients.role,
        caseId: p.n.caseId,
        kind: p.n.kind,
        level: p.n.level,
        title: p.notice.title,
        body: p.notice.body,
        link: p.link,
        dedupeBase: p.n.dedupeBase,
        deliverAt: p.deliverAt,
      })),
      now,
    );

    let outbound = 0;
    // a user's own subscription and their org's may name the same address: one message per address and channel,
    // through the first in a stable order (signed webhooks first, then the org's, then the oldest)
    const seen = new Set<string>();
    for (const c of row.channels) {
      const { n, notice, sendAt, link } = planned[c.idx];
      const target = `${c.idx}|${c.channel}|${c.channel === 'email' ? c.address.toLowerCase() : c.address}`;
      if (seen.has(target)) continue;
      seen.add(target);
      // the outbox relay runs on wall time: a deferred message waits as long from now as it does in engine time
      const delayMs = sendAt.getTime() - n.now.getTime();
      const notBefore = delayMs > 0 ? new Date(Date.now() + delayMs) : undefined;
      const summary: NoticeSummary = {
        kind: n.kind,
        level: n.level,
        title: notice.title,
        body: notice.body,
        caseId: n.caseId,
        dueAt: n.dueAt.toISOString(),
        deliverAt: sendAt.toISOString(),
        workflowTitle: n.workflowTitle,
        stateTitle: n.stateTitle,
        deadlineTitle: n.deadlineTitle,
        ...(n.subjectLabel ? { subjectLabel: n.subjectLabel } : {}),
        link,
      };
      const dedupeKey = `${n.dedupeBase}:${c.id}:${c.channel}`;
      const payload: EmailPayload | WebhookPayload =
        c.channel === 'email'
          ? { channelId: c.id, to: c.address, ...renderEmail(notice, { ...n }), dedupeKey, notification: summary }
          : { channelId: c.id, url: c.address, content: renderRobotText(notice, n), dedupeKey, notification: summary };
      const inserted = await this.outbox.enqueue(em, {
        topic: c.channel === 'email' ? EMAIL_TOPIC : WEBHOOK_TOPIC,
        dedupeKey,
        caseId: n.caseId ?? undefined,
        payload: payload as unknown as Record<string, unknown>,
        notBefore,
      });
      if (inserted) outbound++;
    }
    return { inApp: row.inApp, outbound };
  }

  /** The caller's delivered notifications (deliver_at ≤ engine now), newest first. */
  async list(
    principal: Principal,
    q: { unreadOnly?: boolean; page?: number; pageSize?: number } = {},
  ): Promise<NotificationPage> {
    const page = Math.max(1, Math.floor(q.page ?? 1));
    const pageSize = Math.min(200, Math.max(1, Math.floor(q.pageSize ?? 20)));
    const now = this.clock.now();
    const unreadOnly = q.unreadOnly === true;
    const [rows, counts] = await Promise.all([
      this.notifications.listDelivered(principal.userId, now, {
        unreadOnly,
        limit: pageSize,
        offset: (page - 1) * pageSize,
      }),
      this.notifications.countDelivered(principal.userId, now),
    ]);
    return {
      items: rows.map(toView),
      total: unreadOnly ? counts.unread : counts.all,
      unread: counts.unread,
      page,
      pageSize,
    };
  }

  /** Marks one of the caller's delivered notifications read (idempotent: the first read time stays). */
  async markRead(principal: Principal, id: string): Promise<NotificationView> {
    if (!isUuid(id)) throw AppError.notFound('通知');
    const now = this.clock.now();
    const row = await this.notifications.markRead(id, principal.userId, now);
    if (!row) throw AppError.notFound('通知');
    return toView(row);
  }
  /** Marks every delivered unread notification of the caller read. */
  async markAllRead(principal: Principal): Promise<{ updated: number }> {
    const now = this.clock.now();
    const updated = await this.notifications.markAllRead(principal.userId, now);
    return { updated };
  }
}
