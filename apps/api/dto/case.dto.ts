import { COUNT_CAP } from '../../../libs/common/keyset';
import { IsIsoDate } from '../../../libs/common/iso-date.validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export class SubjectDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() memberId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() firmId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() orgId?: string;
}

export class CreateCaseDto {
  @ApiProperty({ example: 'membership-transfer' }) @IsString() @MaxLength(64) workflow: string;
  @ApiProperty({ type: SubjectDto }) @IsObject() @ValidateNested() @Type(() => SubjectDto) subject: SubjectDto;
  @ApiPropertyOptional({ type: Object, description: '流程的发起参数（按流程定义校验）' })
  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;
}

export class SendEventDto {
  @ApiProperty({ example: 'APPROVE_RELEASE' })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{0,63}$/, { message: 'type 必须是大写事件名' })
  type: string;
  @ApiPropertyOptional({ type: Object, description: '事件数据（按事件定义校验）' })
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;
  @ApiPropertyOptional({ description: '审批意见' }) @IsOptional() @IsString() @MaxLength(2000) comment?: string;
  @ApiPropertyOptional({ description: '乐观并发：客户端看到的案件版本' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === true ? true : value === 'false' || value === false ? false : value;

export class CaseQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) workflow?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) state?: string;
  @ApiPropertyOptional({ enum: ['open', 'closed'] }) @IsOptional() @IsIn(['open', 'closed']) status?: 'open' | 'closed';
  @ApiPropertyOptional() @IsOptional() @IsUUID() orgId?: string;
  @ApiPropertyOptional() @IsOptional() @Transform(toBool) @IsBoolean() overdue?: boolean;
  @ApiPropertyOptional({ description: '只看该年度考核活动的案件（其开启的及开启时已在办理的）' })
  @IsOptional()
  @IsUUID()
  campaignId?: string;
  @ApiPropertyOptional({ description: '按办理对象（党员、律所、党组织）名称搜索' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  q?: string;
  @ApiPropertyOptional({ description: `页码（从 1 开始；只在前 ${COUNT_CAP} 条内可用，之后用 cursor）` })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
  @ApiPropertyOptional({ description: '翻页游标：上一页返回的 nextCursor（给出时忽略 page）' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class TasksQueryDto {
  @ApiPropertyOptional({ description: '页码（从 1 开始）' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;
  @ApiPropertyOptional({ description: '每页条数（默认 200，最多 1000）' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  pageSize?: number;
}

export class UrgeDto {
  @ApiPropertyOptional({ description: '督办意见（写入通知正文）', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  comment?: string;
}

export class UrgesQueryDto extends TasksQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: '只看该案件的催办' }) @IsOptional() @IsUUID() caseId?: string;
}

export class AuditQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() orgId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) workflow?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) type?: string;
  @ApiPropertyOptional({ description: '起（含）：YYYY-MM-DD（北京时间当日零点起）或带时区的 ISO 8601 时间' })
  @IsOptional()
  @IsIsoDate()
  from?: string;
  @ApiPropertyOptional({ description: '止（不含）：YYYY-MM-DD（北京时间当日零点前）或带时区的 ISO 8601 时间' })
  @IsOptional()
  @IsIsoDate()
  to?: string;
  @ApiPropertyOptional({ description: `页码（从 1 开始；只在前 ${COUNT_CAP} 条内可用，之后用 cursor）` })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) pageSize?: number;
  @ApiPropertyOptional({ description: '翻页游标：上一页返回的 nextCursor（给出时忽略 page）' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class VerifyQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() caseId?: string;
}

export class LoginDto {
  @ApiProperty({ example: 'city' }) @IsString() @MaxLength(64) username: string;
  @ApiProperty({ example: 'demo' }) @IsString() @MaxLength(128) password: string;
}
