import 'reflect-metadata';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  LAWYER_EVENT_TYPES,
  LICENSING_EVENT_TYPES,
  LicensingEventType,
  REF_OPTIONAL_TYPES,
} from './licensing.constants';
import { IsIsoDate } from '../common/iso-date.validator';

export class LicensingLawyerDto {
  @ApiProperty({ description: '执业证号（17 位）', example: '13607022010112345' })
  @IsString()
  @Matches(/^\d{17}$/, { message: 'lawyer.licenseNo 必须是 17 位执业证号' })
  licenseNo: string;

  @ApiProperty({ example: '刘建华' })
  @IsString()
  @Length(1, 40)
  name: string;

  @ApiProperty({ description: '18 位公民身份号码' })
  @IsString()
  @Matches(/^\d{17}[\dXx]$/, { message: 'lawyer.idNumber 必须是 18 位身份证号码' })
  idNumber: string;

  @ApiProperty({ description: '执业申请中申报的党员身份' })
  @IsBoolean()
  isPartyMember: boolean;

  @ApiPropertyOptional({ description: '党员在本系统中的 id（已知时）' })
  @IsOptional()
  @IsUUID()
  memberId?: string;
}

export class LicensingFirmDto {
  @ApiProperty({ example: '江西某某律师事务所' })
  @IsString()
  @Length(2, 100)
  name: string;

  @ApiProperty({ enum: ['firm', 'branch_office'] })
  @IsIn(['firm', 'branch_office'])
  kind: 'firm' | 'branch_office';

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  headFirmId?: string;

  @ApiProperty({ example: '章贡区' })
  @IsString()
  @Length(2, 40)
  county: string;

  @ApiProperty()
  @IsString()
  @Length(1, 40)
  directorName: string;
}

/** Extension: details of a `discipline.imposed` (行业处分). */
export class LicensingDisciplineDto {
  @ApiProperty({ example: '公开谴责' })
  @IsString()
  @Length(1, 100)
  sanction: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsIsoDate()
  decidedOn?: string;

  @ApiPropertyOptional({ example: '赣州市律师协会' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  authority?: string;
}

/**
 * Body of `POST /integrations/licensing/events` (validated after the signature check). Unknown fields are
 * dropped, not refused: the raw body is stored as received, and a sender adding fields must not break.
 */
export class LicensingEventDto {
  @ApiProperty({ description: '发送方事件 id，同一 id 只处理一次', example: 'lic-2026-000123' })
  @IsString()
  @Length(1, 200)
  eventId: string;

  @ApiProperty({ enum: LICENSING_EVENT_TYPES })
  @IsString()
  @IsNotEmpty()
  type: LicensingEventType;

  @ApiProperty({ description: 'ISO 8601' })
  @IsIsoDate({ time: 'required' })
  occurredAt: string;

  @ApiPropertyOptional({ type: LicensingLawyerDto })
  @ValidateIf((o) => LAWYER_EVENT_TYPES.includes(o.type) || o.lawyer !== undefined)
  @IsDefined({ message: 'lawyer 为此类事件的必填项' })
  @IsObject({ message: 'lawyer 必须是对象' })
  @ValidateNested()
  @Type(() => LicensingLawyerDto)
  lawyer?: LicensingLawyerDto;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  fromFirmId?: string;

  @ApiPropertyOptional()
  @ValidateIf((o) => o.type === 'firm-transfer.applied' || o.toFirmId !== undefined)
  @IsUUID(undefined, { message: 'toFirmId 必须是有效的 UUID（转所申请必填）' })
  toFirmId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  firmId?: string;

  @ApiPropertyOptional({ type: LicensingFirmDto })
  @IsOptional()
  @IsObject({ message: 'firm 必须是对象' })
  @ValidateNested()
  @Type(() => LicensingFirmDto)
  firm?: LicensingFirmDto;

  @ApiPropertyOptional({ type: LicensingDisciplineDto })
  @IsOptional()
  @IsObject({ message: 'discipline 必须是对象' })
  @ValidateNested()
  @Type(() => LicensingDisciplineDto)
  discipline?: LicensingDisciplineDto;

  @ApiProperty({ description: '执业/转所/设立申请编号（党组织关系接转状态按此查询）', example: 'ZY-2026-0001' })
  @ValidateIf((o) => !REF_OPTIONAL_TYPES.includes(o.type) || o.applicationRef !== undefined)
  @IsString({ message: 'applicationRef 为必填项' })
  @Length(1, 100)
  applicationRef?: string;
}

export const PARTY_TRANSFER_VALUES = ['not_required', 'pending', 'completed', 'exception_approved'];

export class ApplicationStatusDto {
  @ApiProperty() applicationRef: string;
  @ApiProperty({ enum: PARTY_TRANSFER_VALUES }) partyTransfer: string;
  @ApiPropertyOptional({ format: 'uuid', description: '对应的党组织关系接转案件' }) caseId?: string;
  @ApiProperty({
    enum: ['practice', 'firm_transfer', 'practice_cancellation', 'firm_establishment', 'branch_office'],
    description: '申请类别：执业、转所、注销执业、设立律师事务所、设立分所',
  })
  kind: string;
  @ApiPropertyOptional({ example: 'membership-transfer', description: '案件的流程' }) workflow?: string;
  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }],
    description: '案件当前环节（状态值；并行环节为对象）',
  })
  caseState?: unknown;
  @ApiPropertyOptional({ enum: ['open', 'closed'] }) caseStatus?: string;
  @ApiPropertyOptional({ format: 'uuid' }) memberId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: '原律师事务所' }) firmId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: '转入的律师事务所' }) toFirmId?: string;
  @ApiPropertyOptional({ format: 'date-time' }) appliedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) approvedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) withdrawnAt?: string;
  @ApiProperty({ format: 'date-time', description: '申请或其案件最近一次变化' }) updatedAt: string;
  @ApiPropertyOptional({ description: '执业（转所）批准后须在此日前完成党组织关系接转（6个月）' })
  sixMonthDueAt?: string;
  @ApiProperty({
    description: '执业（转所）批准已满6个月而党组织关系仍未接转完成：该律师的年度考核应暂缓',
  })
  assessmentDeferred: boolean;
}

export class DeliveriesQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  applicationRef?: string;

  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'dead'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'dead'])
  status?: string;
}
