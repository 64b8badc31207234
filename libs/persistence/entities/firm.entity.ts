import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type FirmCoverage = 'branch' | 'joint_branch' | 'instructor' | 'none';

@Entity('firms')
export class FirmEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') kind: 'firm' | 'branch_office';
  @Column('uuid', { name: 'head_firm_id', nullable: true }) headFirmId: string | null;
  @Column('text') county: string;
  @Column('text', { name: 'region_code' }) regionCode: string;
  @Column('text', { name: 'director_name' }) directorName: string;
  @Column('uuid', { name: 'director_member_id', nullable: true }) directorMemberId: string | null;
  @Column('uuid', { name: 'party_org_id', nullable: true }) partyOrgId: string | null;
  @Column('uuid', { name: 'instructor_id', nullable: true }) instructorId: string | null;
  @Column('text') coverage: FirmCoverage;
  @Column('text') status: 'pending' | 'active' | 'closed';
  @Column('date', { name: 'established_on', nullable: true }) establishedOn: string | null;
  @Column('timestamptz', { name: 'uncovered_since', nullable: true }) uncoveredSince: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
