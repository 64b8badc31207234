import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { MEMBER_STATUSES } from './registry.types';
import { IsIsoDate } from '../common/iso-date.validator';

export const ORG_TYPES = [
  'provincial_committee',
  'city_committee',
  'county_committee',
  'org_department',
  'general_branch',
  'branch',
  'joint_branch',
] as const;

export class CreateOrgDto {
  @ApiProperty({ example: '江西某某律师事务所党支部' }) @IsString() @Length(2, 100) name: string;
  @ApiProperty({ enum: ORG_TYPES }) @IsIn(ORG_TYPES) type: (typeof ORG_TYPES)[number];
  @ApiProperty() @IsUUID() parentId: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) county?: string;
  @ApiPropertyOptional({ example: '360702' }) @IsOptional() @Matches(/^\d{6}$/) regionCode?: string;
}

export class CreateFirmDto {
  @ApiProperty({ example: '江西某某律师事务所' }) @IsString() @Length(2, 100) name: string;
  @ApiProperty({ enum: ['firm', 'branch_office'] }) @IsIn(['firm', 'branch_office']) kind: 'firm' | 'branch_office';
  @ApiPropertyOptional() @IsOptional() @IsUUID() headFirmId?: string;
  @ApiProperty({ example: '章贡区' }) @IsString() @Length(2, 40) county: string;
  @ApiProperty({ example: '360702' })
  @Matches(/^\d{6}$/, { message: 'regionCode 必须是 6 位行政区划代码' })
  regionCode: string;
  @ApiProperty() @IsString() @Length(2, 40) directorName: string;
  @ApiPropertyOptional() @IsOptional() @IsIsoDate() establishedOn?: string;
}

export class CreateMemberDto {
  @ApiProperty() @IsString() @Length(2, 40) name: string;
  @ApiProperty({ description: '18 位公民身份号码' })
  @Matches(/^\d{17}[\dX]$/, { message: 'idNumber 必须是 18 位身份证号码' })
  idNumber: string;
  @ApiProperty() @IsIsoDate() birthDate: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\d{17}$/, { message: 'licenseNo 必须是 17 位执业证号' })
  licenseNo?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() firmId?: string;
  @ApiProperty() @IsUUID() orgId: string;
  @ApiProperty({ enum: MEMBER_STATUSES }) @IsIn(MEMBER_STATUSES) status: (typeof MEMBER_STATUSES)[number];
  @ApiPropertyOptional({ enum: ['male', 'female'] }) @IsOptional() @IsIn(['male', 'female']) gender?: string;
}

export const FIRM_COVERAGES = ['branch', 'joint_branch', 'instructor', 'none'];

export class FirmQueryDto {
  @ApiPropertyOptional({ description: '县（区）名称' }) @IsOptional() @IsString() @MaxLength(40) county?: string;
  @ApiPropertyOptional({ enum: FIRM_COVERAGES, description: '党组织覆盖方式' })
  @IsOptional()
  @IsIn(FIRM_COVERAGES)
  coverage?: string;
}

/** Which members: the list's filter (MemberQueryDto adds its paging), and the roster export's whole query. */
export class MemberRosterQueryDto {
  @ApiPropertyOptional({ description: '只看该党组织的党员' }) @IsOptional() @IsUUID() orgId?: string;
  @ApiPropertyOptional({ enum: MEMBER_STATUSES }) @IsOptional() @IsIn(MEMBER_STATUSES) status?: string;
  @ApiPropertyOptional({ description: '姓名的一部分、完整的执业证号或完整的身份证号' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  q?: string;
}

export class MemberQueryDto extends MemberRosterQueryDto {
  @ApiPropertyOptional({ description: '仅管理员：只列出与其他党员身份证号或执业证号重复、待核实合并的登记' })
  @IsOptional()
  @IsIn(['true', 'false'])
  duplicates?: 'true' | 'false';
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) pageSize?: number;
}
