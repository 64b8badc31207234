import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { literalTargetProblem, parseCidrs } from '../common/outbound-http';
import { isAdmin, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import type { CreateNotificationChannelDto } from './dto';
import type { ChannelLookup, ChannelTarget, OutboundChannel } from './notification.types';

export interface ChannelView {
  id: string;
  channel: OutboundChannel;
  address: string;
  /** Whether a webhook secret is set (the secret itself is never returned). */
  hasSecret: boolean;
  enabled: boolean;
  userId: string | null;
  orgId: string | null;
  createdAt: string;
}

interface ChannelRow {
  id: string;
  channel: OutboundChannel;
  address: string;
  has_secret: boolean;
  enabled: boolean;
  user_id: string | null;
  org_id: string | null;
  created_at: Date;
}

const COLUMNS = `id, channel, address, secret IS NOT NULL AS has_secret, enabled, user_id, org_id, created_at`;

const toView = (r: ChannelRow): ChannelView => ({
  id: r.id,
  channel: r.channel,
  address: r.address,
  hasSecret: r.has_secret,
  enabled: r.enabled,
  userId: r.user_id,
  orgId: r.org_id,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Orgs whose channels the principal manages: where they are a clerk (admins: all). */
const clerkOrgIds = (p: Principal) => [...new Set(p.roles.filter((r) => r.role === 'clerk').map((r) => r.orgId))];
export const canManageOrgChannels = (p: Principal, orgId: string) => isAdmin(p) || clerkOrgIds(p).includes(orgId);

/** Reads a channel subscription for the delivery handlers (secret included). */
export function channelLookup(ds: DataSource): ChannelLookup {
  return async (id: string): Promise<ChannelTarget | null> => {
    if (!isUuid(id)) return null;
    const [row] = await ds.query(
      `SELECT id, channel, address, secret, enabled FROM notification_channels WHERE id = $1`,
      [id],
    );
    return row ?? null;
  };
}

/**
 * E-mail and webhook subscriptions. A user manages their own; an organization's are managed by a clerk of
 * exactly that organization or by an admin. Someone else's subscription is "not found" (404), never 403.
 */
@Injectable()
export class NotificationChannelsService {
  constructor(
    private readonly ds: DataSource,
    private readonly config: AppConfig,
  ) {}

  async list(p: Principal, q: { orgId?: string } = {}): Promise<ChannelView[]> {
    if (q.orgId) {
      if (!canManageOrgChannels(p, q.orgId))
        throw AppError.forbidden('只有该党组织的党务干事或管理员可以管理其通知渠道');
      const rows: ChannelRow[] = await this.ds.query(
        `SELECT ${COLUMNS} FROM notification_channels WHERE org_id = $1 ORDER BY created_at, id`,
        [q.orgId],
      );
      return rows.map(toView);
    }
    const rows: ChannelRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM notification_channels
       WHERE user_id = $1 OR org_id = ANY($2::uuid[]) OR ($3::boolean AND org_id IS NOT NULL)
       ORDER BY (user_id IS NULL), created_at, id`,
      [p.userId, clerkOrgIds(p), isAdmin(p)],
    );
    return rows.map(toView);
  }

  async create(p: Principal, dto: CreateNotificationChannelDto): Promise<ChannelView> {
    if (dto.channel === 'webhook') {
      // literal internal targets are refused here; names are checked again on the address actually used
      const problem = literalTargetProblem(dto.address.trim(), parseCidrs(this.config.WEBHOOK_ALLOW_CIDRS));
      if (problem)
        throw AppError.validation([{ field: 'address', errors: [problem] }], `webhook 地址不可用：${problem}`);
    }
    if (dto.orgId) {
      if (!canManageOrgChannels(p, dto.orgId))
        throw AppError.forbidden('只有该党组织的党务干事或管理员可以为其订阅通知渠道');
      const [org] = await this.ds.query(`SELECT id FROM orgs WHERE id = $1`, [dto.orgId]);
      if (!org) throw AppError.notFound('党组织');
    }
    const rows: ChannelRow[] = await this.ds.query(
      `INSERT INTO notification_channels (user_id, org_id, channel, address, secret, enabled)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (coalesce(user_id, org_id), channel, address) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        dto.orgId ? null : p.userId,
        dto.orgId ?? null,
        dto.channel,
        dto.address.trim(),
        dto.secret ?? null,
        dto.enabled ?? true,
      ],
    );
    if (!rows.length)
      throw new AppError(409, 'DUPLICATE', '该通知渠道已订阅', { channel: dto.channel, address: dto.address });
    return toView(rows[0]);
  }

  async remove(p: Principal, id: string): Promise<{ deleted: true; id: string }> {
    if (!isUuid(id)) throw AppError.notFound('通知渠道');
    const [row]: { user_id: string | null; org_id: string | null }[] = await this.ds.query(
      `SELECT user_id, org_id FROM notification_channels WHERE id = $1`,
      [id],
    );
    const mine = row && (row.user_id === p.userId || (row.org_id !== null && canManageOrgChannels(p, row.org_id)));
    if (!mine) throw AppError.notFound('通知渠道');
    await this.ds.query(`DELETE FROM notification_channels WHERE id = $1`, [id]);
    return { deleted: true, id };
  }
}
