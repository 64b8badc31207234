import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type TimerKind = 'reminder' | 'deadline' | 'escalation';

/** One stage of a deadline's schedule. Level: 0 for reminders and the deadline, 1–2 for escalations. */
export interface TimerStage {
  kind: TimerKind;
  level: number;
  at: string;
}

/** A deadline of one state visit with its whole schedule; `next_stage` walks `stages` in order. */
@Entity('timers')
export class TimerEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'case_id' }) caseId: string;
  @Column('int') epoch: number;
  @Column('text', { name: 'state_path' }) statePath: string;
  @Column('text', { name: 'deadline_key' }) deadlineKey: string;
  @Column('timestamptz', { name: 'due_at' }) dueAt: Date;
  @Column('text', { name: 'fire_event', nullable: true }) fireEvent: string | null;
  @Column('text', { nullable: true }) party: string | null;
  @Column('boolean') provisional: boolean;
  @Column('text') rule: string;
  @Column('text') title: string;
  @Column('jsonb') stages: TimerStage[];
  @Column('int', { name: 'next_stage' }) nextStage: number;
  @Column('timestamptz', { name: 'next_at', nullable: true }) nextAt: Date | null;
  @Column('text') status: 'pending' | 'fired' | 'cancelled';
  @Column('text') ident: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'fired_at', nullable: true }) firedAt: Date | null;
}
