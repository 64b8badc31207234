import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentUser, Public } from '../../libs/auth/auth.guard';
import { AuthService } from '../../libs/auth/auth.service';
import type { Principal } from '../../libs/auth/principal';
import { UsersService } from '../../libs/auth/users.service';
import { LoginDto } from './dto/case.dto';
import { ChangePasswordDto, LoginEventPageDto, LoginEventQueryDto, MeDto, TokenDto } from './dto/user.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: '登录，取得访问令牌' })
  @ApiOkResponse({ type: TokenDto })
  @ApiResponse({ status: 401, description: '用户名或密码错误（INVALID_CREDENTIALS）' })
  @ApiResponse({ status: 403, description: '账号已停用（ACCOUNT_DISABLED）' })
  @ApiResponse({
    status: 429,
    description: '同一用户名连续失败被锁定，或同一地址失败过多（TOO_MANY_ATTEMPTS，带 Retry-After 秒数）',
  })
  async token(@Body() dto: LoginDto, @Req() req: Request): Promise<TokenDto> {
    const { accessToken, user } = await this.auth.login(dto.username, dto.password, req.ip);
    return { accessToken, user: presentUser(user) };
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: Principal): MeDto {
    return presentUser(user);
  }

  @ApiBearerAuth()
  @Post('password')
  @HttpCode(200)
  @ApiOperation({
    summary: '修改本人密码',
    description: '成功后此前签发的令牌全部失效；响应带一个新令牌。当前密码错误计入登录失败次数。',
  })
  @ApiOkResponse({ type: TokenDto })
  @ApiResponse({ status: 400, description: '当前密码不正确，或新密码不符合要求（VALIDATION_FAILED）' })
  @ApiResponse({ status: 429, description: '连续失败已被锁定（TOO_MANY_ATTEMPTS）' })
  async password(@Body() dto: ChangePasswordDto, @CurrentUser() principal: Principal, @Req() req: Request) {
    const { accessToken, user } = await this.auth.changePassword(principal, dto.current, dto.next, req.ip);
    return { accessToken, user: presentUser(user) };
  }

  @ApiBearerAuth()
  @Get('logins')
  @ApiOperation({
    summary: '登录记录（仅管理员）',
    description:
      '每一次登录成功、失败、锁定、限流拒绝、停用账号登录，以及密码修改与重置，按时间倒序；用 before=nextBefore 翻页。',
  })
  @ApiOkResponse({ type: LoginEventPageDto })
  @ApiResponse({ status: 403, description: '非管理员（FORBIDDEN）' })
  logins(@Query() q: LoginEventQueryDto, @CurrentUser() principal: Principal) {
    return this.users.loginEvents(principal, q);
  }
}

export const presentUser = (u: Principal): MeDto => ({
  id: u.userId,
  username: u.username,
  displayName: u.displayName,
  roles: u.roles,
});
