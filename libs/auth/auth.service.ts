import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import bcrypt from 'bcryptjs';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import type { Principal } from './principal';

const DUMMY_HASH = bcrypt.hashSync('partyflow-no-such-user', 10);

export interface TokenClaims {
  sub: string;
  username: string;
}

/** Password login and JWT issue/verification; the principal's roles are re-read on every request. */
@Injectable()
export class AuthService {
  constructor(
    private readonly ds: DataSource,
    private readonly jwt: JwtService,
  ) {}

  async login(username: string, password: string): Promise<{ accessToken: string; user: Principal }> {
    const [row] = await this.ds.query(`SELECT id, password_hash FROM users WHERE username = $1`, [username]);
    // compare against a dummy hash when the user is unknown, so timing does not reveal which usernames exist
    const ok = await bcrypt.compare(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok) throw new AppError(401, 'INVALID_CREDENTIALS', '用户名或密码错误');
    const user = (await this.principal(row.id))!;
    return {
      accessToken: await this.jwt.signAsync({ sub: user.userId, username: user.username } satisfies TokenClaims),
      user,
    };
  }

  async verify(token: string): Promise<Principal | null> {
    try {
      const claims = await this.jwt.verifyAsync<TokenClaims>(token);
      return await this.principal(claims.sub);
    } catch {
      return null;
    }
  }

  async principal(userId: string): Promise<Principal | null> {
    const rows: { id: string; username: string; display_name: string; role: string | null; org_id: string | null }[] =
      await this.ds.query(
        `SELECT u.id, u.username, u.display_name, r.role, r.org_id FROM users u LEFT JOIN role_assignments r ON r.user_id = u.id WHERE u.id = $1`,
        [userId],
      );
    if (!rows.length) return null;
    return {
      userId: rows[0].id,
      username: rows[0].username,
      displayName: rows[0].display_name,
      roles: rows.filter((r) => r.role).map((r) => ({ role: r.role as any, orgId: r.org_id! })),
    };
  }

  static hash(password: string): string {
    return bcrypt.hashSync(password, 10);
  }
}
