import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { OutboundChannel } from '../notification.types';

/** An outbound channel subscription of a user or of an organization (exactly one of the two). */
@Entity('notification_channels')
export class NotificationChannelEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'user_id', nullable: true }) userId: string | null;
  @Column('uuid', { name: 'org_id', nullable: true }) orgId: string | null;
  @Column('text') channel: OutboundChannel;
  /** E-mail address or webhook URL. */
  @Column('text') address: string;
  /** HMAC-SHA256 key of a webhook (never returned by the API). */
  @Column('text', { nullable: true, select: false }) secret: string | null;
  @Column('boolean') enabled: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
