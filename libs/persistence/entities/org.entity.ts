import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type OrgType =
  | 'provincial_committee'
  | 'city_committee'
  | 'county_committee'
  | 'org_department'
  | 'general_branch'
  | 'branch'
  | 'joint_branch';

/** Committees that act as the "upper committee" of organizations below them. */
export const UPPER_COMMITTEE_TYPES: OrgType[] = ['city_committee', 'provincial_committee'];

@Entity('orgs')
export class OrgEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') type: OrgType;
  @Column('uuid', { name: 'parent_id', nullable: true }) parentId: string | null;
  @Column('text') path: string;
  @Column('text', { name: 'region_code' }) regionCode: string;
  @Column('text', { nullable: true }) county: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
