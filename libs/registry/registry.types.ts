/** Kinds of party organization in the tree (provincial committee at the root). */
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

/** How a firm is reached by party organization: own branch, joint branch, instructor, or not at all. */
export type FirmCoverage = 'branch' | 'joint_branch' | 'instructor' | 'none';
