import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { NotificationKind } from '../templates';

/** An in-app notification of one user (in-app is always on). Not shown before `deliverAt`. */
@Entity('notifications')
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'user_id' }) userId: string;
  @Column('uuid', { name: 'case_id', nullable: true }) caseId: string | null;
  @Column('text') kind: NotificationKind;
  @Column('int') level: number;
  @Column('text') title: string;
  @Column('text') body: string;
  @Column('jsonb', { nullable: true }) link: Record<string, unknown> | null;
  /** `<dedupeBase>:<userId>:in_app` — one row per stage and recipient, whatever retries happen. */
  @Column('text', { name: 'dedupe_key', unique: true }) dedupeKey: string;
  @Column('timestamptz', { name: 'deliver_at' }) deliverAt: Date;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'read_at', nullable: true }) readAt: Date | null;
}
