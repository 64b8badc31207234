import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type TimerKind = 'reminder' | 'deadline' | 'escalation';

@Entity('timers')
export class TimerEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'case_id' }) caseId: string;
  @Column('int') epoch: number;
  @Column('text', { name: 'state_path' }) statePath: string;
  @Column('text', { name: 'deadline_key' }) deadlineKey: string;
  @Column('text') kind: TimerKind;
  @Column('int') level: number;
  @Column('timestamptz', { name: 'due_at' }) dueAt: Date;
  @Column('text', { name: 'fire_event', nullable: true }) fireEvent: string | null;
  @Column('text', { nullable: true }) party: string | null;
  @Column('boolean') provisional: boolean;
  @Column('text') rule: string;
  @Column('text') title: string;
  @Column('text') status: 'pending' | 'fired' | 'cancelled';
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'fired_at', nullable: true }) firedAt: Date | null;
}
