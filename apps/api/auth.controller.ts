import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser, Public } from '../../libs/auth/auth.guard';
import { AuthService, QUEUE_BOARD_SESSION_SECONDS } from '../../libs/auth/auth.service';
import { isAdmin, type Principal } from '../../libs/auth/principal';
import { AppError } from '../../libs/common/app-error';
import { Clock } from '../../libs/engine/clock';
import { BULL_BOARD_PATH, QUEUE_BOARD_COOKIE } from '../../libs/timers/bull-board';
import { UsersService } from '../../libs/auth/users.service';
import { LoginDto } from './dto/case.dto';
import { ChangePasswordDto, LoginEventPageDto, LoginEventQueryDto, MeDto, TokenDto } from './dto/user.dto';
import { ApiErrors } from './api-errors.decorator';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: '登录，取得访问令牌' })
  @ApiOkResponse({ type: TokenDto })
  @ApiErrors(400)
  @ApiResponse({ status: 401, description: '用户名或密码错误（INVALID_CREDENTIALS）' })
  @ApiResponse({ status: 403, description: '账号已停用（ACCOUNT_DISABLED）' })
  @ApiResponse({
    status: 429,
    description: '同一用户名连续失败被锁定，或同一地址失败过多（TOO_MANY_ATTEMPTS，带 Retry-After 秒数）',
  })
  async token(@Body() dto: LoginDto, @Req() req: Request): Promise<TokenDto> {
    const { accessToken, user } = await this.auth.login(dto.username, dto.password, req.ip);
    return { accessToken, user: presentUser(user, this.clock) };
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: Principal): MeDto {
    return presentUser(user, this.clock);
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
    return { accessToken, user: presentUser(user, this.clock) };
  }

  @ApiBearerAuth()
  @Post('queue-board-session')
  @HttpCode(204)
  @ApiOperation({
    summary: '打开任务队列看板（仅管理员）',
    description: `设置一个仅用于 ${BULL_BOARD_PATH} 的会话 Cookie（HttpOnly、SameSite=Strict、${QUEUE_BOARD_SESSION_SECONDS / 60} 分钟后失效），之后浏览器即可打开 ${BULL_BOARD_PATH}。看板不接受 URL 中的令牌。`,
  })
  @ApiNoContentResponse({ description: '已设置看板会话 Cookie' })
  @ApiResponse({ status: 403, description: '非管理员（FORBIDDEN）' })
  async queueBoardSession(
    @CurrentUser() principal: Principal,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    if (!isAdmin(principal)) throw new AppError(403, 'FORBIDDEN', '仅管理员可查看队列');
    res.cookie(QUEUE_BOARD_COOKIE, await this.auth.issueQueueBoardSession(principal), {
      httpOnly: true,
      sameSite: 'strict',
      path: BULL_BOARD_PATH,
      maxAge: QUEUE_BOARD_SESSION_SECONDS * 1000,
      // behind a TLS-terminating proxy (TRUST_PROXY) req.secure is true and the cookie never travels in clear
      secure: req.secure,
    });
  }

  @ApiBearerAuth()
  @Get('logins')
  @ApiOperation({
    summary: '登录记录',
    description:
      '每一次登录成功、失败、锁定、限流拒绝、停用账号登录，以及密码修改与重置，按时间倒序；用 before=nextBefore 翻页。管理员看全部；市级律师行业党委的党务干事只看其管理的用户（见用户管理）的记录。',
  })
  @ApiOkResponse({ type: LoginEventPageDto })
  @ApiErrors(400)
  @ApiResponse({ status: 403, description: '既非管理员也非市级党委党务干事（FORBIDDEN）' })
  logins(@Query() q: LoginEventQueryDto, @CurrentUser() principal: Principal) {
    return this.users.loginEvents(principal, q);
  }
}

export const presentUser = (u: Principal, clock: Clock): MeDto => ({
  id: u.userId,
  username: u.username,
  displayName: u.displayName,
  roles: u.roles,
  clock: { now: clock.now().toISOString(), offsetMs: clock.offset },
});
