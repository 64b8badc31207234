import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { LoginEventsRepository, LoginOutcome } from './login-events.repository';
import { normalizeAddress } from './auth.service';
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
}

const view = (u: UserRecord): UserView => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  roles: u.roles,
  disabled: u.disabled,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
  passwordChangedAt: u.passwordChangedAt,
});

/**
 * User management. Admins manage everyone. A clerk of a city committee manages the users whose every role
 * lies in its subtree, and may give them only clerk roles there; everyone else is refused (403). Users
 * outside the manager's reach look as if they did not exist (404).
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly logins: LoginEventsRepository,
  ) {}

  async list(principal: Principal): Promise<UserView[]> {
    return (await this.users.list(await this.managedPrefixes(principal))).map(view);
  }

  async get(principal: Principal, id: string): Promise<UserView> {
    return view(await this.managed(principal, id));
  }

  async create(
    principal: Principal,
    dto: { username: string; displayName: string; password: string; roles: RoleAssignment[] },
  ): Promise<UserView> {
    const prefixes = await this.managedPrefixes(principal);
    await this.checkRoles(prefixes, dto.roles);
    if (await this.users.credentials(dto.username))
      throw new AppError(409, 'DUPLICATE', `用户名 ${dto.username} 已被使用`, { field: 'username' });
    const id = await this.users.create({
      username: dto.username,
      displayName: dto.displayName,
      passwordHash: await hashPassword(dto.password),
      roles: dto.roles,
    });
    return view((await this.users.byId(id))!);
  }

  async update(
    principal: Principal,
    id: string,
    dto: { displayName?: string; roles?: RoleAssignment[]; disabled?: boolean },
  ): Promise<UserView> {
    const prefixes = await this.managedPrefixes(principal);
    await this.managed(principal, id);
    if (id === principal.userId && (dto.disabled || dto.roles))
      throw AppError.rule('不能停用自己的账号或修改自己的角色');
    if (dto.roles) await this.checkRoles(prefixes, dto.roles);
    await this.users.update(id, dto);
    return view((await this.users.byId(id))!);
  }

  /** An administrator sets a new password: the user's tokens stop working and a lockout is lifted. */
  async resetPassword(principal: Principal, id: string, password: string, rawAddress: string | undefined) {
    const target = await this.managed(principal, id);
    await this.users.setPasswordHash(id, await hashPassword(password));
    await this.logins.record({
      username: target.username,
      userId: id,
      address: normalizeAddress(rawAddress),
      outcome: 'password_reset',
      reason: `by ${principal.username}`,
    });
    return view((await this.users.byId(id))!);
  }

  /** The login record, newest first (admins only). */
  async loginEvents(
    principal: Principal,
    q: { username?: string; outcome?: LoginOutcome; before?: string; limit?: number },
  ) {
    if (!isAdmin(principal)) throw AppError.forbidden('仅管理员可以查看登录记录');
    const limit = q.limit ?? 50;
    const items = await this.logins.list({ ...q, limit });
    return { items, nextBefore: items.length === limit ? items[items.length - 1].id : null };
  }

  /** null: every user (admin); else the subtree prefixes of the city committees the caller is a clerk of. */
  private async managedPrefixes(principal: Principal): Promise<string[] | null> {
    if (isAdmin(principal)) return null;
    const clerkOrgs = principal.roles.filter((r) => r.role === 'clerk').map((r) => r.orgId);
    const orgs = await this.users.orgs(clerkOrgs);
    const prefixes = [...orgs.values()].filter((o) => o.type === 'city_committee').map((o) => `${o.path}%`);
    if (!prefixes.length) throw AppError.forbidden('仅管理员或市级党委党务干事可以管理用户');
    return prefixes;
  }

  private async managed(principal: Principal, id: string): Promise<UserRecord> {
    const prefixes = await this.managedPrefixes(principal);
    const user = isUuid(id) ? await this.users.byId(id) : undefined;
    if (!user) throw AppError.notFound('用户');
    if (prefixes) {
      const orgs = await this.users.orgs(user.roles.map((r) => r.orgId));
      const inside =
        user.roles.length > 0 &&
        user.roles.every((r) => prefixes.some((p) => orgs.get(r.orgId)?.path.startsWith(p.slice(0, -1))));
      if (!inside) throw AppError.notFound('用户');
    }
    return user;
  }

  private async checkRoles(prefixes: string[] | null, roles: RoleAssignment[]) {
    const orgs = await this.users.orgs(roles.map((r) => r.orgId));
    const errors: string[] = [];
    roles.forEach((r, i) => {
      const org = orgs.get(r.orgId);
      // outside the manager's subtree an organization looks as if it did not exist
      if (!org || (prefixes && !prefixes.some((p) => org.path.startsWith(p.slice(0, -1)))))
        errors.push(`roles[${i}].orgId 所指党组织不存在或不在管辖范围内`);
      else if (prefixes && r.role !== 'clerk') errors.push(`roles[${i}].role 只有管理员可以授予 ${r.role} 角色`);
    });
    if (prefixes && !roles.length) errors.push('至少需要一个角色');
    if (errors.length) throw AppError.validation([{ field: 'roles', errors }]);
  }
}
