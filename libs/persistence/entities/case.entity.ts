import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A running or finished workflow instance. `version` is bumped by the engine under a row lock. */
@Entity('cases')
export class CaseEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') workflow: string;
  @Column('int', { name: 'definition_version' }) definitionVersion: number;
  @Column('text', { name: 'policy_version' }) policyVersion: string;
  @Column('jsonb') state: unknown;
  @Column('text', { name: 'state_paths', array: true }) statePaths: string[];
  @Column('jsonb') snapshot: { value: unknown; context: Record<string, any>; status: string };
  @Column('text') status: 'open' | 'closed';
  @Column('int') version: number;
  @Column('text', { name: 'head_hash' }) headHash: string;
  @Column('jsonb') entered: Record<string, { at: string; version: number }>;
  @Column('jsonb') subject: { memberId?: string; firmId?: string; orgId?: string };
  @Column('uuid', { name: 'subject_member_id', nullable: true }) subjectMemberId: string | null;
  @Column('uuid', { name: 'subject_firm_id', nullable: true }) subjectFirmId: string | null;
  @Column('uuid', { name: 'subject_org_id', nullable: true }) subjectOrgId: string | null;
  @Column('jsonb') parties: Record<string, string>;
  @Column('uuid', { name: 'scope_org_ids', array: true }) scopeOrgIds: string[];
  @Column('jsonb', { name: 'opened_by' }) openedBy: Record<string, unknown>;
  @Column('timestamptz', { name: 'opened_at' }) openedAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
  @Column('timestamptz', { name: 'closed_at', nullable: true }) closedAt: Date | null;
}
