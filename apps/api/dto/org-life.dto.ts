import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsIsoDate } from '../../../libs/common/iso-date.validator';
import { MEETING_KINDS } from '../../../libs/org-life/org-life.rules';

const UUID = { type: 'string', format: 'uuid' } as const;
/** The largest branch meeting a request may describe (a branch has at most about 50 members, 支部工作条例 art. 8). */
const MAX_PEOPLE = 500;

export class AbsenceDto {
  @ApiProperty(UUID) @IsUUID() memberId: string;
  @ApiProperty({ example: '出差在外，已请假', description: '缺席原因（请假事由）' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  reason: string;
}

export class RecordMeetingDto {
  @ApiProperty({ ...UUID, description: '党支部（联合党支部、党总支）' }) @IsUUID() orgId: string;
  @ApiProperty({ enum: MEETING_KINDS, description: '党员大会 / 支委会 / 党小组会 / 党课 / 主题党日' })
  @IsIn(MEETING_KINDS as unknown as string[])
  kind: (typeof MEETING_KINDS)[number];
  @ApiProperty({ format: 'date', example: '2026-03-15' }) @IsIsoDate() @Matches(/^\d{4}-\d{2}-\d{2}$/) heldOn: string;
  @ApiProperty({ example: '学习党章第九条' }) @IsString() @MinLength(1) @MaxLength(200) topic: string;
  @ApiProperty({ type: [String], description: '出席党员 id' })
  @IsArray()
  @ArrayMaxSize(MAX_PEOPLE)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  attendees: string[];
  @ApiProperty({ type: [AbsenceDto], description: '缺席党员及原因' })
  @IsArray()
  @ArrayMaxSize(MAX_PEOPLE)
  @ValidateNested({ each: true })
  @Type(() => AbsenceDto)
  absences: AbsenceDto[];
}

export class DuesPaidDto {
  @ApiProperty(UUID) @IsUUID() memberId: string;
  @ApiProperty({ example: 50, description: '金额（元），大于 0，至多两位小数' })
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(1_000_000)
  amount: number;
}

export class RecordDuesDto {
  @ApiProperty(UUID) @IsUUID() orgId: string;
  @ApiProperty({ example: '2026-03', description: '党费所属月份' }) @Matches(/^\d{4}-(0[1-9]|1[0-2])$/) month: string;
  @ApiProperty({ type: [DuesPaidDto] })
  @IsArray()
  @ArrayMaxSize(MAX_PEOPLE)
  @ValidateNested({ each: true })
  @Type(() => DuesPaidDto)
  paid: DuesPaidDto[];
}

export class ImportQueryDto {
  @ApiProperty({ ...UUID, description: '导入记录所属的党支部' }) @IsUUID() orgId: string;
  @ApiPropertyOptional({ description: '只检查不写入' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  dryRun?: boolean;
}

export class OrgLifeReportQueryDto {
  @ApiProperty({ example: 2026 }) @Type(() => Number) @IsInt() @Min(2000) @Max(2100) year: number;
  @ApiProperty({ example: 1, minimum: 1, maximum: 4 }) @Type(() => Number) @IsInt() @Min(1) @Max(4) quarter: number;
  @ApiPropertyOptional({ ...UUID, description: '只看该组织及其下级' }) @IsOptional() @IsUUID() orgId?: string;
}

// ------------------------------------------------------------------------------------------ responses

export class MeetingRecordedDto {
  @ApiProperty(UUID) id: string;
  @ApiProperty(UUID) orgId: string;
  @ApiProperty({ enum: MEETING_KINDS }) kind: string;
  @ApiProperty({ format: 'date' }) heldOn: string;
  @ApiProperty() topic: string;
  @ApiProperty({ description: '出席人数' }) attendees: number;
  @ApiProperty({ description: '缺席人数' }) absences: number;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
}

export class DuesRecordedDto {
  @ApiProperty(UUID) orgId: string;
  @ApiProperty({ example: '2026-03' }) month: string;
  @ApiProperty({ description: '登记的党员人数' }) recorded: number;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
}

export class ImportRefusalDto {
  @ApiProperty({ description: '表格中的行号（表头为第 1 行）' }) row: number;
  @ApiProperty({ example: '身份证号 3607**********1234 未在党员信息库中登记' }) reason: string;
}

export class ImportReportDto {
  @ApiProperty({ description: '是否已写入（有任何一行被拒绝则全部不写入）' }) imported: boolean;
  @ApiProperty({ enum: ['xlsx', 'csv'] }) format: string;
  @ApiProperty({ description: '数据行数' }) rows: number;
  @ApiProperty({ description: '通过检查的行数' }) accepted: number;
  @ApiProperty({ type: [ImportRefusalDto] }) refused: ImportRefusalDto[];
  @ApiProperty({ description: '新登记的会议数' }) meetings: number;
  @ApiProperty() attendances: number;
  @ApiProperty() absences: number;
  @ApiProperty() duesPayments: number;
}

export class MemberMeetingDto {
  @ApiProperty(UUID) meetingId: string;
  @ApiProperty(UUID) orgId: string;
  @ApiProperty({ enum: MEETING_KINDS }) kind: string;
  @ApiProperty({ example: '党员大会' }) kindTitle: string;
  @ApiProperty({ format: 'date' }) heldOn: string;
  @ApiProperty() topic: string;
  @ApiProperty() attended: boolean;
  @ApiProperty({ type: 'string', nullable: true }) absenceReason: string | null;
}

export class MemberDuesDto {
  @ApiProperty({ example: '2026-03' }) month: string;
  @ApiProperty(UUID) orgId: string;
  @ApiProperty({ example: 50 }) amount: number;
}

export class MemberOrgLifeDto {
  @ApiProperty(UUID) memberId: string;
  @ApiProperty() name: string;
  @ApiProperty(UUID) orgId: string;
  @ApiProperty({ type: [MemberMeetingDto] }) meetings: MemberMeetingDto[];
  @ApiProperty({ type: [MemberDuesDto] }) dues: MemberDuesDto[];
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) lastAttended: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: '2026-03' }) lastDuesMonth: string | null;
}

export class KindComplianceDto {
  @ApiProperty({ enum: MEETING_KINDS }) kind: string;
  @ApiProperty({ example: '支委会' }) title: string;
  @ApiProperty({ description: '该要求是否适用于本支部（未设支委会、未划分党小组的不适用）' }) applies: boolean;
  @ApiProperty({ enum: ['month', 'quarter', 'year'] }) per: string;
  @ApiProperty({ description: '本季度应召开次数' }) required: number;
  @ApiProperty({ description: '已召开次数' }) held: number;
  @ApiProperty({ type: [String], description: '未达要求的月份（YYYY-MM）、季度（2026Q1）或年度' }) missing: string[];
  @ApiProperty() met: boolean;
}

export class IdleMemberDto {
  @ApiProperty(UUID) memberId: string;
  @ApiProperty() name: string;
}

export class BranchComplianceDto {
  @ApiProperty(UUID) orgId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['branch', 'joint_branch', 'general_branch'] }) type: string;
  @ApiProperty({ description: '党员人数（正式与预备）' }) members: number;
  @ApiProperty() fullMembers: number;
  @ApiProperty({ type: [KindComplianceDto] }) meetings: KindComplianceDto[];
  @ApiProperty({ type: [String], description: '本季度已登记党费的月份' }) duesMonthsPaid: string[];
  @ApiProperty({ type: [IdleMemberDto], description: '本季度没有任何组织生活或党费记录的党员' })
  membersWithoutParticipation: IdleMemberDto[];
  @ApiProperty() compliant: boolean;
  @ApiProperty({ type: [String], enum: MEETING_KINDS }) behindOn: string[];
  @ApiProperty({
    description: '本季度是否登记过组织生活或党费（没有任何记录的支部可能尚未在本系统登记，不等同于未开展）',
  })
  recordedInQuarter: boolean;
}

export class OrgLifeReportDto {
  @ApiProperty() year: number;
  @ApiProperty() quarter: number;
  @ApiProperty({ format: 'date', description: '统计截至日期' }) asOf: string;
  @ApiProperty({ type: [BranchComplianceDto] }) branches: BranchComplianceDto[];
}

export class InactiveMembersQueryDto {
  @ApiPropertyOptional({ ...UUID, description: '只看该组织及其下级（默认：本人权限范围）' })
  @IsOptional()
  @IsUUID()
  orgId?: string;
}

export class InactivityEvidenceDto {
  @ApiProperty({ type: [String], description: '认定的连续月份（YYYY-MM）' }) months: string[];
  @ApiProperty({ type: 'string', nullable: true, description: '此前最近一次参加会议的月份' }) lastAttended:
    string | null;
  @ApiProperty({ type: 'string', nullable: true, description: '此前最近一次请假缺席的月份' }) lastExcused:
    string | null;
  @ApiProperty({ type: 'string', nullable: true, description: '此前最近一次交纳党费的月份' }) lastDuesPaid:
    string | null;
  @ApiPropertyOptional({ description: '期间支部召开会议次数（仅 org_life）' }) branchMeetingsInWindow?: number;
}

export class InactivityReviewDto {
  @ApiProperty({ ...UUID, nullable: true, description: '支部核查案件（inactivity-review）' }) caseId: string | null;
  @ApiProperty({ enum: ['pending', 'referred', 'dismissed'], description: '待核查 / 已启动不合格党员处置 / 不予处置' })
  status: string;
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) decidedOn: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: '不予处置的理由' }) reason: string | null;
  @ApiProperty({ ...UUID, nullable: true, description: '启动或并入的不合格党员处置案件' })
  nonconformingCaseId: string | null;
  @ApiProperty({ type: 'string', nullable: true, enum: ['opened', 'attached', 'failed', null] })
  nonconformingOutcome: string | null;
}

export class InactivityFlagDto {
  @ApiProperty(UUID) id: string;
  @ApiProperty(UUID) memberId: string;
  @ApiProperty() memberName: string;
  @ApiProperty({ ...UUID, description: '认定时党员所在支部' }) orgId: string;
  @ApiProperty() orgName: string;
  @ApiProperty({
    enum: ['org_life', 'dues'],
    description: '党章第九条：org_life = 连续不参加党的组织生活；dues = 连续不交纳党费（两者任一即标记）',
  })
  ground: string;
  @ApiProperty({ example: '2026-12' }) windowStart: string;
  @ApiProperty({ example: '2027-05' }) windowEnd: string;
  @ApiProperty({ example: 6 }) months: number;
  @ApiProperty({ format: 'date', description: '检查发现的日期' }) flaggedOn: string;
  @ApiProperty({ description: '认定依据（文字）' }) summary: string;
  @ApiProperty({ type: InactivityEvidenceDto }) evidence: InactivityEvidenceDto;
  @ApiProperty({ type: InactivityReviewDto }) review: InactivityReviewDto;
}

export class InactiveMembersReportDto {
  @ApiProperty({ format: 'date-time' }) asOf: string;
  @ApiProperty({ type: [InactivityFlagDto] }) flags: InactivityFlagDto[];
}

export class SetSecretaryDto {
  @ApiProperty({ ...UUID, description: '支部书记（本支部正式党员）' }) @IsUUID() secretaryId: string;
  @ApiProperty({ format: 'date', description: '选举日期（任期自该日起，每届3年）' })
  @IsIsoDate()
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  electedOn: string;
}

export class OrgTermDto {
  @ApiProperty(UUID) orgId: string;
  @ApiProperty({ ...UUID, nullable: true }) secretaryId: string | null;
  @ApiProperty({ type: 'string', nullable: true }) secretaryName: string | null;
  @ApiProperty({ type: 'string', format: 'date', nullable: true, description: '本届任期起始日（选举日期）' })
  termStartedOn: string | null;
  @ApiProperty({ type: 'string', format: 'date', nullable: true, description: '本届任期届满日' })
  termEndsOn: string | null;
  @ApiProperty({ type: 'string', format: 'date', nullable: true, description: '换届提醒日（届满前3个月）' })
  renewalNoticeOn: string | null;
  @ApiProperty({ description: '是否已进入换届准备期（支部有换届待办）' }) renewalDue: boolean;
  @ApiProperty({ ...UUID, nullable: true, description: '支部任期与换届案件（branch-term）' }) caseId: string | null;
}
