import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export interface HistoryActor {
  userId: string | null;
  username: string;
  role: string | null;
  orgId: string | null;
}

/** Append-only (database triggers refuse UPDATE/DELETE/TRUNCATE); each row chains the previous row's hash. */
@Entity('case_history')
export class CaseHistoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column('uuid', { name: 'case_id' }) caseId: string;
  @Column('int') seq: number;
  @Column('timestamptz') at: Date;
  @Column('jsonb') actor: HistoryActor;
  @Column('text') type: string;
  @Column('jsonb', { nullable: true }) data: unknown;
  @Column('text', { nullable: true }) comment: string | null;
  @Column('jsonb', { name: 'from_state', nullable: true }) fromState: unknown;
  @Column('jsonb', { name: 'to_state' }) toState: unknown;
  @Column('text', { name: 'prev_hash' }) prevHash: string;
  @Column('text') hash: string;
}
