import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

export class GradesQueryDto {
  @ApiPropertyOptional({ example: 2026 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;
  @ApiPropertyOptional({ format: 'uuid', description: '只看该组织及其下级' }) @IsOptional() @IsUUID() orgId?: string;
}

export class YearQueryDto {
  @ApiProperty({ example: 2026 })
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;
}

export class GradeDto {
  @ApiProperty({ format: 'uuid' }) orgId: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'branch' }) type: string;
  @ApiProperty() year: number;
  @ApiProperty({ enum: ['I', 'II', 'III'], description: 'I 先进、II 一般、III 后进' }) grade: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) score: number;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
}

export class GradeUpgradesQueryDto extends YearQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: '只看该组织及其下级' }) @IsOptional() @IsUUID() orgId?: string;
}

export class GradeUpgradeCaseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    example: 'rectifying',
    description: 'plan 制定措施、plan_review 审核、rectifying 整改提升、completed 已验收',
  })
  state: string;
  @ApiProperty({ enum: ['open', 'closed'] }) status: string;
  @ApiProperty({ enum: ['I', 'II', null], nullable: true, type: String, description: '措施中的目标等次（报送前为空）' })
  targetGrade: string | null;
}

export class GradeUpgradeDto {
  @ApiProperty({ format: 'uuid' }) orgId: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'branch' }) type: string;
  @ApiProperty() year: number;
  @ApiProperty({ enum: ['II', 'III'], description: '该年度定级：II 一般、III 后进' }) grade: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) score: number;
  @ApiProperty({
    enum: ['I', 'II', 'III', null],
    nullable: true,
    type: String,
    description: '次年度定级（尚未定级为空）',
  })
  nextGrade: string | null;
  @ApiProperty({ nullable: true, type: Number }) nextScore: number | null;
  @ApiProperty({
    enum: ['upgraded', 'unchanged', 'downgraded', 'pending'],
    description: '次年度定级与本年度相比：晋位 / 持平 / 降位 / 尚未定级',
  })
  outcome: string;
  @ApiProperty({ type: GradeUpgradeCaseDto, nullable: true, description: '晋位升级案件（考核完成时自动启动）' })
  case: GradeUpgradeCaseDto | null;
}

export class GradeUpgradesDto {
  @ApiProperty() year: number;
  @ApiProperty({ type: [GradeUpgradeDto] }) items: GradeUpgradeDto[];
}

export class CommendedMemberDto {
  @ApiProperty({ format: 'uuid' }) memberId: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uuid' }) orgId: string;
  @ApiProperty() orgName: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
}

export class CommendedOrgDto {
  @ApiProperty({ format: 'uuid' }) orgId: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ enum: ['I', 'II', 'III'] }) grade?: string;
  @ApiPropertyOptional() score?: number;
  @ApiProperty({ format: 'uuid' }) caseId: string;
}

export class CommendationsDto {
  @ApiProperty() year: number;
  @ApiProperty({ type: [CommendedMemberDto], description: '评议为优秀的党员' }) members: CommendedMemberDto[];
  @ApiProperty({ type: [CommendedOrgDto], description: '定级为先进（I 级）的党组织' }) organizations: CommendedOrgDto[];
}

export class RatingCountsDto {
  @ApiProperty() excellent: number;
  @ApiProperty() qualified: number;
  @ApiProperty({ description: '基本合格' }) basic: number;
  @ApiProperty() unqualified: number;
}

export class FirmAssessmentDto {
  @ApiProperty({ format: 'uuid' }) firmId: string;
  @ApiProperty() year: number;
  @ApiPropertyOptional({ format: 'uuid' }) partyOrgId?: string;
  @ApiPropertyOptional({ enum: ['I', 'II', 'III'] }) grade?: string;
  @ApiPropertyOptional() score?: number;
  @ApiPropertyOptional({ format: 'uuid', description: '定级所在的年度考核案件' }) caseId?: string;
  @ApiProperty({ type: RatingCountsDto, description: '本所党员律师的民主评议等次人数' }) ratings: RatingCountsDto;
  @ApiProperty({ description: '本所党员未结的不合格党员处置案件数' }) nonconformingOpen: number;
}

export class TimelineEntryDto {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ['joined', 'registered', 'case_event', 'registry_change', 'follow_up', 'discipline', 'rating'] })
  kind: string;
  @ApiProperty() title: string;
  @ApiPropertyOptional({ type: 'string', format: 'uuid', nullable: true }) caseId?: string | null;
  @ApiPropertyOptional() workflow?: string;
  @ApiPropertyOptional({ type: Object }) detail?: Record<string, unknown>;
}

export class TimelineDto {
  @ApiProperty({ format: 'uuid' }) memberId: string;
  @ApiProperty({ type: [TimelineEntryDto] }) entries: TimelineEntryDto[];
}
