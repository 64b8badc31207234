import { Injectable, Logger } from '@nestjs/common';
import { hashPassword } from '../auth/passwords';
import { DataSource, EntityManager } from 'typeorm';
import { IdNumberCipher } from '../common/id-number-cipher';
import { buildDemoRegion, DEMO_REFERENCE_DATE, DemoRegion } from './demo-region';

/**
 * When the demo's members were entered into the registry: the region's reference date, on or before which every
 * one of them joined the party (demo-region.ts). So no timeline shows 登记入党员信息库 before the member's 入党日期,
 * and every member is registered before any meeting a demo case or a test records (a meeting's voters are the
 * members registered by its day).
 */
const DEMO_REGISTERED_AT = `${DEMO_REFERENCE_DATE}T09:00:00+08:00`;

export const DEMO_PASSWORD = 'demo';

/** Seeds the Ganzhou demo region into an empty database (DEMO=1 only). Idempotent: a non-empty registry is left alone. */
@Injectable()
export class DemoSeeder {
  private readonly logger = new Logger('Demo');

  constructor(
    private readonly ds: DataSource,
    private readonly idNumbers: IdNumberCipher,
  ) {}

  async seedIfEmpty(): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      // serialize concurrent starters (api and worker processes booting together)
      await em.query(`SELECT pg_advisory_xact_lock(727002)`);
      const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM orgs`);
      if (n > 0) return false;
      const region = buildDemoRegion();
      await insertRegion(em, region, await hashPassword(DEMO_PASSWORD), this.idNumbers);
      this.logger.log(
        `已写入演示数据：${region.orgs.length} 个党组织、${region.firms.length} 家律师事务所、${region.members.length} 名党员、${region.users.length} 个用户（密码均为 ${DEMO_PASSWORD}）`,
      );
      return true;
    });
  }
}

/**
 * Inserts a region in dependency order (firms ↔ members reference each other, so links are filled last), the
 * members' ID numbers sealed and indexed with `idNumbers` like every other registration.
 */
export async function insertRegion(
  em: EntityManager,
  region: DemoRegion,
  passwordHash: string,
  idNumbers: IdNumberCipher,
): Promise<void> {
  const pathOf = new Map<string, string>();
  for (const o of region.orgs) {
    const path = `${o.parentId ? pathOf.get(o.parentId) : '/'}${o.id}/`;
    pathOf.set(o.id, path);
  }
  await bulkInsert(
    em,
    'orgs',
    ['id', 'name', 'type', 'parent_id', 'path', 'region_code', 'county'],
    region.orgs.map((o) => [o.id, o.name, o.type, o.parentId, pathOf.get(o.id), o.regionCode, o.county ?? null]),
  );
  await bulkInsert(
    em,
    'firms',
    [
      'id',
      'name',
      'kind',
      'head_firm_id',
      'county',
      'region_code',
      'director_name',
      'party_org_id',
      'coverage',
      'established_on',
      'uncovered_since',
    ],
    region.firms.map((f) => [
      f.id,
      f.name,
      f.kind,
      f.headFirmId ?? null,
      f.county,
      f.regionCode,
      f.directorName,
      f.partyOrgId ?? null,
      f.coverage,
      f.establishedOn,
      f.coverage === 'none' ? f.establishedOn : null,
    ]),
  );
  await bulkInsert(
    em,
    'members',
    [
      'id',
      'name',
      'gender',
      'id_number',
      'id_number_blind_index',
      'birth_date',
      'license_no',
      'firm_id',
      'org_id',
      'status',
      'joined_on',
      'created_at',
    ],
    // the demo region stands for a registry taken into this installation on its reference date (DEMO_REGISTERED_AT)
    region.members.map((m) => [
      m.id,
      m.name,
      m.gender,
      idNumbers.seal(m.idNumber),
      idNumbers.blindIndex(m.idNumber),
      m.birthDate,
      m.licenseNo ?? null,
      m.firmId ?? null,
      m.orgId,
      m.status,
      m.joinedOn ?? null,
      DEMO_REGISTERED_AT,
    ]),
  );
  for (const f of region.firms)
    if (f.directorMemberId || f.instructorId)
      await em.query(`UPDATE firms SET director_member_id = $2, instructor_id = $3 WHERE id = $1`, [
        f.id,
        f.directorMemberId ?? null,
        f.instructorId ?? null,
      ]);
  for (const u of region.users) {
    const [row] = await em.query(
      `INSERT INTO users (username, display_name, password_hash) VALUES ($1, $2, $3) RETURNING id`,
      [u.username, u.displayName, passwordHash],
    );
    for (const r of u.roles)
      await em.query(`INSERT INTO role_assignments (user_id, role, org_id) VALUES ($1, $2, $3)`, [
        row.id,
        r.role,
        r.orgId,
      ]);
  }
}

async function bulkInsert(em: EntityManager, table: string, cols: string[], rows: unknown[][], chunk = 500) {
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const values: unknown[] = [];
    const tuples = part.map((r) => `(${r.map((v) => `$${values.push(v)}`).join(', ')})`);
    await em.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${tuples.join(', ')}`, values);
  }
}
