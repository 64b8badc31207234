import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { runPrepared } from '../persistence/prepared';
import type { NotificationKind, OutboundChannel } from './notification.types';

/** A notifications row as the views read it. */
export interface NotificationRow {
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

/** One deadline notice of a batch, as the fan-out statement takes it (index = position in the batch). */
export interface NoticeToFanOut {
  orgId: string;
  role: 'clerk' | 'orgdept' | 'supervisor';
  caseId: string | null;
  kind: NotificationKind;
  level: number;
  title: string;
  body: string;
  link: Record<string, unknown>;
  dedupeBase: string;
  deliverAt: Date;
}

/** An enabled e-mail/webhook subscription reached by notice `idx` of a batch. */
export interface FannedOutChannel {
  idx: number;
  id: string;
  channel: OutboundChannel;
  address: string;
}

const ROW_COLUMNS = `id, kind, level, title, body, case_id, link, created_at, deliver_at, read_at`;

/**
 * A batch of deadline notices in one statement (a timer storm delivers hundreds per transaction): each
 * notice's recipients (clerks or the organization department at the org, or supervisors at or above it), their in-app rows (dedupe keys make
 * a retry a no-op), and the enabled e-mail/webhook subscriptions of those users and orgs, per notice index.
 */
const NOTIFY_SQL = `
  WITH n AS (
    SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[], $9::jsonb[], $10::text[], $11::timestamptz[])
      AS n(idx, org_id, role, case_id, kind, level, title, body, link, dedupe_base, deliver_at)),
  target AS (SELECT n.idx, n.role, o.id, o.path FROM n JOIN orgs o ON o.id = n.org_id),
  assignments AS (
    SELECT t.idx, t.role, ra.user_id, ra.org_id FROM target t JOIN role_assignments ra ON ra.role = t.role
      AND ((t.role IN ('clerk', 'orgdept') AND ra.org_id = t.id) OR (t.role = 'supervisor' AND t.path LIKE '%/' || ra.org_id::text || '/%'))),
  recipients AS (SELECT DISTINCT idx, user_id FROM assignments),
  channel_orgs AS (
    SELECT idx, id AS org_id FROM target WHERE role <> 'supervisor'
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

/** notifications: the in-app notices of each user, and the deadline fan-out that writes them. */
@Injectable()
export class NotificationsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Writes the in-app rows of a batch of notices (one per recipient, a duplicate dedupe key skipped) and
   * returns how many were new, with the subscribed outbound channels of each notice — in the caller's
   * transaction, as a named prepared statement on its connection (the timer drain runs it per batch).
   */
  async fanOutDeadlines(
    em: EntityManager,
    notices: NoticeToFanOut[],
    createdAt: Date,
  ): Promise<{ inApp: number; channels: FannedOutChannel[] }> {
    const col = <T>(f: (n: NoticeToFanOut) => T) => notices.map(f);
    const values = [
      notices.map((_, i) => i),
      col((n) => n.orgId),
      col((n) => n.role),
      col((n) => n.caseId),
      col((n) => n.kind),
      col((n) => n.level),
      col((n) => n.title),
      col((n) => n.body),
      col((n) => JSON.stringify(n.link)),
      col((n) => n.dedupeBase),
      col((n) => n.deliverAt),
      createdAt,
    ];
    const [row] = await runPrepared<{ in_app: number; channels: FannedOutChannel[] }>(
      this.ds,
      em,
      'pf_notify_deadlines',
      NOTIFY_SQL,
      values,
    );
    return { inApp: row.in_app, channels: row.channels };
  }

  /** A user's notifications delivered by `now` (optionally only unread), newest first. */
  async listDelivered(
    userId: string,
    now: Date,
    q: { unreadOnly: boolean; limit: number; offset: number },
  ): Promise<NotificationRow[]> {
    return this.ds.query(
      `SELECT ${ROW_COLUMNS} FROM notifications
       WHERE user_id = $1 AND deliver_at <= $2 AND ($3::boolean = false OR read_at IS NULL)
       ORDER BY deliver_at DESC, created_at DESC, id DESC LIMIT $4 OFFSET $5`,
      [userId, now, q.unreadOnly, q.limit, q.offset],
    );
  }

  /** How many of a user's notifications are delivered by `now`, and how many of those unread. */
  async countDelivered(userId: string, now: Date): Promise<{ all: number; unread: number }> {
    const [counts] = await this.ds.query(
      `SELECT count(*)::int AS all, count(*) FILTER (WHERE read_at IS NULL)::int AS unread
       FROM notifications WHERE user_id = $1 AND deliver_at <= $2`,
      [userId, now],
    );
    return counts;
  }

  /** Marks one delivered notification of the user read (the first read time stays); undefined if none. */
  async markRead(id: string, userId: string, now: Date): Promise<NotificationRow | undefined> {
    // TypeORM returns [rows, affected] for UPDATE … RETURNING on PostgreSQL
    const [rows]: [NotificationRow[], number] = await this.ds.query(
      `UPDATE notifications SET read_at = coalesce(read_at, $3) WHERE id = $1 AND user_id = $2 AND deliver_at <= $3
       RETURNING ${ROW_COLUMNS}`,
      [id, userId, now],
    );
    return rows[0];
  }

  /** Marks every delivered unread notification of the user read; returns how many. */
  async markAllRead(userId: string, now: Date): Promise<number> {
    const [, updated]: [unknown[], number] = await this.ds.query(
      `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL AND deliver_at <= $2`,
      [userId, now],
    );
    return updated;
  }
}
