import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Messages to the outside world, written in the transition's transaction and delivered after commit. */
@Entity('outbox')
export class OutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column('text') topic: string;
  @Column('text', { name: 'dedupe_key', nullable: true }) dedupeKey: string | null;
  @Column('uuid', { name: 'case_id', nullable: true }) caseId: string | null;
  @Column('jsonb') payload: Record<string, unknown>;
  @Column('text') status: 'pending' | 'delivered' | 'dead';
  @Column('int') attempts: number;
  @Column('timestamptz', { name: 'next_attempt_at' }) nextAttemptAt: Date;
  @Column('text', { name: 'last_error', nullable: true }) lastError: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'delivered_at', nullable: true }) deliveredAt: Date | null;
}
