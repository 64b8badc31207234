import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { literalTargetProblem, parseCidrs } from '../common/outbound-http';
import { isAdmin, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import type { CreateNotificationChannelDto } from './dto';
import type { ChannelLookup, OutboundChannel } from './notification.types';
import { ChannelRow, NotificationChannelsRepository } from './notification-channels.repository';
import { OrganizationsRepository } from '../registry/organizations.repository';

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
export function channelLookup(channels: NotificationChannelsRepository): ChannelLookup {
  return async (id: string) => (isUuid(id) ? channels.findTarget(id) : null);
}

/**
 * E-mail and webhook subscriptions. A user manages their own; an organization's are managed by a clerk of
 * exactly that organization or by an admin. Someone else's subscription is "not found" (404), never 403.
 */
@Injectable()
export class NotificationChannelsService {
  constructor(
    private readonly channels: NotificationChannelsRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly config: AppConfig,
  ) {}

  async list(p: Principal, q: { orgId?: string } = {}): Promise<ChannelView[]> {
    if (q.orgId) {
      if (!canManageOrgChannels(p, q.orgId))
        throw AppError.forbidden('只有该党组织的党务干事或管理员可以管理其通知渠道');
      return (await this.channels.listOfOrg(q.orgId)).map(toView);
    }
    return (await this.channels.listVisible(p.userId, clerkOrgIds(p), isAdmin(p))).map(toView);
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
      if (!(await this.orgs.exists(dto.orgId))) throw AppError.notFound('党组织');
    }
    const row = await this.channels.insert({
      userId: dto.orgId ? null : p.userId,
      orgId: dto.orgId ?? null,
      channel: dto.channel,
      address: dto.address.trim(),
      secret: dto.secret ?? null,
      enabled: dto.enabled ?? true,
    });
    if (!row) throw new AppError(409, 'DUPLICATE', '该通知渠道已订阅', { channel: dto.channel, address: dto.address });
    return toView(row);
  }

  async remove(p: Principal, id: string): Promise<{ deleted: true; id: string }> {
    if (!isUuid(id)) throw AppError.notFound('通知渠道');
    const row = await this.channels.ownerOf(id);
    const mine = row && (row.user_id === p.userId || (row.org_id !== null && canManageOrgChannels(p, row.org_id)));
    if (!mine) throw AppError.notFound('通知渠道');
    await this.channels.delete(id);
    return { deleted: true, id };
  }
}
