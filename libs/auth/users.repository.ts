import { Injectable } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { Role } from '../../workflows/kernel/definition';
import type { RoleAssignment } from './principal';

export interface UserCredentials {
  id: string;
  passwordHash: string;
  disabled: boolean;
}

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  disabled: boolean;
  tokenVersion: number;
  roles: RoleAssignment[];
  createdAt: Date;
  updatedAt: Date;
  passwordChangedAt: Date | null;
}

const USER_COLS = `u.id, u.username, u.display_name AS "displayName", u.disabled, u.token_version AS "tokenVersion",
  u.created_at AS "createdAt", u.updated_at AS "updatedAt", u.password_changed_at AS "passwordChangedAt",
  coalesce((SELECT json_agg(json_build_object('role', r.role, 'orgId', r.org_id) ORDER BY r.role, r.org_id)
     FROM role_assignments r WHERE r.user_id = u.id), '[]'::json) AS roles`;

/** What a subscriber to user changes hears: a user changed (by id), or the subscription broke (changes may be missed). */
export interface UserChangeHandlers {
  changed(userId: string): void;
  lost(error: Error): void;
}

/** Channel on which triggers announce every change of `users` and `role_assignments` (payload: the user's id). */
const USER_CHANGED_CHANNEL = 'pf_user_changed';

/** Users and their role assignments (the `users` and `role_assignments` tables). */
@Injectable()
export class UsersRepository {
  constructor(private readonly ds: DataSource) {}

  private readonly writeListeners: ((userId: string) => void)[] = [];

  /** Called after this process changed a user (the trigger's announcement reaches other processes). */
  onWrite(listener: (userId: string) => void) {
    this.writeListeners.push(listener);
  }

  private wrote(userId: string) {
    for (const listener of this.writeListeners) listener(userId);
  }

  /**
   * Listens for changed users on a connection of its own (LISTEN holds it: never a pooled one). Resolves once
   * listening, with the function that stops; `lost` is called at most once when the connection breaks.
   */
  async listenForChanges(handlers: UserChangeHandlers): Promise<() => Promise<void>> {
    const client = new Client({
      connectionString: (this.ds.options as { url?: string }).url,
      application_name: 'partyflow-user-changes',
    });
    let stopped = false;
    let lost = false;
    const lose = (e: Error) => {
      if (stopped || lost) return;
      lost = true;
      handlers.lost(e);
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error('user change listener connection ended')));
    client.on('notification', (n) => {
      if (n.channel === USER_CHANGED_CHANNEL && n.payload) handlers.changed(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${USER_CHANGED_CHANNEL}`);
    } catch (e) {
      stopped = true;
      await client.end().catch(() => undefined);
      throw e;
    }
    return async () => {
      stopped = true;
      await client.end().catch(() => undefined);
    };
  }

  async credentials(username: string): Promise<UserCredentials | undefined> {
    const [row] = await this.ds.query(
      `SELECT id, password_hash AS "passwordHash", disabled FROM users WHERE username = $1`,
      [username],
    );
    return row;
  }

  async byId(id: string): Promise<UserRecord | undefined> {
    const [row] = await this.ds.query(`SELECT ${USER_COLS} FROM users u WHERE u.id = $1`, [id]);
    return row;
  }

  /**
   * Every user (`clerkPatterns` null), or the users whose every role is a clerk role at an organization whose
   * path matches one of the LIKE patterns (and who have at least one role): the users a city committee's clerk
   * manages.
   */
  async list(clerkPatterns: string[] | null): Promise<UserRecord[]> {
    return this.ds.query(
      `SELECT ${USER_COLS} FROM users u
        WHERE $1::text[] IS NULL OR (
          EXISTS (SELECT 1 FROM role_assignments r WHERE r.user_id = u.id)
          AND NOT EXISTS (SELECT 1 FROM role_assignments r JOIN orgs o ON o.id = r.org_id
                           WHERE r.user_id = u.id AND NOT (r.role = 'clerk' AND o.path LIKE ANY($1::text[]))))
        ORDER BY u.username`,
      [clerkPatterns],
    );
  }

  /** Materialized paths and types of organizations, by id (missing ids are absent from the map). */
  async orgs(ids: string[]): Promise<Map<string, { path: string; type: string }>> {
    if (!ids.length) return new Map();
    const rows: { id: string; path: string; type: string }[] = await this.ds.query(
      `SELECT id, path, type FROM orgs WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { path: r.path, type: r.type }]));
  }

  async create(u: { username: string; displayName: string; passwordHash: string; roles: RoleAssignment[] }) {
    return this.ds.transaction(async (em) => {
      const [row] = await em.query(
        `INSERT INTO users (username, display_name, password_hash, password_changed_at) VALUES ($1, $2, $3, now()) RETURNING id`,
        [u.username, u.displayName, u.passwordHash],
      );
      await this.replaceRoles(em, row.id, u.roles);
      return row.id as string;
    });
  }

  /** Applies the given changes; disabling also bumps the token version, so the user's tokens stop working. */
  async update(id: string, changes: { displayName?: string; disabled?: boolean; roles?: RoleAssignment[] }) {
    await this.ds.transaction(async (em) => {
      await em.query(
        `UPDATE users SET display_name = coalesce($2, display_name), disabled = coalesce($3, disabled),
           token_version = token_version + CASE WHEN $3 AND NOT disabled THEN 1 ELSE 0 END, updated_at = now()
         WHERE id = $1`,
        [id, changes.displayName ?? null, changes.disabled ?? null],
      );
      if (changes.roles) await this.replaceRoles(em, id, changes.roles);
    });
    this.wrote(id);
  }

  /** A new password: tokens issued before it stop working unless `keepTokens` (an upgrade of the same password). */
  async setPasswordHash(id: string, passwordHash: string, opts: { keepTokens?: boolean } = {}) {
    await this.ds.query(
      opts.keepTokens
        ? `UPDATE users SET password_hash = $2 WHERE id = $1`
        : `UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now(), token_version = token_version + 1 WHERE id = $1`,
      [id, passwordHash],
    );
    this.wrote(id);
  }

  private async replaceRoles(em: EntityManager, userId: string, roles: RoleAssignment[]) {
    await em.query(`DELETE FROM role_assignments WHERE user_id = $1`, [userId]);
    const unique = [...new Map(roles.map((r) => [`${r.role}/${r.orgId}`, r])).values()];
    if (unique.length)
      await em.query(
        `INSERT INTO role_assignments (user_id, role, org_id) SELECT $1, x.role, x.org_id FROM unnest($2::text[], $3::uuid[]) AS x(role, org_id)`,
        [userId, unique.map((r) => r.role satisfies Role), unique.map((r) => r.orgId)],
      );
  }
}
