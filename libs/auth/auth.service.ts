import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../config/app-config';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { LoginEventsRepository } from './login-events.repository';
import { dummyHash, hashPassword, verifyPassword } from './passwords';
import type { Principal } from './principal';
import { UsersRepository } from './users.repository';
import { VerifiedUsersCache } from './verified-users.cache';

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

/** Audience of the queue board's session tokens: never accepted as an API access token, nor the reverse. */
export const QUEUE_BOARD_AUDIENCE = 'partyflow-queue-board';
/** Lifetime of a queue board session: long enough to look at the queues, short enough to expire unused. */
export const QUEUE_BOARD_SESSION_SECONDS = 600;

/** The login record's `reason` texts (Chinese: GET /auth/logins shows them); the codes are in `outcome`. */
export const LOGIN_REASONS = {
  address: '该地址登录失败次数过多',
  locked: '账号已被暂时锁定',
  checking: '正在核验密码',
  checkingChange: '修改密码：正在核验当前密码',
  wrongCurrent: '修改密码：当前密码不正确',
  sameNewPassword: '修改密码：当前密码正确，新密码与当前密码相同，未修改',
  lockout: (failures: number) => `连续失败 ${failures} 次`,
  resetBy: (username: string) => `由 ${username} 重置`,
};

/** Tokens remembered as verified (AuthService.verify); the memory is emptied when full. */
const VERIFIED_TOKENS_MAX = 10_000;

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
    private readonly verifiedUsers: VerifiedUsersCache,
    private readonly logins: LoginEventsRepository,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Throttled per address (LOGIN_MAX_FAILURES_PER_ADDRESS failures in the window) and per username
   * (LOGIN_MAX_FAILURES failures in a row lock it for LOGIN_LOCKOUT_SECONDS), whether or not the username
   * exists, so the answers do not tell which usernames are real. While throttled the password is not even
   * checked: the right one does not get in either. The check and the attempt's row are written under locks on
   * the address and the username (LoginEventsRepository.serialized), the row first as a failure and settled
   * once the password is checked, so concurrent guesses count against each other.
   */
  async login(
    username: string,
    password: string,
    rawAddress: string | undefined,
  ): Promise<{ accessToken: string; user: Principal }> {
    const address = normalizeAddress(rawAddress);
    const c = this.config;
    const creds = await this.users.credentials(username);
    const userId = creds?.id ?? null;
    const gate = await this.logins.serialized(username, address, async (em) => {
      const byAddress = await this.logins.addressFailures(address, c.LOGIN_WINDOW_SECONDS, em);
      if (byAddress.count >= c.LOGIN_MAX_FAILURES_PER_ADDRESS) {
        await this.logins.record(
          { username, userId, address, outcome: 'throttled', reason: LOGIN_REASONS.address },
          em,
        );
        return { refused: tooMany(byAddress.oldestLeavesIn, '登录失败次数过多，请稍后再试') };
      }
      const standing = await this.logins.usernameStanding(
        username,
        c.LOGIN_WINDOW_SECONDS,
        c.LOGIN_LOCKOUT_SECONDS,
        em,
      );
      // failures already at the limit: attempts still being checked whose lockout row is not written yet
      if (standing.lockedFor !== null || standing.failures >= c.LOGIN_MAX_FAILURES) {
        await this.logins.record({ username, userId, address, outcome: 'throttled', reason: LOGIN_REASONS.locked }, em);
        return {
          refused: tooMany(
            standing.lockedFor ?? c.LOGIN_LOCKOUT_SECONDS,
            '该账号因连续登录失败已被暂时锁定，请稍后再试或联系管理员重置密码',
          ),
        };
      }
      // counted as a failure until the password proves right: a parallel attempt sees it
      const attempt = await this.logins.record(
        { username, userId, address, outcome: 'failure', reason: LOGIN_REASONS.checking },
        em,
      );
      return { attempt, failuresBefore: standing.failures };
    });
    if ('refused' in gate) throw gate.refused;

    const { ok, rehash } = await verifyPassword(creds?.passwordHash ?? (await dummyHash()), password);
    if (!creds || !ok) {
      const failures = gate.failuresBefore + 1;
      if (failures >= c.LOGIN_MAX_FAILURES) {
        await this.logins.settle(gate.attempt, 'lockout', LOGIN_REASONS.lockout(failures));
        throw tooMany(c.LOGIN_LOCKOUT_SECONDS, '连续登录失败次数过多，该账号已被暂时锁定');
      }
      await this.logins.settle(gate.attempt, 'failure', null);
      throw new AppError(401, 'INVALID_CREDENTIALS', '用户名或密码错误');
    }
    if (creds.disabled) {
      await this.logins.settle(gate.attempt, 'disabled', null);
      throw new AppError(403, 'ACCOUNT_DISABLED', '该账号已停用，请联系管理员');
    }
    // a legacy bcrypt hash (or weaker argon2 parameters) is replaced now that the password is known
    if (rehash) await this.users.setPasswordHash(creds.id, await hashPassword(password), { keepTokens: true });
    await this.logins.settle(gate.attempt, 'success', null);
    return this.issue(creds.id);
  }

  /** Changes one's own password; the current one is checked under the same lockout as logins. */
  async changePassword(principal: Principal, current: string, next: string, rawAddress: string | undefined) {
    const address = normalizeAddress(rawAddress);
    const c = this.config;
    const creds = await this.users.credentials(principal.username);
    if (!creds) throw new AppError(401, 'UNAUTHORIZED', '访问令牌无效或已过期');
    const username = principal.username;
    // like a login: checked and recorded (as a failure until the current password proves right) one at a time
    const gate = await this.logins.serialized(username, null, async (em) => {
      const standing = await this.logins.usernameStanding(
        username,
        c.LOGIN_WINDOW_SECONDS,
        c.LOGIN_LOCKOUT_SECONDS,
        em,
      );
      if (standing.lockedFor !== null || standing.failures >= c.LOGIN_MAX_FAILURES)
        return {
          refused: tooMany(
            standing.lockedFor ?? c.LOGIN_LOCKOUT_SECONDS,
            '该账号因连续密码错误已被暂时锁定，请稍后再试',
          ),
        };
      const attempt = await this.logins.record(
        { username, userId: creds.id, address, outcome: 'failure', reason: LOGIN_REASONS.checkingChange },
        em,
      );
      return { attempt, failuresBefore: standing.failures };
    });
    if ('refused' in gate) throw gate.refused;
    const { ok } = await verifyPassword(creds.passwordHash, current);
    if (!ok) {
      const failures = gate.failuresBefore + 1;
      const lock = failures >= c.LOGIN_MAX_FAILURES;
      await this.logins.settle(
        gate.attempt,
        lock ? 'lockout' : 'failure',
        lock ? `${LOGIN_REASONS.wrongCurrent}，${LOGIN_REASONS.lockout(failures)}` : LOGIN_REASONS.wrongCurrent,
      );
      throw AppError.validation([{ field: 'current', errors: ['当前密码不正确'] }], '当前密码不正确');
    }
    if (current === next) {
      // the current password was right: not a failure
      await this.logins.settle(gate.attempt, 'success', LOGIN_REASONS.sameNewPassword);
      throw AppError.validation([{ field: 'next', errors: ['新密码不能与当前密码相同'] }]);
    }
    await this.users.setPasswordHash(creds.id, await hashPassword(next));
    await this.logins.settle(gate.attempt, 'password_changed', null);
    // the old tokens stopped working; the caller continues with this one
    return this.issue(creds.id);
  }

  /**
   * Signatures already checked, by token: verifying an HS256 token (jsonwebtoken's option and claim checks,
   * base64 and JSON decoding, the HMAC) cost about a tenth of a clerk's whole step, and a console sends the same
   * token with every request. A token's signature cannot become valid or invalid later, so only its expiry is
   * checked again on a hit; the user behind it (disabled, token version, roles) is still checked every time.
   */
  private readonly verifiedTokens = new Map<string, TokenClaims & { aud?: unknown; exp?: number }>();

  async verify(token: string): Promise<Principal | null> {
    let claims = this.verifiedTokens.get(token);
    if (claims && (claims.exp === undefined || claims.exp * 1000 <= Date.now())) {
      this.verifiedTokens.delete(token);
      claims = undefined;
    }
    if (!claims) {
      try {
        claims = await this.jwt.verifyAsync<TokenClaims & { exp?: number }>(token);
      } catch {
        return null;
      }
      if (this.verifiedTokens.size >= VERIFIED_TOKENS_MAX) this.verifiedTokens.clear();
      this.verifiedTokens.set(token, claims);
    }
    // an access token has no audience; one with an audience (the queue board's session) is for that alone
    if (claims.aud !== undefined) return null;
    // outside the try: a database that is down is a 503, not "your token is invalid" (clients would sign out)
    return this.principal(claims.sub, claims.ver ?? 0);
  }

  /**
   * A session token for the queue board (Bull Board), which a browser reaches by navigation and so cannot
   * send a Bearer header: short-lived, for the board's audience only, bound to the token version like an
   * access token (a password change ends it too).
   */
  async issueQueueBoardSession(principal: Principal): Promise<string> {
    const user = await this.users.byId(principal.userId);
    if (!user) throw new AppError(401, 'UNAUTHORIZED', '访问令牌无效或已过期');
    const claims: TokenClaims = { sub: user.id, username: user.username, ver: user.tokenVersion };
    return this.jwt.signAsync(claims, { audience: QUEUE_BOARD_AUDIENCE, expiresIn: QUEUE_BOARD_SESSION_SECONDS });
  }

  /** The principal of a queue board session token, or null (expired, forged, an access token, a stale version). */
  async verifyQueueBoardSession(token: string): Promise<Principal | null> {
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(token, { audience: QUEUE_BOARD_AUDIENCE });
    } catch {
      return null;
    }
    return this.principal(claims.sub, claims.ver ?? 0);
  }

  /** The active principal of a user, or null when unknown, disabled, or `tokenVersion` is outdated. */
  async principal(userId: string, tokenVersion?: number): Promise<Principal | null> {
    if (!isUuid(userId)) return null;
    const user = await this.verifiedUsers.byId(userId);
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
