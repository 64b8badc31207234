import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
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
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../libs/auth/passwords';

const ROLES = ['admin', 'supervisor', 'clerk', 'orgdept'] as const;
const LOGIN_OUTCOMES = [
  'success',
  'failure',
  'lockout',
  'throttled',
  'disabled',
  'password_changed',
  'password_reset',
] as const;

const passwordRule = () => [
  MinLength(PASSWORD_MIN_LENGTH, { message: `密码长度不能少于 ${PASSWORD_MIN_LENGTH} 个字符` }),
  MaxLength(PASSWORD_MAX_LENGTH, { message: `密码长度不能超过 ${PASSWORD_MAX_LENGTH} 个字符` }),
];
const Password = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  for (const d of passwordRule()) d(target, key);
};

export class RoleAssignmentDto {
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES) role: (typeof ROLES)[number];
  @ApiProperty({ format: 'uuid' }) @IsUUID() orgId: string;
}

export class CreateUserDto {
  @ApiProperty({ example: 'branch-c', description: '字母、数字、点、下划线或连字符，3–64 位' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/, { message: 'username 须为 3–64 位字母、数字、点、下划线或连字符' })
  username: string;
  @ApiProperty({ example: '某律师事务所党支部党务干事' }) @IsString() @MinLength(1) @MaxLength(100) displayName: string;
  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }) @Password() password: string;
  @ApiProperty({ type: [RoleAssignmentDto] })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RoleAssignmentDto)
  roles: RoleAssignmentDto[];
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(100) displayName?: string;
  @ApiPropertyOptional({ type: [RoleAssignmentDto], description: '替换全部角色' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RoleAssignmentDto)
  roles?: RoleAssignmentDto[];
  @ApiPropertyOptional({ description: '停用后该用户的访问令牌立即失效' }) @IsOptional() @IsBoolean() disabled?: boolean;
}

export class ResetPasswordDto {
  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }) @Password() password: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @MaxLength(PASSWORD_MAX_LENGTH) current: string;
  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }) @Password() next: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ type: [RoleAssignmentDto] }) roles: RoleAssignmentDto[];
  @ApiProperty() disabled: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) passwordChangedAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: '连续登录失败被锁定时，锁定结束的时间；未锁定为 null（重置密码即解除）',
  })
  lockedUntil: string | null;
}

/**
 * The system's clock as the signed-in user's session sees it. Deadlines, overdue days and reminders are all
 * counted on it, so the console counts "today" on it too, not on the browser's own clock.
 */
export class SystemClockDto {
  @ApiProperty({ format: 'date-time', description: '系统当前时间（期限、逾期与提醒均按此计算）' }) now: string;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: '系统时钟比服务器实际时间拨快的毫秒数：仅测试与演示环境（CLOCK_CONTROL=1）可拨动，生产环境恒为 0',
  })
  offsetMs: number;
}

export class MeDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ type: [RoleAssignmentDto] }) roles: RoleAssignmentDto[];
  @ApiProperty({ type: SystemClockDto }) clock: SystemClockDto;
}

export class TokenDto {
  @ApiProperty() accessToken: string;
  @ApiProperty({ type: MeDto }) user: MeDto;
}

export class LoginEventQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) username?: string;
  @ApiPropertyOptional({ enum: LOGIN_OUTCOMES })
  @IsOptional()
  @IsIn(LOGIN_OUTCOMES)
  outcome?: (typeof LOGIN_OUTCOMES)[number];
  @ApiPropertyOptional({ description: '翻页游标：上一页的 nextBefore' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,17}$/, { message: 'before 必须是正整数' })
  before?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class LoginEventDto {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty() username: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) userId: string | null;
  @ApiProperty({ description: '客户端地址' }) address: string;
  @ApiProperty({ enum: LOGIN_OUTCOMES }) outcome: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
}

export class LoginEventPageDto {
  @ApiProperty({ type: [LoginEventDto] }) items: LoginEventDto[];
  @ApiProperty({ nullable: true, type: String, description: '下一页游标（传给 before）；没有更多时为 null' })
  nextBefore: string | null;
}
