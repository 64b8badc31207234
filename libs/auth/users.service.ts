import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { LoginEventsRepository, LoginOutcome } from './login-events.repository';
import { LOGIN_REASONS, normalizeAddress } from './auth.service';
import { hashPassword } from './passwords';
import { isAdmin, Principal, RoleAssignment } from './principal';
import { UserRecord, UsersRepository } from './users.repository';

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  roles: RoleAssignment[];
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  passwordChangedAt: Date | null;
  /** When the lockout after too many failed logins ends; null when the account is not locked. */
  lockedUntil: Date | null;
}

const view = (u: UserRecord, lockedUntil: Date | null = null): UserView => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  roles: u.roles,
  disabled: u.disabled,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
  passwordChangedAt: u.passwordChangedAt,
  lockedUntil,
});

/**
 * User management. Admins manage everyone. A clerk of a city committee manages the users whose every role is
 * a clerk role at an organization strictly below its committee, and may give them only such roles: not
 * itself, not its peers at the committee, not a supervisor or organization-department user placed in its
 * subtree. Everyone else is refused (403). Users outside the manager's reach look as if they did not exist
 * (404). Nobody resets their own password here: that is POST /auth/password, which asks for the current one.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly logins: LoginEventsRepository,
    private readonly config: AppConfig,
  ) {}

  async list(principal: Principal): Promise<UserView[]> {
    return this.withLocks(await this.managedUsers(principal));
  }

  async get(principal: Principal, id: string): Promise<UserView> {
    return this.viewOf(await this.managed(principal, id));
  }

  async create(
    principal: Principal,
    dto: { username: string; displayName: string; password: string; roles: RoleAssignment[] },
  ): Promise<UserView> {
    await this.checkRoles(await this.managedCommittees(principal), dto.roles);
    if (await this.users.credentials(dto.username))
      throw new AppError(409, 'DUPLICATE', `用户名 ${dto.username} 已被使用`, { field: 'username' });
    const id = await this.users.create({
      username: dto.username,
      displayName: dto.displayName,
      passwordHash: await hashPassword(dto.password),
      roles: dto.roles,
    });
    return this.viewOf((await this.users.byId(id))!);
  }

  async update(
    principal: Principal,
    id: string,
    dto: { displayName?: string; roles?: RoleAssignment[]; disabled?: boolean },
  ): Promise<UserView> {
    const committees = await this.managedCommittees(principal);
    await this.managed(principal, id);
    if (isSelf(principal, id) && (dto.disabled || dto.roles)) throw AppError.rule('不能停用自己的账号或修改自己的角色');
    if (dto.roles) await this.checkRoles(committees, dto.roles);
    await this.users.update(id, dto);
    return this.viewOf((await this.users.byId(id))!);
  }

  /**
   * A manager sets a new password for another user: the user's tokens stop working and a lockout is lifted.
   * Never for oneself — without the current password or the lockout a stolen token could take the account.
   */
  async resetPassword(principal: Principal, id: string, password: string, rawAddress: string | undefined) {
    if (isSelf(principal, id))
      throw AppError.rule('不能在用户管理中重置自己的密码，请通过“修改密码”办理（需输入当前密码）');
    const target = await this.managed(principal, id);
    await this.users.setPasswordHash(id, await hashPassword(password));
    await this.logins.record({
      username: target.username,
      userId: id,
      address: normalizeAddress(rawAddress),
      outcome: 'password_reset',
      reason: LOGIN_REASONS.resetBy(principal.username),
    });
    return this.viewOf((await this.users.byId(id))!);
  }

  /**
   * The login record, newest first: everyone's for an admin; for a city committee's clerk only the records
   * of the usernames it manages (others, existing or not, are not shown). Everyone else is refused.
   */
  async loginEvents(
    principal: Principal,
    q: { username?: string; outcome?: LoginOutcome; before?: string; limit?: number },
  ) {
    const committees = await this.managedCommittees(principal, '仅管理员或市级党委党务干事可以查看登录记录');
    const usernames = committees && (await this.usersUnder(committees)).map((u) => u.username);
    const limit = q.limit ?? 50;
    const items = await this.logins.list({ ...q, usernames: usernames ?? undefined, limit });
    return { items, nextBefore: items.length === limit ? items[items.length - 1].id : null };
  }

  private async managedUsers(principal: Principal): Promise<UserRecord[]> {
    return this.usersUnder(await this.managedCommittees(principal));
  }

  /** Every user (committees null: an admin), or the users below these city committees. */
  private usersUnder(committees: string[] | null): Promise<UserRecord[]> {
    return this.users.list(committees && committees.map(strictlyBelowPattern));
  }

  private async withLocks(users: UserRecord[]): Promise<UserView[]> {
    const locked = await this.logins.lockedUntil(
      users.map((u) => u.username),
      this.config.LOGIN_LOCKOUT_SECONDS,
    );
    return users.map((u) => view(u, locked.get(u.username) ?? null));
  }

  private async viewOf(user: UserRecord): Promise<UserView> {
    return (await this.withLocks([user]))[0];
  }

  /** null: every user (admin); else the paths of the city committees the caller is a clerk of. */
  private async managedCommittees(
    principal: Principal,
    refusal = '仅管理员或市级党委党务干事可以管理用户',
  ): Promise<string[] | null> {
    if (isAdmin(principal)) return null;
    const clerkOrgs = principal.roles.filter((r) => r.role === 'clerk').map((r) => r.orgId);
    const orgs = await this.users.orgs(clerkOrgs);
    const committees = [...orgs.values()].filter((o) => o.type === 'city_committee').map((o) => o.path);
    if (!committees.length) throw AppError.forbidden(refusal);
    return committees;
  }

  private async managed(principal: Principal, id: string): Promise<UserRecord> {
    const committees = await this.managedCommittees(principal);
    const user = isUuid(id) ? await this.users.byId(id) : undefined;
    if (!user) throw AppError.notFound('用户');
    if (committees) {
      const orgs = await this.users.orgs(user.roles.map((r) => r.orgId));
      const managed =
        user.roles.length > 0 &&
        user.roles.every((r) => r.role === 'clerk' && strictlyBelow(orgs.get(r.orgId)?.path, committees));
      if (!managed) throw AppError.notFound('用户');
    }
    return user;
  }

  private async checkRoles(committees: string[] | null, roles: RoleAssignment[]) {
    const orgs = await this.users.orgs(roles.map((r) => r.orgId));
    const errors: string[] = [];
    roles.forEach((r, i) => {
      const org = orgs.get(r.orgId);
      // outside the manager's reach (its subtree below the committee) an organization looks as if it did not exist
      if (!org || (committees && !strictlyBelow(org.path, committees)))
        errors.push(`roles[${i}].orgId 所指党组织不存在或不在管辖范围内`);
      else if (committees && r.role !== 'clerk') errors.push(`roles[${i}].role 只有管理员可以授予该角色`);
    });
    if (committees && !roles.length) errors.push('至少需要一个角色');
    if (errors.length) throw AppError.validation([{ field: 'roles', errors }]);
  }
}

/** Ids arrive in any spelling (upper-case UUIDs included); the principal's is the stored lower-case one. */
const isSelf = (principal: Principal, id: string) => id.toLowerCase() === principal.userId.toLowerCase();

/** Is the organization at `path` below one of the committees, not the committee itself (materialized paths end in `/`)? */
function strictlyBelow(path: string | undefined, committees: string[]): boolean {
  return !!path && committees.some((c) => path.startsWith(c) && path.length > c.length);
}

/** The LIKE pattern of the organizations strictly below a committee: at least one more character after its path. */
const strictlyBelowPattern = (committeePath: string) => `${committeePath}_%`;
