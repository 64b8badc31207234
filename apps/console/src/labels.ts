/** What a clerk reads for the API's codes. */
export const ROLE_TITLES: Record<string, string> = {
  admin: '系统管理员',
  supervisor: '督查员',
  clerk: '党务干事',
  orgdept: '组织部',
  system: '系统',
};
export const ORG_TYPE_TITLES: Record<string, string> = {
  provincial_committee: '省级律师行业党委',
  city_committee: '市律师行业党委',
  county_committee: '县（区）司法局党组',
  org_department: '组织部',
  general_branch: '党总支',
  branch: '党支部',
  joint_branch: '联合党支部',
};
export const MEMBER_STATUS_TITLES: Record<string, string> = {
  applicant: '入党申请人',
  activist: '入党积极分子',
  candidate: '发展对象',
  probationary: '预备党员',
  full: '正式党员',
  suspended: '停止党籍',
  removed: '已除名',
  withdrawn: '已退党',
};
export const COVERAGE_TITLES: Record<string, string> = {
  branch: '单独建立党支部',
  joint_branch: '联合党支部',
  instructor: '派驻党建指导员',
  none: '尚未覆盖',
};
export const DEADLINE_KIND_TITLES: Record<string, string> = {
  reminder: '提醒',
  deadline: '到期',
  escalation: '督办',
};
export const CASE_STATUS_TITLES: Record<string, string> = { open: '办理中', closed: '已办结' };
export const SUBJECT_KIND_TITLES: Record<string, string> = { member: '党员', firm: '律师事务所', org: '党组织' };
/** The kinds of organizational-life meeting (三会一课 and 主题党日), as the API names them. */
export const MEETING_KIND_TITLES: Record<string, string> = {
  member_meeting: '党员大会',
  committee: '支委会',
  group: '党小组会',
  lecture: '党课',
  theme_day: '主题党日',
};
