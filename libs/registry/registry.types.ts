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

/**
 * Which kinds of organization may be created under which (the tree the procedures assume): committees
 * only under the level above them, branches under committees or a general branch, nothing under a
 * branch, a joint branch or the organization department. A provincial committee is the root and is
 * never created through the API.
 */
export const CHILD_ORG_TYPES: Record<OrgType, readonly OrgType[]> = {
  provincial_committee: ['city_committee', 'org_department', 'general_branch', 'branch', 'joint_branch'],
  city_committee: ['county_committee', 'org_department', 'general_branch', 'branch', 'joint_branch'],
  county_committee: ['general_branch', 'branch', 'joint_branch'],
  org_department: [],
  general_branch: ['branch'],
  branch: [],
  joint_branch: [],
};

/** Kinds of organization of which a region has at most one (the database enforces it too). */
export const ONE_PER_REGION_TYPES: readonly OrgType[] = [
  'provincial_committee',
  'city_committee',
  'county_committee',
  'org_department',
];

/**
 * Does region code `child` lie within `parent`'s region? A province `360000` covers `36xxxx`, a city
 * `360700` covers `3607xx`, a county `360702` only itself.
 */
export function regionWithin(parent: string, child: string): boolean {
  const stem = parent.replace(/(00)+$/, '');
  return child.startsWith(stem);
}

/** Why an organization of `type` and region cannot be created under `parent` (Chinese), or null. */
export function childOrgProblem(
  parent: { type: string; regionCode: string },
  child: { type: string; regionCode: string },
): string | null {
  const allowed = CHILD_ORG_TYPES[parent.type as OrgType] ?? [];
  if (!allowed.includes(child.type as OrgType))
    return `该类上级组织下不能设立此类组织（${parent.type} → ${child.type}）`;
  if (!regionWithin(parent.regionCode, child.regionCode)) return '行政区划代码不在上级组织的区域内';
  if (child.type === 'city_committee' && !/^\d{4}00$/.test(child.regionCode))
    return '市级党委的行政区划代码应为市级代码（后两位为 00）';
  if (child.type === 'county_committee' && /00$/.test(child.regionCode)) return '县级党委的行政区划代码应为县级代码';
  return null;
}
