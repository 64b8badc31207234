import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';

// ---------------------------------------------------------------- audit replay

export class ReplayQueryDto {
  @ApiPropertyOptional({ description: '历史记录序号（缺省为最后一条）', example: 3, minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  seq?: number;
}

export class HistoryActorDto {
  @ApiProperty({ nullable: true, type: String }) userId: string | null;
  @ApiProperty({ example: 'city' }) username: string;
  @ApiProperty({ nullable: true, type: String, example: 'clerk' }) role: string | null;
  @ApiProperty({ nullable: true, type: String }) orgId: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: '办理人姓名（系统为“系统”）' })
  displayName?: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true, description: '办理人所在组织名称' }) orgName?: string | null;
}

export class ReplayStepDto {
  @ApiProperty() seq: number;
  @ApiProperty({ example: 'ISSUE_LETTER' }) type: string;
  @ApiProperty({
    enum: ['exact', 'facts_assumed', 'state_forced'],
    description:
      'exact：按记录的事件重演得到记录的环节；facts_assumed：该事件的条件依赖当时的登记事实（历史不保存），按其已通过重演；state_forced：无法重演到记录的环节（流程定义已变更），以记录为准',
  })
  fidelity: string;
}

export class CaseReplayDto {
  @ApiProperty() caseId: string;
  @ApiProperty({ example: 'membership-transfer' }) workflow: string;
  @ApiProperty({ example: '组织关系接转（与执业、转所同步）' }) workflowTitle: string;
  @ApiProperty({ description: '案件最后一条历史记录的序号' }) lastSeq: number;
  @ApiProperty({ description: '重演到的历史记录序号' }) seq: number;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ example: 'ISSUE_LETTER' }) type: string;
  @ApiProperty({ example: '开具介绍信' }) eventTitle: string;
  @ApiProperty({ type: HistoryActorDto }) actor: HistoryActorDto;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({
    description: '该记录之后所处的环节（记录值；并行环节为对象）',
    oneOf: [{ type: 'string' }, { type: 'object' }],
  })
  state: unknown;
  @ApiProperty({ example: '接收审核' }) stateTitle: string;
  @ApiProperty({ type: [String] }) statePaths: string[];
  @ApiProperty({ enum: ['open', 'closed'] }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: '重演得到的案件上下文' })
  context: Record<string, unknown>;
  @ApiProperty({ enum: ['exact', 'facts_assumed', 'state_forced'] }) fidelity: string;
  @ApiProperty({ type: [ReplayStepDto] }) steps: ReplayStepDto[];
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: '重演到最后一条记录时，是否与案件当前的环节和上下文完全一致（其他记录为 null）',
  })
  matchesCurrent: boolean | null;
}

// ---------------------------------------------------------------- dashboards

export class ReportScopeQueryDto {
  @ApiPropertyOptional({ description: '只统计该组织（及其下级）相关的案件' }) @IsOptional() @IsUUID() orgId?: string;
}

export class OverdueItemDto {
  @ApiProperty({ nullable: true, type: String, description: '应办理该环节的组织' }) orgId: string | null;
  @ApiProperty({ example: '江西章贡律师事务所党支部' }) orgName: string;
  @ApiProperty({ nullable: true, type: String, example: '章贡区' }) county: string | null;
  @ApiProperty({ example: 'membership-transfer' }) workflow: string;
  @ApiProperty({ example: '组织关系接转（与执业、转所同步）' }) workflowTitle: string;
  @ApiProperty({ description: '逾期案件数' }) cases: number;
  @ApiProperty({ format: 'date-time', description: '最早的逾期期限' }) oldestDueAt: string;
  @ApiProperty({ description: '最早逾期已过天数' }) daysOverdue: number;
  @ApiProperty({ type: [String], description: '案件编号（最多 50 个，最早逾期在前）' }) caseIds: string[];
}

export class OverdueByOrgDto {
  @ApiProperty({ nullable: true, type: String }) orgId: string | null;
  @ApiProperty() title: string;
  @ApiProperty() cases: number;
}

export class OverdueByWorkflowDto {
  @ApiProperty() workflow: string;
  @ApiProperty() title: string;
  @ApiProperty() cases: number;
}

export class OverdueReportDto {
  @ApiProperty({ format: 'date-time', description: '统计时点（引擎时间）' }) asOf: string;
  @ApiProperty({ description: '逾期案件总数（与 GET /cases?overdue=true 的 total 一致）' }) total: number;
  @ApiProperty({ type: [OverdueItemDto] }) items: OverdueItemDto[];
  @ApiProperty({ type: [OverdueByOrgDto] }) byOrg: OverdueByOrgDto[];
  @ApiProperty({ type: [OverdueByWorkflowDto] }) byWorkflow: OverdueByWorkflowDto[];
}

export class PipelineStepDto {
  @ApiProperty({ example: 'activist' }) state: string;
  @ApiProperty({ example: '入党积极分子培养考察' }) title: string;
  @ApiProperty() cases: number;
}

export class PipelineStageDto {
  @ApiProperty({ enum: ['application', 'activist', 'candidate', 'admission', 'probation'] }) key: string;
  @ApiProperty({ example: '申请入党' }) title: string;
  @ApiProperty() cases: number;
  @ApiProperty({ type: [PipelineStepDto] }) steps: PipelineStepDto[];
}

export class PipelineAgeStageDto {
  @ApiProperty({ enum: ['application', 'activist', 'candidate', 'admission', 'probation'] }) key: string;
  @ApiProperty() cases: number;
}

export class PipelineAgeBandDto {
  @ApiProperty({ enum: ['under_35', '35_to_44', '45_and_over'] }) band: string;
  @ApiProperty({ example: '35岁以下（青年）' }) title: string;
  @ApiProperty({ description: '在办案件数（按申请时年龄）' }) open: number;
  @ApiProperty({ description: '其中执业律师（登记有执业证号）' }) openLawyers: number;
  @ApiProperty({ type: [PipelineAgeStageDto], description: '在办案件按五个阶段' }) stages: PipelineAgeStageDto[];
  @ApiProperty({ description: '已转为正式党员' }) completed: number;
  @ApiProperty({ description: '其中执业律师' }) completedLawyers: number;
}

export class RecruitmentPipelineDto {
  @ApiProperty({ description: '在办的发展党员案件数' }) open: number;
  @ApiProperty({ type: [PipelineStageDto], description: '发展党员五个阶段，按顺序' }) stages: PipelineStageDto[];
  @ApiProperty({ type: [PipelineStepDto], description: '已办结案件按结果' }) closed: PipelineStepDto[];
  @ApiProperty({
    type: [PipelineAgeBandDto],
    description: '按申请时年龄段统计（注重发展青年骨干律师入党）：青年在前',
  })
  ageBands: PipelineAgeBandDto[];
}

// ---------------------------------------------------------------- policies

export class PoliciesQueryDto {
  @ApiPropertyOptional({ description: '行政区划代码（缺省为当前用户所在地区）', example: '360700' })
  @IsOptional()
  @Matches(/^(\*|\d{6})$/, { message: '地区代码应为 6 位行政区划代码或 *' })
  region?: string;

  @ApiPropertyOptional({ description: '按该日期选择适用的规则（缺省为今天）', example: '2026-12-01' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: '日期格式应为 YYYY-MM-DD' })
  at?: string;
}

export class PolicyVersionDto {
  @ApiProperty({ example: 'ganzhou' }) id: string;
  @ApiProperty({ example: '赣州市律师行业党建规则' }) title: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ example: '360700' }) region: string;
  @ApiProperty({ example: '2018-01-01' }) effectiveFrom: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: String }) extends: string | null;
  @ApiProperty({ description: '新案件现在适用的版本' }) inEffect: boolean;
  @ApiProperty({ description: '在适用版本的继承链上' }) inChain: boolean;
}

export class DeadlineSourceDto {
  @ApiProperty({ enum: ['policy', 'definition'] }) kind: string;
  @ApiProperty({ nullable: true, type: String }) policyId: string | null;
  @ApiProperty({ example: '赣州市律师行业党建规则' }) title: string;
}

export class DeadlineSpanDto {
  @ApiProperty() amount: number;
  @ApiProperty({ enum: ['wd', 'd', 'm'] }) unit: string;
}

export class PolicyDeadlineDto {
  @ApiProperty({ example: 'release_review.due' }) key: string;
  @ApiProperty({ example: '转出审核期限' }) title: string;
  @ApiProperty({ example: 'release_review' }) state: string;
  @ApiProperty({ example: '转出审核' }) stateTitle: string;
  @ApiProperty() amount: number;
  @ApiProperty({ enum: ['wd', 'd', 'm'] }) unit: string;
  @ApiProperty({ example: '5 个工作日（自进入该环节起）' }) rule: string;
  @ApiProperty({ example: 'entry', description: '起算点：entry（进入环节）或 context.<字段>（案件中登记的日期）' })
  anchor: string;
  @ApiProperty({ nullable: true, type: String, description: '期限届满时由系统发送的事件' }) fireEvent: string | null;
  @ApiProperty({ type: DeadlineSourceDto }) source: DeadlineSourceDto;
  @ApiProperty({ type: DeadlineSpanDto, description: '流程定义的默认期限' }) default: DeadlineSpanDto;
}

export class PolicyWorkflowDto {
  @ApiProperty({ example: 'membership-transfer' }) workflow: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: '写入案件上下文的规则参数' })
  params: Record<string, unknown>;
  @ApiProperty({ type: [PolicyDeadlineDto] }) deadlines: PolicyDeadlineDto[];
}

export class PolicyOverviewDto {
  @ApiProperty({ example: '360700' }) region: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ example: 'ganzhou', description: '新案件现在适用的规则版本' }) inEffect: string;
  @ApiProperty({ type: [String], example: ['cn-2014', 'ganzhou'], description: '继承链（从根开始）' }) chain: string[];
  @ApiProperty({ type: [PolicyVersionDto] }) versions: PolicyVersionDto[];
  @ApiProperty({ type: [PolicyWorkflowDto] }) workflows: PolicyWorkflowDto[];
}

// ---------------------------------------------------------------- licensing oversight

export class LicensingEventsQueryDto {
  @ApiPropertyOptional({ enum: ['processed', 'rejected'], description: 'rejected：被拒收的事件' })
  @IsOptional()
  @IsIn(['processed', 'rejected'])
  status?: 'processed' | 'rejected';

  @ApiPropertyOptional({ minimum: 1 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize?: number;
}

export class ReceivedLicensingEventDto {
  @ApiProperty() eventId: string;
  @ApiProperty({ example: 'practice.applied' }) type: string;
  @ApiProperty({ nullable: true, type: String }) applicationRef: string | null;
  @ApiProperty({ enum: ['processed', 'rejected'] }) status: string;
  @ApiProperty({ nullable: true, type: String, description: '乱序到达的说明' }) outOfOrder: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) occurredAt: string | null;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) processedAt: string | null;
  @ApiProperty({ nullable: true, type: Number }) httpStatus: number | null;
  @ApiProperty({ nullable: true, type: String, example: 'UNKNOWN_REFERENCE', description: '拒收的错误代码' })
  code: string | null;
  @ApiProperty({ nullable: true, type: String, description: '拒收原因（中文）' }) reason: string | null;
  @ApiProperty({ nullable: true, description: '拒收详情', type: 'object', additionalProperties: true })
  details: unknown;
  @ApiProperty({ description: '收到次数（被拒后可修正重发）' }) attempts: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: '收到的事件内容' }) body: unknown;
}

export class LicensingEventsPageDto {
  @ApiProperty({ type: [ReceivedLicensingEventDto] }) items: ReceivedLicensingEventDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export class ResendResultDto {
  @ApiProperty() id: string;
  @ApiProperty({
    enum: ['delivered', 'retry', 'dead'],
    description: 'delivered：已送达；retry：仍失败，将按退避重试；dead：无法投递',
  })
  outcome: string;
  @ApiProperty({ description: '累计投递次数' }) attempts: number;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) nextAttemptAt: string | null;
}
