/**
 * Response shapes of the HTTP API, for the OpenAPI document and the generated client. They describe what
 * the services return (the services build plain objects); apps/openapi.spec.ts and the contract suite
 * (test/contract-client.e2e-spec.ts) fail when the two drift apart.
 */
import { COUNT_CAP } from '../../../libs/common/keyset';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { MEMBER_STATUSES } from '../../../libs/registry/registry.types';
import { ORG_TYPES } from '../../../libs/registry/dto';

/** Free-form JSON object (subjects, contexts, event data: their shape depends on the workflow). */
const OBJECT = { type: 'object', additionalProperties: true } as const;
const UUID = { type: 'string', format: 'uuid' } as const;
const DATE_TIME = { type: 'string', format: 'date-time' } as const;

export class ErrorBody {
  @ApiProperty({ example: 422, description: 'HTTP 状态码' }) statusCode: number;
  @ApiProperty({ example: 'EVENT_NOT_ALLOWED', description: '稳定的错误代码（UPPER_SNAKE）' }) code: string;
  @ApiProperty({ example: '当前环节不能执行此操作', description: '中文说明' }) message: string;
  @ApiPropertyOptional({
    description: '详情：校验失败时为 [{ field, errors }]，规则拒绝时为规则信息',
    oneOf: [{ type: 'array', items: OBJECT }, OBJECT],
  })
  details?: unknown;
}

// ---------------------------------------------------------------------------------------------- registry

export class OrgView {
  @ApiProperty(UUID) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ORG_TYPES }) type: string;
  @ApiProperty({ ...UUID, nullable: true }) parentId: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: '360702' }) regionCode: string | null;
  @ApiProperty({ type: 'string', nullable: true }) county: string | null;
}

export class OrgTreeNode extends OrgView {
  @ApiProperty({ type: () => [OrgTreeNode] }) children: OrgTreeNode[];
}

export class MemberCounts {
  @ApiProperty() full: number;
  @ApiProperty() probationary: number;
  @ApiProperty() total: number;
}

export class OrgDetail extends OrgView {
  @ApiProperty({ type: MemberCounts }) memberCounts: MemberCounts;
}

const COVERAGE = ['branch', 'joint_branch', 'instructor', 'none'];

export class FirmView {
  @ApiProperty(UUID) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['firm', 'branch_office'] }) kind: string;
  @ApiProperty({ ...UUID, nullable: true }) headFirmId: string | null;
  @ApiProperty() county: string;
  @ApiProperty({ example: '360702' }) regionCode: string;
  @ApiProperty() directorName: string;
  @ApiProperty({ ...UUID, nullable: true }) directorMemberId: string | null;
  @ApiProperty({ ...UUID, nullable: true }) partyOrgId: string | null;
  @ApiProperty({ ...UUID, nullable: true }) instructorId: string | null;
  @ApiProperty({ enum: COVERAGE }) coverage: string;
  @ApiProperty({ example: 'active' }) status: string;
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) establishedOn: string | null;
  @ApiProperty({ ...DATE_TIME, nullable: true }) uncoveredSince: string | null;
}

export class MemberView {
  @ApiProperty(UUID) id: string;
  @ApiProperty() name: string;
  // null is listed among the values: a validator of the document checks `enum` before `nullable`
  @ApiProperty({
    type: 'string',
    enum: ['male', 'female', null],
    nullable: true,
    description: '性别（非管理员为 null）',
  })
  gender: string | null;
  @ApiProperty({ description: '身份证号（非管理员为脱敏值：隐去出生日期与性别位，如 3607**********12*4）' })
  idNumber: string;
  @ApiProperty({ type: 'string', format: 'date', nullable: true, description: '出生日期（非管理员为 null）' })
  birthDate: string | null;
  @ApiProperty({ type: 'string', nullable: true }) licenseNo: string | null;
  @ApiProperty({ ...UUID, nullable: true }) firmId: string | null;
  @ApiProperty(UUID) orgId: string;
  @ApiProperty({ enum: MEMBER_STATUSES }) status: string;
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) joinedOn: string | null;
  @ApiProperty({ description: '由执业系统登记、尚待核实' }) pendingVerification: boolean;
  @ApiPropertyOptional({
    ...UUID,
    nullable: true,
    description: '仅管理员可见：本登记与该党员的身份证号或执业证号重复（登记人管辖范围外已有登记），待核实合并',
  })
  duplicateOf?: string | null;
}

/** A party discipline in force on a member (only 留党察看 is kept: it takes rights away for a time). */
export class PartyDisciplineView {
  @ApiProperty({ enum: ['party_probation'] }) kind: string;
  @ApiProperty({ description: '处分名称，如“留党察看”' }) title: string;
  @ApiProperty({ type: 'string', format: 'date', description: '处分决定（批准）日期，自该日起执行' }) from: string;
  @ApiProperty({ type: 'string', format: 'date', description: '察看期届满日（自该日起不再处于留党察看期）' })
  until: string;
  @ApiProperty({ ...UUID, nullable: true, description: '作出该处分记录的案件' }) caseId: string | null;
}

export class MemberDetailView extends MemberView {
  @ApiProperty({
    type: PartyDisciplineView,
    nullable: true,
    description: '正在执行的党纪处分（留党察看）；无则为 null',
  })
  partyDiscipline: PartyDisciplineView | null;
}

export class MemberPage {
  @ApiProperty({ type: [MemberView] }) items: MemberView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

// --------------------------------------------------------------------------------------------- workflows

/** Where a deadline counts from: entry into the state, or the date at `path` in the case context. */
export class DeadlineAnchorView {
  @ApiProperty({ enum: ['entry', 'context'], description: 'entry：进入本环节时；context：上下文中 path 所指的日期' })
  kind: string;
  @ApiPropertyOptional() path?: string;
}

export class DeadlineSpecView {
  @ApiProperty() key: string;
  @ApiProperty() title: string;
  @ApiProperty() amount: number;
  @ApiProperty({ enum: ['wd', 'd', 'm'], description: 'wd 工作日，d 自然日，m 月' }) unit: string;
  @ApiProperty({ type: DeadlineAnchorView }) anchor: DeadlineAnchorView;
  @ApiProperty({ type: 'string', nullable: true, description: '到期时引擎发送的事件' }) fireEvent: string | null;
}

export class WorkflowStateView {
  @ApiProperty({ example: 'release_review' }) name: string;
  @ApiProperty({ example: '转出审核' }) title: string;
  @ApiProperty({ type: 'array', items: OBJECT, description: '本环节的办理人规则' }) actors: object[];
  @ApiProperty({ type: [DeadlineSpecView] }) deadlines: DeadlineSpecView[];
}

export class WorkflowEventView {
  @ApiProperty({ example: 'APPROVE_RELEASE' }) type: string;
  @ApiProperty({ example: '同意转出' }) title: string;
  @ApiProperty({ description: '仅由系统发送（时钟、执业系统对接）' }) system: boolean;
  @ApiProperty({ type: 'array', items: OBJECT, nullable: true, description: '可发送者规则；空为本环节办理人' })
  actors: object[] | null;
}

export class WorkflowSummary {
  @ApiProperty({ example: 'membership-transfer' }) key: string;
  @ApiProperty() version: number;
  @ApiProperty({ example: '组织关系接转' }) title: string;
  @ApiProperty({ enum: ['member', 'firm', 'org'] }) subjectKind: string;
  @ApiProperty({ type: 'array', items: OBJECT, description: '可手工发起者规则（角色、当事方）' }) openers: object[];
  @ApiProperty({ type: [WorkflowStateView] }) states: WorkflowStateView[];
  @ApiProperty({ type: [WorkflowEventView] }) events: WorkflowEventView[];
}

export class WorkflowDetail extends WorkflowSummary {
  @ApiProperty({ ...OBJECT, description: 'XState 状态图定义（JSON）' }) statechart: object;
  @ApiProperty({ description: 'Mermaid stateDiagram-v2 文本' }) mermaid: string;
  @ApiProperty({ ...OBJECT, description: '发起（POST /cases 的 input）的 JSON Schema' }) inputSchema: object;
  @ApiProperty({
    type: 'object',
    additionalProperties: OBJECT,
    description: '各事件 data 的 JSON Schema（由事件数据类生成，标题为事件名称），按事件类型索引',
  })
  eventSchemas: Record<string, object>;
}

// ------------------------------------------------------------------------------------------------- cases

export class AvailableEvent {
  @ApiProperty({ example: 'APPROVE_RELEASE' }) type: string;
  @ApiProperty({ example: '同意转出' }) title: string;
}

export class DeadlineView {
  @ApiProperty({ example: 'release_review.due' }) key: string;
  @ApiProperty() title: string;
  @ApiProperty({ example: 'release_review' }) state: string;
  @ApiProperty(DATE_TIME) dueAt: string;
  @ApiProperty({ enum: ['reminder', 'deadline', 'escalation'] }) kind: string;
  @ApiProperty({ description: '督办级别（0 为本级）' }) level: number;
  @ApiProperty() overdue: boolean;
  @ApiProperty({ description: '所需年份的法定节假日安排尚未公布，期限为暂定' }) provisional: boolean;
  @ApiProperty({ description: '期限的依据' }) rule: string;
}

export class SubjectView {
  @ApiPropertyOptional(UUID) memberId?: string;
  @ApiPropertyOptional(UUID) firmId?: string;
  @ApiPropertyOptional(UUID) orgId?: string;
}

/** A follow-up a transition asked for (case_follow_ups): opened, attached to an open case, or failed. */
export class FollowUpView {
  @ApiProperty({ format: 'uuid', description: '触发后续事项的案件' }) caseId: string;
  @ApiProperty({ example: 'nonconforming' }) workflow: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) subject: Record<string, string>;
  @ApiProperty({ type: String, nullable: true, example: 'annual_rating' }) trigger: string | null;
  @ApiProperty({ enum: ['opened', 'attached', 'failed'] }) outcome: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: '开启的或并入的案件' })
  followUpCaseId: string | null;
  @ApiProperty({ type: String, nullable: true }) code: string | null;
  @ApiProperty({ type: String, nullable: true }) message: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) at: string;
}

export class CaseView {
  @ApiProperty(UUID) id: string;
  @ApiProperty({ example: 'membership-transfer' }) workflow: string;
  @ApiProperty({ example: '组织关系接转' }) workflowTitle: string;
  @ApiProperty() definitionVersion: number;
  @ApiProperty({ example: 'ganzhou' }) policyVersion: string;
  @ApiProperty({
    description: '当前环节；并行环节为对象',
    oneOf: [{ type: 'string' }, OBJECT],
    example: 'release_review',
  })
  state: string | Record<string, unknown>;
  @ApiProperty({ example: '转出审核' }) stateTitle: string;
  @ApiProperty({ enum: ['open', 'closed'] }) status: string;
  @ApiProperty({ type: SubjectView }) subject: SubjectView;
  @ApiProperty({ type: 'string', nullable: true, description: '办理对象名称（党员、律所或党组织）' })
  subjectName: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', format: 'uuid' },
    description: '当事党组织（角色名 → 组织 id）',
  })
  parties: Record<string, string>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: '当事党组织名称（组织 id → 名称）',
  })
  orgNames: Record<string, string>;
  @ApiProperty({ ...OBJECT, description: '流程上下文' }) context: Record<string, unknown>;
  @ApiProperty({ description: '乐观并发版本号' }) version: number;
  @ApiProperty(DATE_TIME) openedAt: string;
  @ApiProperty(DATE_TIME) updatedAt: string;
  @ApiProperty({ ...DATE_TIME, nullable: true }) closedAt: string | null;
  @ApiProperty({ type: [DeadlineView] }) deadlines: DeadlineView[];
  @ApiProperty({ type: [FollowUpView], description: '本案触发的后续流程，及并入本案或由本案开启的后续事项' })
  followUps: FollowUpView[];
  @ApiProperty({ type: [AvailableEvent], description: '当前用户此刻可以执行的事件' })
  availableEvents: AvailableEvent[];
}

export class CasePage {
  @ApiProperty({ type: [CaseView] }) items: CaseView[];
  @ApiProperty({ description: `符合条件的条数，最多计到 ${COUNT_CAP}（totalCapped 为 true 时实际更多）` })
  total: number;
  @ApiProperty({ description: `实际条数超过 ${COUNT_CAP}：total 只是下限` }) totalCapped: boolean;
  @ApiProperty({ type: 'integer', nullable: true, description: '页码；按 cursor 翻页时为 null' }) page: number | null;
  @ApiProperty() pageSize: number;
  @ApiProperty({ type: 'string', nullable: true, description: '下一页的游标（传给 cursor）；没有下一页时为 null' })
  nextCursor: string | null;
}

export class ActorView {
  // the system actor (the clock, the licensing integration) is no user: its userId, role and orgId are null
  @ApiPropertyOptional({ type: 'string', nullable: true }) userId?: string | null;
  @ApiProperty({ example: 'branch-a' }) username: string;
  @ApiPropertyOptional({ type: 'string', nullable: true }) role?: string | null;
  @ApiPropertyOptional({ ...UUID, nullable: true }) orgId?: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: '办理人姓名（系统为“系统”）' })
  displayName?: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: '办理人所在组织名称' }) orgName?: string | null;
}

export class HistoryEntry {
  @ApiProperty() seq: number;
  @ApiProperty(DATE_TIME) at: string;
  @ApiProperty({ type: ActorView }) actor: ActorView;
  @ApiProperty({ example: 'APPROVE_RELEASE', description: '事件类型；首行为 OPEN' }) type: string;
  @ApiProperty({ ...OBJECT, nullable: true }) data: Record<string, unknown> | null;
  @ApiProperty({ type: 'string', nullable: true }) comment: string | null;
  // anyOf with the nullable branch inside: OpenAPI 3.0 has no null type, and `nullable` needs a `type`
  @ApiProperty({ anyOf: [{ type: 'string', nullable: true }, OBJECT], description: '转移前环节；首行为 null' })
  from: string | Record<string, unknown> | null;
  @ApiProperty({ anyOf: [{ type: 'string', nullable: true }, OBJECT], description: '转移后环节' })
  to: string | Record<string, unknown> | null;
  @ApiProperty({ description: 'SHA-256 哈希链' }) hash: string;
  @ApiProperty() prevHash: string;
}

export class TaskView {
  @ApiProperty(UUID) caseId: string;
  @ApiProperty() workflow: string;
  @ApiProperty() workflowTitle: string;
  @ApiProperty({ oneOf: [{ type: 'string' }, OBJECT] }) state: string | Record<string, unknown>;
  @ApiProperty({ example: '转出审核' }) stateTitle: string;
  @ApiProperty({ example: '组织关系接转：转出审核' }) title: string;
  @ApiProperty({ type: SubjectView }) subject: SubjectView;
  @ApiProperty({ type: 'string', nullable: true }) subjectName: string | null;
  @ApiProperty({ ...DATE_TIME, nullable: true }) dueAt: string | null;
  @ApiProperty({ description: '期限为暂定（该年度节假日安排尚未公布）' }) dueProvisional: boolean;
  @ApiProperty() overdue: boolean;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: '距期限的工作日数（0 为今日到期）；已逾期或无期限为 null',
  })
  workingDaysLeft: number | null;
  @ApiProperty({ description: '3 个工作日内到期' }) dueSoon: boolean;
  @ApiProperty({ type: [AvailableEvent] }) availableEvents: AvailableEvent[];
  @ApiProperty({
    enum: ['task', 'supervision'],
    description: 'task：由我办理的待办；supervision：督办事项（已逾期并上报到我这一级的案件，可催办，不能办理）',
  })
  kind: 'task' | 'supervision';
  @ApiProperty({ type: () => [HolderView], description: '督办事项：当前承办的组织（待办为空）' })
  holders: HolderView[];
  @ApiProperty({ type: 'integer', nullable: true, description: '督办事项：已逾期天数（自然日）' })
  overdueDays: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: '督办事项：已逾期工作日数' })
  overdueWorkingDays: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: '督办事项：已达到的上报级别（1 上级党委，2 督查）' })
  escalationLevel: number | null;
  @ApiProperty({ type: 'string', nullable: true, description: '督办事项：逾期的期限事项' })
  deadlineTitle: string | null;
  @ApiProperty({ ...DATE_TIME, nullable: true, description: '督办事项：最近一次催办时间' })
  lastUrgedAt: string | null;
  @ApiProperty({ description: '督办事项：今日已催办（同一案件每日只催办一次）' }) urgedToday: boolean;
}

export class HolderView {
  @ApiProperty(UUID) orgId: string;
  @ApiProperty({ type: 'string', nullable: true, example: '江西某某律师事务所党支部' }) orgName: string | null;
  @ApiProperty({ enum: ['clerk', 'orgdept'] }) role: 'clerk' | 'orgdept';
}

export class UrgerView {
  @ApiProperty(UUID) userId: string;
  @ApiProperty({ type: 'string', nullable: true }) displayName: string | null;
  @ApiProperty({ enum: ['supervisor', 'admin', 'orgdept', 'clerk'] }) role: string;
  @ApiProperty(UUID) orgId: string;
  @ApiProperty({ type: 'string', nullable: true }) orgName: string | null;
}

export class UrgeTargetView {
  @ApiProperty(UUID) orgId: string;
  @ApiProperty({ type: 'string', nullable: true }) orgName: string | null;
  @ApiProperty({ enum: ['clerk', 'orgdept'] }) role: string;
}

export class UrgeView {
  @ApiProperty(UUID) id: string;
  @ApiProperty(UUID) caseId: string;
  @ApiPropertyOptional() workflow?: string;
  @ApiPropertyOptional({ type: SubjectView, description: '案件的办理对象（催办记录列表中）' }) subject?: SubjectView;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: '办理对象名称' }) subjectName?: string | null;
  @ApiProperty({ format: 'date', description: '催办日（北京时间）；同一案件每日一次' }) day: string;
  @ApiProperty(DATE_TIME) at: string;
  @ApiProperty({ type: UrgerView }) urgedBy: UrgerView;
  @ApiProperty({ oneOf: [{ type: 'string' }, OBJECT], description: '催办时案件所处环节' }) state: unknown;
  @ApiProperty() stateTitle: string;
  @ApiProperty({ type: [UrgeTargetView], description: '被催办的承办组织' }) targets: UrgeTargetView[];
  @ApiProperty({ type: 'integer', description: '收到站内通知的人数' }) notified: number;
  @ApiProperty({ type: 'string', nullable: true }) comment: string | null;
}

export class UrgeResult {
  @ApiProperty({ type: UrgeView }) urge: UrgeView;
  @ApiProperty({ description: '今日已催办过：返回当日那次催办，不再重复通知' }) repeated: boolean;
}

export class UrgePage {
  @ApiProperty({ type: [UrgeView] }) items: UrgeView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

// ------------------------------------------------------------------------------------------------- audit

export class AuditEvent extends HistoryEntry {
  @ApiProperty(UUID) caseId: string;
  @ApiProperty() workflow: string;
  @ApiProperty({ type: SubjectView, description: '案件的办理对象' }) subject: SubjectView;
  @ApiProperty({ type: 'string', nullable: true, description: '办理对象名称（党员、律所或党组织）' })
  subjectName: string | null;
}

export class AuditEventPage {
  @ApiProperty({ type: [AuditEvent] }) items: AuditEvent[];
  @ApiProperty({ description: `符合条件的条数，最多计到 ${COUNT_CAP}（totalCapped 为 true 时实际更多）` })
  total: number;
  @ApiProperty({ description: `实际条数超过 ${COUNT_CAP}：total 只是下限` }) totalCapped: boolean;
  @ApiProperty({ type: 'integer', nullable: true, description: '页码；按 cursor 翻页时为 null' }) page: number | null;
  @ApiProperty() pageSize: number;
  @ApiProperty({ type: 'string', nullable: true, description: '下一页的游标（传给 cursor）；没有下一页时为 null' })
  nextCursor: string | null;
}

export class BrokenAt {
  @ApiPropertyOptional(UUID) caseId?: string;
  @ApiProperty() seq: number;
  @ApiProperty() reason: string;
}

export class CheckpointMismatch {
  @ApiProperty({ description: '日期（北京时间，YYYY-MM-DD）' }) day: string;
  @ApiProperty({ description: '问题说明' }) reason: string;
}

export class CheckpointHead {
  @ApiProperty({ description: '最新检查点的日期' }) day: string;
  @ApiProperty({ description: '最新检查点签名的前 16 位（与库外记录的链头比对）' }) signature: string;
}

export class CheckpointVerification {
  @ApiProperty({ description: '是否配置了检查点签名密钥（未配置时不签名、不比对）' }) enabled: boolean;
  @ApiProperty({ description: '已比对的检查点个数' }) checked: number;
  @ApiProperty({
    type: [CheckpointMismatch],
    description: '与签名检查点不符的日期：当日履历被改写、检查点签名无效，或检查点链缺环、顺序不符',
  })
  mismatched: CheckpointMismatch[];
  @ApiPropertyOptional({ type: CheckpointHead, description: '检查点链的链头' }) head?: CheckpointHead;
}

export class VerifyResult {
  @ApiProperty() ok: boolean;
  @ApiProperty({ description: '已校验的历史记录条数' }) checked: number;
  @ApiProperty({ description: '已校验的案件数' }) cases: number;
  @ApiPropertyOptional({ type: BrokenAt }) brokenAt?: BrokenAt;
  @ApiPropertyOptional({
    type: CheckpointVerification,
    description: '管理员校验全部日志时：每日签名检查点与当前履历的比对',
  })
  checkpoints?: CheckpointVerification;
}

export class AuditJobError {
  @ApiProperty({ description: '错误代码（如 RULE_VIOLATION、INTERNAL_ERROR）' }) code: string;
  @ApiProperty({ description: '原因' }) message: string;
}

export class AuditJob {
  @ApiProperty(UUID) id: string;
  @ApiProperty({ enum: ['verify', 'export'], description: 'verify：校验全部记录；export：导出台帐' }) kind: string;
  @ApiProperty({
    enum: ['queued', 'running', 'done', 'failed'],
    description: 'queued 排队中，running 进行中，done 已完成，failed 失败（见 error）',
  })
  status: string;
  @ApiProperty({ ...OBJECT, description: '导出的筛选条件（与 GET /audit/export 相同）；校验任务为空' })
  filter: Record<string, unknown>;
  @ApiProperty({ description: '已处理的案件数' }) done: number;
  @ApiProperty({ type: 'integer', nullable: true, description: '要处理的案件总数（开始处理前为 null）' })
  total: number | null;
  @ApiProperty({ type: 'string', nullable: true, description: '完成后取结果的地址（校验报告或台帐文件）' })
  resultUrl: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: '台帐文件名（导出完成后）' }) fileName: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: '台帐文件字节数（导出完成后）' })
  fileSize: number | null;
  @ApiProperty({ type: AuditJobError, nullable: true }) error: AuditJobError | null;
  @ApiProperty(DATE_TIME) createdAt: string;
  @ApiProperty({ ...DATE_TIME, nullable: true }) startedAt: string | null;
  @ApiProperty({ ...DATE_TIME, nullable: true }) finishedAt: string | null;
}

// ----------------------------------------------------------------------------------------- notifications

export class NotificationView {
  @ApiProperty(UUID) id: string;
  @ApiProperty({
    enum: ['reminder', 'overdue', 'escalation', 'lapsed', 'urge', 'info'],
    description:
      'reminder 待办提醒；overdue 逾期；escalation 逾期督办/上报；lapsed 期限届满（系统已自动办理）；urge 催办；info 通知',
  })
  kind: string;
  @ApiProperty() level: number;
  @ApiProperty() title: string;
  @ApiProperty() body: string;
  @ApiProperty({ ...UUID, nullable: true }) caseId: string | null;
  @ApiProperty({ ...OBJECT, nullable: true }) link: Record<string, unknown> | null;
  @ApiProperty(DATE_TIME) createdAt: string;
  @ApiProperty(DATE_TIME) deliverAt: string;
  @ApiProperty({ ...DATE_TIME, nullable: true }) readAt: string | null;
  @ApiProperty() read: boolean;
}

export class NotificationPage {
  @ApiProperty({ type: [NotificationView] }) items: NotificationView[];
  @ApiProperty() total: number;
  @ApiProperty() unread: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export class UpdatedCount {
  @ApiProperty() updated: number;
}

export class ChannelView {
  @ApiProperty(UUID) id: string;
  @ApiProperty({ enum: ['email', 'webhook'] }) channel: string;
  @ApiProperty() address: string;
  @ApiProperty({ description: '是否设置了 webhook 签名密钥（密钥本身不返回）' }) hasSecret: boolean;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ ...UUID, nullable: true }) userId: string | null;
  @ApiProperty({ ...UUID, nullable: true }) orgId: string | null;
  @ApiProperty(DATE_TIME) createdAt: string;
}

export class ChannelDeleted {
  @ApiProperty({ enum: [true] }) deleted: boolean;
  @ApiProperty(UUID) id: string;
}

// --------------------------------------------------------------------------------------------- licensing

export class LicensingEventResult {
  @ApiProperty({ enum: [true] }) accepted: boolean;
  @ApiProperty() eventId: string;
  @ApiProperty() type: string;
  @ApiProperty({ type: [String], description: '本事件开启或推进的案件' }) caseIds: string[];
  @ApiProperty({ type: [String], description: '本事件开启的案件' }) openedCaseIds: string[];
  @ApiProperty({ example: 'transfer_opened' }) outcome: string;
  @ApiPropertyOptional({ example: 'approved_before_applied' }) outOfOrder?: string;
  @ApiPropertyOptional() applicationRef?: string;
  @ApiPropertyOptional({ enum: ['not_required', 'pending', 'completed', 'exception_approved'] })
  partyTransfer?: string;
  @ApiPropertyOptional(UUID) memberId?: string;
  @ApiPropertyOptional(UUID) firmId?: string;
  @ApiProperty({ type: [String] }) notes: string[];
}

export class DeliveryAttempt {
  @ApiProperty() attempt: number;
  @ApiProperty(DATE_TIME) at: string;
  @ApiProperty() ok: boolean;
  @ApiProperty({ type: 'string', nullable: true }) error: string | null;
  @ApiProperty({ type: 'number', nullable: true }) durationMs: number | null;
}

export class DeliveryView {
  @ApiProperty({ description: '外发记录编号' }) id: string;
  @ApiProperty({ type: 'string', nullable: true }) applicationRef: string | null;
  @ApiProperty({ type: 'string', nullable: true }) partyTransfer: string | null;
  @ApiProperty({ ...UUID, nullable: true }) caseId: string | null;
  @ApiProperty({ example: 'delivered' }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: 'string', nullable: true }) lastError: string | null;
  @ApiProperty({ ...DATE_TIME, nullable: true }) nextAttemptAt: string | null;
  @ApiProperty(DATE_TIME) createdAt: string;
  @ApiProperty({ ...DATE_TIME, nullable: true }) deliveredAt: string | null;
  @ApiProperty({ type: [DeliveryAttempt] }) attemptLog: DeliveryAttempt[];
}

export class DeliveryPage {
  @ApiProperty({ type: [DeliveryView] }) items: DeliveryView[];
  @ApiProperty() total: number;
  @ApiProperty({ description: '是否配置了 LICENSING_CALLBACK_URL' }) callbackConfigured: boolean;
}

// ------------------------------------------------------------------------------------ reports, calendar

export class CoverageCounts {
  @ApiProperty() firms: number;
  @ApiProperty() branch: number;
  @ApiProperty() jointBranch: number;
  @ApiProperty() instructor: number;
  @ApiProperty() none: number;
  @ApiProperty() orgCovered: number;
  @ApiProperty() orgCoveragePct: number;
  @ApiProperty() covered: number;
  @ApiProperty() coveragePct: number;
  @ApiProperty() underReview: number;
}

export class CountyCoverage extends CoverageCounts {
  @ApiProperty() county: string;
  @ApiProperty() regionCode: string;
}

export class CityCoverage extends CoverageCounts {
  @ApiProperty() regionCode: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [CountyCoverage] }) counties: CountyCoverage[];
}

export class CoverageGoal {
  @ApiProperty() description: string;
  @ApiProperty() coveragePct: number;
  @ApiProperty() met: boolean;
}

export class UncoveredFirm {
  @ApiProperty(UUID) firmId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['firm', 'branch_office'] }) kind: string;
  @ApiProperty() county: string;
  @ApiProperty() regionCode: string;
  @ApiProperty({ ...DATE_TIME, nullable: true }) uncoveredSince: string | null;
  @ApiProperty({ type: 'number', nullable: true }) daysUncovered: number | null;
  @ApiProperty({ ...UUID, nullable: true, description: '进行中的党组织组建案件' }) formationCaseId: string | null;
}

export class CoverageReport {
  @ApiProperty(DATE_TIME) generatedAt: string;
  @ApiProperty({ type: CoverageGoal }) goal: CoverageGoal;
  @ApiProperty({ type: CoverageCounts }) totals: CoverageCounts;
  @ApiProperty({ type: [CityCoverage] }) cities: CityCoverage[];
  @ApiProperty({ type: [UncoveredFirm] }) uncovered: UncoveredFirm[];
}

export class CalendarYearView {
  @ApiProperty({ example: 2026 }) year: number;
  @ApiProperty({ type: 'string', nullable: true, description: '国务院办公厅通知' }) source: string | null;
}

export class CalendarYearAdded {
  @ApiProperty() year: number;
  @ApiProperty({ description: '数据是否有变化' }) changed: boolean;
  @ApiProperty({ description: '重新计算期限的案件数' }) replannedCases: number;
}

export class ClockView {
  @ApiProperty(DATE_TIME) now: string;
}

export class ClockMoved extends ClockView {
  @ApiProperty({ description: '送达的到期阶段数' }) fired: number;
  @ApiProperty({ description: '由时钟触发的流程事件数' }) events: number;
  @ApiProperty({ description: '因案件已离开环节而取消的阶段数' }) cancelled: number;
}

/** One dependency's check: `status` plus what it measured (latency, lag, backlog). */
const HEALTH_INDICATOR: SchemaObject = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'down'] } },
  additionalProperties: true,
};
type HealthIndicator = { status: string; [k: string]: unknown };

export class HealthView {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: HEALTH_INDICATOR })
  info: Record<string, HealthIndicator>;
  @ApiProperty({ type: 'object', additionalProperties: HEALTH_INDICATOR })
  error: Record<string, HealthIndicator>;
  @ApiProperty({ type: 'object', additionalProperties: HEALTH_INDICATOR })
  details: Record<string, HealthIndicator>;
}
