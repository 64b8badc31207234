import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Public } from '../../libs/auth/auth.guard';
import { AuthService } from '../../libs/auth/auth.service';
import type { Principal } from '../../libs/auth/principal';
import { LoginDto } from './dto/case.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  async token(@Body() dto: LoginDto) {
    const { accessToken, user } = await this.auth.login(dto.username, dto.password);
    return { accessToken, user: presentUser(user) };
  }

  @ApiBearerAuth()
  @Get('me')
  me(@CurrentUser() user: Principal) {
    return presentUser(user);
  }
}

export const presentUser = (u: Principal) => ({
  id: u.userId,
  username: u.username,
  displayName: u.displayName,
  roles: u.roles,
});
