import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const MEMBER_STATUSES = [
  'applicant',
  'activist',
  'candidate',
  'probationary',
  'full',
  'suspended',
  'removed',
  'withdrawn',
] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** How a clerk names each status. */
export const MEMBER_STATUS_TITLES: Record<MemberStatus, string> = {
  applicant: '入党申请人',
  activist: '入党积极分子',
  candidate: '发展对象',
  probationary: '预备党员',
  full: '正式党员',
  suspended: '停止党籍',
  removed: '已除名',
  withdrawn: '已退党',
};

@Entity('members')
export class MemberEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text', { nullable: true }) gender: string | null;
  @Column('text', { name: 'id_number' }) idNumber: string;
  @Column('date', { name: 'birth_date' }) birthDate: string;
  @Column('text', { name: 'license_no', nullable: true }) licenseNo: string | null;
  @Column('uuid', { name: 'firm_id', nullable: true }) firmId: string | null;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('text') status: MemberStatus;
  @Column('date', { name: 'joined_on', nullable: true }) joinedOn: string | null;
  @Column('boolean', { name: 'pending_verification' }) pendingVerification: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
