import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ChannelTarget, OutboundChannel } from './notification.types';

/** A subscription as it is shown (the secret itself never leaves the repository through this). */
export interface ChannelRow {
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

/** notification_channels: the e-mail and webhook subscriptions of users and organizations. */
@Injectable()
export class NotificationChannelsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** A subscription with its secret, for the delivery handlers. */
  async findTarget(id: string): Promise<ChannelTarget | null> {
    const [row] = await this.ds.query(
      `SELECT id, channel, address, secret, enabled FROM notification_channels WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }

  /** Who a subscription belongs to (a user, or an organization), undefined when there is none. */
  async ownerOf(id: string): Promise<{ user_id: string | null; org_id: string | null } | undefined> {
    const [row] = await this.ds.query(`SELECT user_id, org_id FROM notification_channels WHERE id = $1`, [id]);
    return row;
  }

  async listOfOrg(orgId: string): Promise<ChannelRow[]> {
    return this.ds.query(`SELECT ${COLUMNS} FROM notification_channels WHERE org_id = $1 ORDER BY created_at, id`, [
      orgId,
    ]);
  }

  /** A user's own subscriptions first, then those of the given organizations (all organizations' when `allOrgs`). */
  async listVisible(userId: string, orgIds: string[], allOrgs: boolean): Promise<ChannelRow[]> {
    return this.ds.query(
      `SELECT ${COLUMNS} FROM notification_channels
       WHERE user_id = $1 OR org_id = ANY($2::uuid[]) OR ($3::boolean AND org_id IS NOT NULL)
       ORDER BY (user_id IS NULL), created_at, id`,
      [userId, orgIds, allOrgs],
    );
  }

  /** Inserts a subscription; undefined when the owner already has this channel and address. */
  async insert(c: {
    userId: string | null;
    orgId: string | null;
    channel: OutboundChannel;
    address: string;
    secret: string | null;
    enabled: boolean;
  }): Promise<ChannelRow | undefined> {
    const rows: ChannelRow[] = await this.ds.query(
      `INSERT INTO notification_channels (user_id, org_id, channel, address, secret, enabled)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (coalesce(user_id, org_id), channel, address) DO NOTHING
       RETURNING ${COLUMNS}`,
      [c.userId, c.orgId, c.channel, c.address, c.secret, c.enabled],
    );
    return rows[0];
  }

  async delete(id: string): Promise<void> {
    await this.ds.query(`DELETE FROM notification_channels WHERE id = $1`, [id]);
  }
}
