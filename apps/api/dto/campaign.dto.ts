import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

export class LaunchAnnualReviewDto {
  @ApiProperty({ example: 2026, description: '考核年度' })
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;

  @ApiProperty({ format: 'uuid', description: '发起考核的党委（其下每个党支部、联合党支部、党总支各开一件）' })
  @IsUUID()
  orgId: string;
}

export class CampaignQueryDto {
  @ApiPropertyOptional({ enum: ['annual-review'] }) @IsOptional() @IsIn(['annual-review']) kind?: string;
  @ApiPropertyOptional({ example: 2026 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;
}

export class CampaignFailureDto {
  @ApiProperty({ format: 'uuid' }) orgId: string;
  @ApiProperty({ example: 'RULE_VIOLATION' }) code: string;
  @ApiProperty({ example: '年度考核的对象须为党组织' }) message: string;
}

export class CampaignStepDto {
  @ApiProperty({ example: 'self_assessment', description: '环节（案件的顶层状态）' }) state: string;
  @ApiProperty({ example: '个人自评' }) title: string;
  @ApiProperty({ description: '处于该环节的在办案件数' }) cases: number;
  @ApiProperty({ description: '其中已逾期的案件数' }) overdue: number;
}

export class CampaignReviewDto {
  @ApiProperty({ description: '本次活动的考核案件数（活动开启的，以及该年度已有而跳过的）' }) cases: number;
  @ApiProperty({ description: '已办结（考核完成）的案件数' }) closed: number;
  @ApiProperty({ description: '在办且已逾期的案件数' }) overdue: number;
  @ApiProperty({ type: [CampaignStepDto], description: '在办案件按环节计数，按流程顺序' }) steps: CampaignStepDto[];
}

export class CampaignDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['annual-review'] }) kind: string;
  @ApiProperty() year: number;
  @ApiProperty({ format: 'uuid' }) orgId: string;
  @ApiProperty({ description: '发起党委名称' }) orgName: string;
  @ApiProperty({
    enum: ['running', 'completed', 'failed', 'cancelled'],
    description: '开启案件的进度：running 开启中，completed 已全部开启，failed 部分开启失败，cancelled 已取消',
  })
  status: string;
  @ApiProperty({ description: '目标党组织数' }) total: number;
  @ApiProperty({ description: '已开启案件数' }) opened: number;
  @ApiProperty({ description: '已有案件而跳过的组织数' }) skipped: number;
  @ApiProperty({ description: '开启失败的组织数（见 failures）' }) failed: number;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiPropertyOptional({ format: 'date-time' }) finishedAt?: string;
  @ApiPropertyOptional({ description: '预计剩余秒数（运行中）' }) etaSeconds?: number;
  @ApiProperty({ type: [CampaignFailureDto] }) failures: CampaignFailureDto[];
  @ApiProperty({
    type: CampaignReviewDto,
    nullable: true,
    description: '考核本身的办理进度：已办结、逾期、各环节在办案件数；开启中（running）为 null，开启结束后统计',
  })
  review: CampaignReviewDto | null;
}
