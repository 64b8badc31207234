import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../common/app-error';
import { AuthService } from './auth.service';
import type { Principal } from './principal';

const PUBLIC = 'partyflow:public';
/** Marks a route as open (health, docs, login, signed webhooks). */
export const Public = () => SetMetadata(PUBLIC, true);

/** The authenticated principal of the request. */
export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest().principal,
);

/** Global guard: every route needs a valid Bearer JWT unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest();
    const header: string | undefined = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token) throw new AppError(401, 'UNAUTHORIZED', '未登录：缺少访问令牌');
    const principal = await this.auth.verify(token);
    if (!principal) throw new AppError(401, 'UNAUTHORIZED', '访问令牌无效或已过期');
    req.principal = principal;
    return true;
  }
}
