import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../config/app-config';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { LoginEventsRepository } from './login-events.repository';
import { dummyHash, hashPassword, verifyPassword } from './passwords';
import type { Principal } from './principal';
import { UsersRepository } from './users.repository';

export interface TokenClaims {
  sub: string;
  username: string;
  /** The user's token version when the token was issued: a password change, reset or disable bumps it. */
  ver?: number;
}

const tooMany = (seconds: number, message: string) => {
  const retryAfter = Math.max(1, Math.ceil(seconds));
  return new AppError(
    429,
    'TOO_MANY_ATTEMPTS',
    message,
    { retryAfterSeconds: retryAfter },
    {
      'Retry-After': String(retryAfter),
    },
  );
};

/** `::ffff:127.0.0.1` and `127.0.0.1` are one address. */
export const normalizeAddress = (address: string | undefined) =>
  (address ?? 'unknown').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

/**
 * Password login with throttling and lockout, and JWT issue/verification. The principal (roles, disabled,
 * token version) is re-read on every request, so a disabled user or a changed password takes effect at once.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly logins: LoginEventsRepository,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Throttled per address (LOGIN_MAX_FAILURES_PER_ADDRESS failures in the window) and per username
   * (LOGIN_MAX_FAILURES failures in a row lock it for LOGIN_LOCKOUT_SECONDS), whether or not the username
   * exists, so the answers do not tell which usernames are real. While throttled the password is not even
   * checked: the right one does not get in either.
   */
  async login(
    username: string,
    password: string,
    rawAddress: string | undefined,
  ): Promise<{ accessToken: string; user: Principal }> {
    const address = normalizeAddress(rawAddress);
    const c = this.config;
    const byAddress = await this.logins.addressFailures(address, c.LOGIN_WINDOW_SECONDS);
    if (byAddress.count >= c.LOGIN_MAX_FAILURES_PER_ADDRESS) {
      await this.logins.record({ username, userId: null, address, outcome: 'throttled', reason: 'address' });
      throw tooMany(byAddress.oldestLeavesIn, '登录失败次数过多，请稍后再试');
    }
    const standing = await this.logins.usernameStanding(username, c.LOGIN_WINDOW_SECONDS, c.LOGIN_LOCKOUT_SECONDS);
    const creds = await this.users.credentials(username);
    if (standing.lockedFor !== null) {
      await this.logins.record({
        username,
        userId: creds?.id ?? null,
        address,
        outcome: 'throttled',
        reason: 'locked',
      });
      throw tooMany(standing.lockedFor, '该账号因连续登录失败已被暂时锁定，请稍后再试或联系管理员重置密码');
    }
    const { ok, rehash } = await verifyPassword(creds?.passwordHash ?? (await dummyHash()), password);
    if (!creds || !ok) {
      if (standing.failures + 1 >= c.LOGIN_MAX_FAILURES) {
        await this.logins.record({
          username,
          userId: creds?.id ?? null,
          address,
          outcome: 'lockout',
          reason: `${standing.failures + 1} failures in a row`,
        });
        throw tooMany(c.LOGIN_LOCKOUT_SECONDS, '连续登录失败次数过多，该账号已被暂时锁定');
      }
      await this.logins.record({ username, userId: creds?.id ?? null, address, outcome: 'failure', reason: null });
      throw new AppError(401, 'INVALID_CREDENTIALS', '用户名或密码错误');
    }
    if (creds.disabled) {
      await this.logins.record({ username, userId: creds.id, address, outcome: 'disabled', reason: null });
      throw new AppError(403, 'ACCOUNT_DISABLED', '该账号已停用，请联系管理员');
    }
    // a legacy bcrypt hash (or weaker argon2 parameters) is replaced now that the password is known
    if (rehash) await this.users.setPasswordHash(creds.id, await hashPassword(password), { keepTokens: true });
    await this.logins.record({ username, userId: creds.id, address, outcome: 'success', reason: null });
    return this.issue(creds.id);
  }

  /** Changes one's own password; the current one is checked under the same lockout as logins. */
  async changePassword(principal: Principal, current: string, next: string, rawAddress: string | undefined) {
    const address = normalizeAddress(rawAddress);
    const c = this.config;
    const standing = await this.logins.usernameStanding(
      principal.username,
      c.LOGIN_WINDOW_SECONDS,
      c.LOGIN_LOCKOUT_SECONDS,
    );
    if (standing.lockedFor !== null) throw tooMany(standing.lockedFor, '该账号因连续密码错误已被暂时锁定，请稍后再试');
    const creds = await this.users.credentials(principal.username);
    if (!creds) throw new AppError(401, 'UNAUTHORIZED', '访问令牌无效或已过期');
    const { ok } = await verifyPassword(creds.passwordHash, current);
    if (!ok) {
      const lock = standing.failures + 1 >= c.LOGIN_MAX_FAILURES;
      await this.logins.record({
        username: principal.username,
        userId: creds.id,
        address,
        outcome: lock ? 'lockout' : 'failure',
        reason: 'password change: wrong current password',
      });
      throw AppError.validation([{ field: 'current', errors: ['当前密码不正确'] }], '当前密码不正确');
    }
    if (current === next) throw AppError.validation([{ field: 'next', errors: ['新密码不能与当前密码相同'] }]);
    await this.users.setPasswordHash(creds.id, await hashPassword(next));
    await this.logins.record({
      username: principal.username,
      userId: creds.id,
      address,
      outcome: 'password_changed',
      reason: null,
    });
    // the old tokens stopped working; the caller continues with this one
    return this.issue(creds.id);
  }

  async verify(token: string): Promise<Principal | null> {
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(token);
    } catch {
      return null;
    }
    // outside the try: a database that is down is a 503, not "your token is invalid" (clients would sign out)
    return this.principal(claims.sub, claims.ver ?? 0);
  }

  /** The active principal of a user, or null when unknown, disabled, or `tokenVersion` is outdated. */
  async principal(userId: string, tokenVersion?: number): Promise<Principal | null> {
    if (!isUuid(userId)) return null;
    const user = await this.users.byId(userId);
    if (!user || user.disabled) return null;
    if (tokenVersion !== undefined && tokenVersion !== user.tokenVersion) return null;
    return { userId: user.id, username: user.username, displayName: user.displayName, roles: user.roles };
  }

  private async issue(userId: string): Promise<{ accessToken: string; user: Principal }> {
    const user = await this.users.byId(userId);
    const principal = (await this.principal(userId))!;
    const claims: TokenClaims = { sub: user!.id, username: user!.username, ver: user!.tokenVersion };
    return { accessToken: await this.jwt.signAsync(claims), user: principal };
  }
}
