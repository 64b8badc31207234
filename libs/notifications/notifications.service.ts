import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { WorkingCalendar } from '../calendar/working-calendar';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { Clock } from '../engine/clock';
import { enqueueOutbox } from '../outbox/outbox';
import {
  DeadlineNotice,
  EMAIL_TOPIC,
  EmailPayload,
  NoticeSummary,
  NotificationKind,
  OutboundChannel,
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

interface NotificationRow {
  id: string;
  kind: NotificationKind;
  level: number;
  title: string;
  body: string;
  case_id: string | null;
  link: Record<string, unknown> | null;
  created_at: Date;
  deliver_at: Date;
  read_at: Date | null;
}

const KINDS = ['reminder', 'overdue', 'escalation'];

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

/**
 * A batch of deadline notices in one statement (a timer storm delivers hundreds per transaction): each
 * notice's recipients (clerks of the org, or supervisors at or above it), their in-app rows (dedupe keys make
 * a retry a no-op), and the enabled e-mail/webhook subscriptions of those users and orgs, per notice index.
 */
const NOTIFY_SQL = `
  WITH n AS (
    SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[], $9::jsonb[], $10::text[], $11::timestamptz[])
      AS n(idx, org_id, role, case_id, kind, level, title, body, link, dedupe_base, deliver_at)),
  target AS (SELECT n.idx, n.role, o.id, o.path FROM n JOIN orgs o ON o.id = n.org_id),
  assignments AS (
    SELECT t.idx, t.role, ra.user_id, ra.org_id FROM target t JOIN role_assignments ra ON ra.role = t.role
      AND ((t.role = 'clerk' AND ra.org_id = t.id) OR (t.role = 'supervisor' AND t.path LIKE '%/' || ra.org_id::text || '/%'))),
  recipients AS (SELECT DISTINCT idx, user_id FROM assignments),
  channel_orgs AS (
    SELECT idx, id AS org_id FROM target WHERE role = 'clerk'
    UNION SELECT idx, org_id FROM assignments WHERE role = 'supervisor'),
  ins AS (
    INSERT INTO notifications (user_id, case_id, kind, level, title, body, link, dedupe_key, deliver_at, created_at)
    SELECT r.user_id, n.case_id, n.kind, n.level, n.title, n.body, n.link, n.dedupe_base || ':' || r.user_id::text || ':in_app', n.deliver_at, $12::timestamptz
    FROM recipients r JOIN n USING (idx)
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING 1),
  channels AS (
    SELECT DISTINCT x.idx, c.id, c.channel, c.address, c.secret IS NULL AS unsigned, c.org_id IS NULL AS personal, c.created_at
    FROM (SELECT idx, user_id, NULL::uuid AS org_id FROM recipients UNION ALL SELECT idx, NULL::uuid, org_id FROM channel_orgs) x
    JOIN notification_channels c ON c.enabled AND (c.user_id = x.user_id OR c.org_id = x.org_id))
  SELECT (SELECT count(*)::int FROM ins) AS in_app,
         coalesce((SELECT json_agg(json_build_object('idx', idx, 'id', id, 'channel', channel, 'address', address)
                                   ORDER BY idx, unsigned, personal, created_at, id) FROM channels), '[]'::json) AS channels`;

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
    private readonly ds: DataSource,
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
      if (n.recipients.role !== 'clerk' && n.recipients.role !== 'supervisor')
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
      return { n, notice: renderDeadlineNotice(n), deliverAt, sendAt, link: { caseId: n.caseId } };
    });
    const col = <T>(f: (p: (typeof planned)[number], i: number) => T) => planned.map(f);
    const values = [
      col((_, i) => i),
      col((p) => p.n.recipients.orgId),
      col((p) => p.n.recipients.role),
      col((p) => p.n.caseId),
      col((p) => p.n.kind),
      col((p) => p.n.level),
      col((p) => p.notice.title),
      col((p) => p.notice.body),
      col((p) => JSON.stringify(p.link)),
      col((p) => p.n.dedupeBase),
      col((p) => p.deliverAt),
      now,
    ];
    // a named prepared statement on the transaction's connection when there is one (the timer drain)
    const runner = em.queryRunner as any;
    const [row]: {
      in_app: number;
      channels: { idx: number; id: string; channel: OutboundChannel; address: string }[];
    }[] = runner?.databaseConnection
      ? (await runner.databaseConnection.query({ name: 'pf_notify_deadlines', text: NOTIFY_SQL, values })).rows
      : await em.query(NOTIFY_SQL, values);

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
      const inserted = await enqueueOutbox(em, {
        topic: c.channel === 'email' ? EMAIL_TOPIC : WEBHOOK_TOPIC,
        dedupeKey,
        caseId: n.caseId,
        payload: payload as unknown as Record<string, unknown>,
        notBefore,
      });
      if (inserted) outbound++;
    }
    return { inApp: row.in_app, outbound };
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
    const [rows, [counts]] = await Promise.all([
      this.ds.query(
        `SELECT id, kind, level, title, body, case_id, link, created_at, deliver_at, read_at FROM notifications
         WHERE user_id = $1 AND deliver_at <= $2 AND ($3::boolean = false OR read_at IS NULL)
         ORDER BY deliver_at DESC, created_at DESC, id DESC LIMIT $4 OFFSET $5`,
        [principal.userId, now, unreadOnly, pageSize, (page - 1) * pageSize],
      ) as Promise<NotificationRow[]>,
      this.ds.query(
        `SELECT count(*)::int AS all, count(*) FILTER (WHERE read_at IS NULL)::int AS unread
         FROM notifications WHERE user_id = $1 AND deliver_at <= $2`,
        [principal.userId, now],
      ) as Promise<{ all: number; unread: number }[]>,
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
    // TypeORM returns [rows, affected] for UPDATE … RETURNING on PostgreSQL
    const [rows]: [NotificationRow[], number] = await this.ds.query(
      `UPDATE notifications SET read_at = coalesce(read_at, $3) WHERE id = $1 AND user_id = $2 AND deliver_at <= $3
       RETURNING id, kind, level, title, body, case_id, link, created_at, deliver_at, read_at`,
      [id, principal.userId, now],
    );
    if (!rows.length) throw AppError.notFound('通知');
    return toView(rows[0]);
  }

  /** Marks every delivered unread notification of the caller read. */
  async markAllRead(principal: Principal): Promise<{ updated: number }> {
    const now = this.clock.now();
    const [, updated]: [unknown[], number] = await this.ds.query(
      `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL AND deliver_at <= $2`,
      [principal.userId, now],
    );
    return { updated };
  }
}
