/**
 * Chinese labels of the procedures' form fields and enum values, used when the event's JSON Schema
 * carries no `title` of its own (a schema title always wins).
 */
export const FIELD_LABELS: Record<string, string> = {
  charterPartyClauses: '律所章程已载明党建工作内容',
  decidedOn: '决定日期',
  decisionNo: '处分决定文号',
  flagIds: '不活跃提示记录',
  grade: '考核等次',
  measures: '晋位升级措施',
  reporterId: '述职人',
  targetGrade: '目标等次',
  toOrgId: '接收党组织',
  fromOrgId: '转出党组织',
  licensingRef: '执业（转所）申请编号',
  trigger: '发起原因',
  external: '外省（外系统）介绍信',
  senderName: '开具介绍信的党组织',
  letterNo: '介绍信编号',
  validUntil: '有效期至',
  approvedAt: '核准时间',
  reason: '理由',
  reportedOn: '报到日期',
  appliedOn: '申请日期',
  birthDate: '出生日期',
  branchComment: '支部意见',
  by: '经办人',
  campaignId: '考核批次',
  comment: '意见',
  committeeIds: '支委会成员',
  conclusion: '政审结论',
  confirmedOn: '确认日期',
  corrected: '是否已改正',
  correctionMonths: '限期改正（月）',
  days: '天数',
  defense: '本人申辩',
  defenseWaived: '本人放弃申辩',
  directorIsMember: '事务所主任是党员',
  directorMemberId: '事务所主任（党员）',
  documents: '材料',
  electedOn: '选举日期',
  eligibleVoters: '应到有表决权党员数',
  establishedOn: '成立日期',
  extendMonths: '延长预备期（月）',
  findings: '调查结论',
  from: '起始',
  fullMembers: '正式党员人数',
  grounds: '依据',
  headFirmOrgId: '总所党组织',
  heldOn: '召开日期',
  hours: '学时',
  instructorId: '党建指导员',
  jointBranchId: '联合党支部',
  justification: '说明',
  liaisonMemberId: '联络员（党员）',
  lostContactSince: '失联起始日期',
  measure: '处置方式',
  memberIds: '党员',
  memberNotifiedOn: '告知本人日期',
  method: '推荐方式',
  on: '日期',
  outcome: '转正结论',
  present: '实到人数',
  probationaryMembers: '预备党员人数',
  proposedSecretaryId: '拟任书记',
  ratings: '评定等次',
  score: '得分',
  secretaryId: '书记',
  summary: '情况摘要',
  talkedOn: '谈话日期',
  talkerIds: '谈话人',
  to: '截止',
  votesFor: '赞成票数',
  windowEnd: '统计截止月份',
  windowStart: '统计起始月份',
  year: '年度',
  years: '留党察看期限',
};

/**
 * Where one field name means different things in different procedures or events, the label of that use:
 * `<workflow>.<field>` or `<workflow>.<EVENT>.<field>` (`OPEN` for the opening input). The workflow's schemas
 * get these as titles when the console loads them (`withFieldTitles`), so its forms and its history agree.
 */
export const CONTEXT_FIELD_LABELS: Record<string, string> = {
  'annual-review.summary': '述职摘要',
  'recruitment.RECORD_ASSESSMENT.summary': '考察情况',
  'grade-upgrade.RECORD_PROGRESS.summary': '整改进展',
  'grade-upgrade.ACCEPT_RECTIFICATION.summary': '验收意见',
  'nonconforming.APPEAL.grounds': '申诉理由',
};

type Schema = { properties?: Record<string, { title?: string }> };

/** A copy of an event's (or the opening's) JSON Schema whose fields carry the labels of that use as titles. */
export function withFieldTitles<S extends Schema | undefined>(schema: S, workflow: string, event: string): S {
  if (!schema?.properties) return schema;
  const properties = Object.fromEntries(
    Object.entries(schema.properties).map(([name, p]) => {
      const title = CONTEXT_FIELD_LABELS[`${workflow}.${event}.${name}`] ?? CONTEXT_FIELD_LABELS[`${workflow}.${name}`];
      return [name, title && !p.title ? { ...p, title } : p];
    }),
  );
  return { ...schema, properties };
}

/** 年度考核定级 (the annual review's grades), as the statistics page words them too. */
export const GRADE_LABELS: Record<string, string> = { I: '先进（一类）', II: '一般（二类）', III: '后进（三类）' };

export const ENUM_LABELS: Record<string, Record<string, string>> = {
  trigger: {
    manual: '手工发起',
    practice: '执业申请',
    firm_transfer: '转所',
    practice_cancelled: '注销执业',
    branch: '支部提出',
    annual_rating: '年度评议不合格',
    pocket_member: '口袋党员',
    discipline: '受到处分',
    inactivity: '长期不参加组织生活',
    firm_establishment_applied: '律师事务所设立申请',
    firm_established: '律师事务所成立',
    branch_office_established: '分所成立',
  },
  measure: { correction: '限期改正', persuasion: '劝其退党', removal: '除名' },
  method: { member_recommendation: '党员推荐', league_recommendation: '团组织推优' },
  conclusion: { qualified: '合格', unqualified: '不合格' },
  outcome: { convert: '按期转正', extend: '延长预备期', cancel: '取消预备党员资格' },
  rating: { excellent: '优秀', qualified: '合格', basically_qualified: '基本合格', unqualified: '不合格' },
  grade: GRADE_LABELS,
  targetGrade: GRADE_LABELS,
  grounds: { org_life: '连续6个月不参加组织生活', dues: '连续6个月不交纳党费' },
  years: { 1: '一年', 2: '二年' },
};

/** The Chinese label of a field's enum value (by the field, else any field's same value), else the value itself. */
export const enumLabel = (name: string, v: string) =>
  ENUM_LABELS[name]?.[v] ?? Object.values(ENUM_LABELS).find((m) => m[v])?.[v] ?? v;

/**
 * A recorded field value as a clerk reads it: 是/否 for yes-no, the Chinese label of a coded value. A number is
 * labelled by its own field only (留党察看 `years: 1` is 一年; a score of 1 is not).
 */
export function fieldValueText(name: string, v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (typeof v === 'string') return enumLabel(name, v);
  return ENUM_LABELS[name]?.[String(v)] ?? String(v);
}

/** What kind of picker a field needs, by its schema and name (ids are pickers, never UUID boxes). */
export function pickerOf(name: string, schema: any): 'org' | 'member' | 'firm' | 'date' | 'datetime' | null {
  const itemFormat = schema?.items?.format;
  const format = schema?.format ?? itemFormat;
  if (format === 'date') return 'date';
  if (format === 'date-time') return 'datetime';
  if (/(OrgId|BranchId|OrgIds)$/.test(name) || /^(toOrgId|fromOrgId|jointBranchId|headFirmOrgId)$/.test(name))
    return 'org';
  if (/FirmId$/.test(name)) return 'firm';
  if (/(MemberId|MemberIds|memberIds|SecretaryId|secretaryId|instructorId|committeeIds)$/.test(name)) return 'member';
  if (format === 'uuid') return 'member';
  return null;
}
