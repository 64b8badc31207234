import { Body, Controller, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { UsersService } from '../../libs/auth/users.service';
import { CreateUserDto, ResetPasswordDto, UpdateUserDto, UserDto } from './dto/user.dto';
import { ApiErrors } from './api-errors.decorator';

const WHO = '管理员管理全部用户；市级律师行业党委的党务干事管理其下级组织的用户（只能授予其辖区内的 clerk 角色）。';

@ApiTags('users')
@ApiBearerAuth()
@ApiResponse({ status: 403, description: '既非管理员也非市级党委党务干事（FORBIDDEN）' })
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: '用户列表', description: WHO })
  @ApiOkResponse({ type: [UserDto] })
  list(@CurrentUser() p: Principal) {
    return this.users.list(p);
  }

  @Get(':id')
  @ApiOperation({ summary: '用户详情' })
  @ApiOkResponse({ type: UserDto })
  @ApiResponse({ status: 404, description: '不存在或不在管辖范围内（NOT_FOUND）' })
  get(@Param('id') id: string, @CurrentUser() p: Principal) {
    return this.users.get(p, id);
  }

  @Post()
  @ApiOperation({ summary: '新建用户', description: WHO })
  @ApiCreatedResponse({ type: UserDto })
  @ApiResponse({ status: 400, description: '字段无效，或角色所在组织不在管辖范围内（VALIDATION_FAILED）' })
  @ApiResponse({ status: 409, description: '用户名已被使用（DUPLICATE）' })
  create(@Body() dto: CreateUserDto, @CurrentUser() p: Principal) {
    return this.users.create(p, dto);
  }

  @Patch(':id')
  @ApiOperation({
    summary: '修改用户（显示名、角色、停用）',
    description: `${WHO} roles 整体替换；停用后该用户已签发的令牌立即失效。不能停用自己或修改自己的角色（422）。`,
  })
  @ApiOkResponse({ type: UserDto })
  @ApiResponse({ status: 404, description: '不存在或不在管辖范围内（NOT_FOUND）' })
  @ApiErrors(400)
  @ApiResponse({ status: 422, description: '不能停用自己的账号或修改自己的角色（RULE_VIOLATION）' })
  update(@Param('id') id: string, @Body() dto: UpdateUserDto, @CurrentUser() p: Principal) {
    return this.users.update(p, id, dto);
  }

  @Post(':id/password')
  @HttpCode(200)
  @ApiOperation({
    summary: '重置用户密码',
    description: `${WHO} 该用户已签发的令牌立即失效，登录锁定随之解除。`,
  })
  @ApiOkResponse({ type: UserDto })
  @ApiResponse({ status: 404, description: '不存在或不在管辖范围内（NOT_FOUND）' })
  @ApiErrors(400)
  @ApiResponse({ status: 422, description: '不能在用户管理中重置自己的密码（RULE_VIOLATION）' })
  resetPassword(
    @Param('id') id: string,
    @Body() dto: ResetPasswordDto,
    @CurrentUser() p: Principal,
    @Req() req: Request,
  ) {
    return this.users.resetPassword(p, id, dto.password, req.ip);
  }
}
