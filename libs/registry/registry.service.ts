import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isAdmin, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { residentIdProblem } from '../common/resident-id';
import { maskIdNumber } from '../demo/demo-region';
import { CreateFirmDto, CreateMemberDto, CreateOrgDto, MemberQueryDto } from './dto';
import { scopePrefixes } from './scope';

const ORG_COLS = `o.id, o.name, o.type, o.parent_id AS "parentId", o.region_code AS "regionCode", o.county, o.path`;
const FIRM_COLS = `f.id, f.name, f.kind, f.head_firm_id AS "headFirmId", f.county, f.region_code AS "regionCode", f.director_name AS "directorName",
  f.director_member_id AS "directorMemberId", f.party_org_id AS "partyOrgId", f.instructor_id AS "instructorId", f.coverage, f.status,
  to_char(f.established_on, 'YYYY-MM-DD') AS "establishedOn", f.uncovered_since AS "uncoveredSince"`;
const MEMBER_COLS = `m.id, m.name, m.gender, m.id_number AS "idNumber", to_char(m.birth_date, 'YYYY-MM-DD') AS "birthDate", m.license_no AS "licenseNo",
  m.firm_id AS "firmId", m.org_id AS "orgId", m.status, to_char(m.joined_on, 'YYYY-MM-DD') AS "joinedOn", m.pending_verification AS "pendingVerification"`;

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/**
 * Organizations (a tree with materialized paths), firms and members, always filtered to the caller's
 * scope: outside it things look as if they did not exist (404, never 403).
 */
@Injectable()
export class RegistryService {
  constructor(private readonly ds: DataSource) {}

  async orgTree(principal: Principal) {
    const prefixes = await scopePrefixes(this.ds, principal);
    const rows: any[] = await this.ds.query(
      `SELECT ${ORG_COLS} FROM orgs o WHERE o.path LIKE ANY($1) ORDER BY o.path`,
      [prefixes],
    );
    const byId = new Map(rows.map((r) => [r.id, { ...r, children: [] as any[] }]));
    const roots: any[] = [];
    for (const node of byId.values()) {
      const parent = node.parentId && byId.get(node.parentId);
      if (parent) parent.children.push(node);
      else roots.push(node);
      delete node.path;
    }
    return roots;
  }

  async org(principal: Principal, id: string) {
    const row = await this.visible(principal, `SELECT ${ORG_COLS} FROM orgs o WHERE o.id = $1`, id, 'o.path');
    if (!row) throw AppError.notFound('党组织');
    const [counts] = await this.ds.query(
      `SELECT count(*) FILTER (WHERE status = 'full')::int AS full, count(*) FILTER (WHERE status = 'probationary')::int AS probationary, count(*)::int AS total FROM members WHERE org_id = $1`,
      [id],
    );
    delete row.path;
    return { ...row, memberCounts: counts };
  }

  async createOrg(principal: Principal, dto: CreateOrgDto) {
    const parent = await this.visible(
      principal,
      `SELECT ${ORG_COLS} FROM orgs o WHERE o.id = $1`,
      dto.parentId,
      'o.path',
    );
    if (!parent) throw AppError.validation([{ field: 'parentId', errors: ['上级组织不存在'] }]);
    this.requireClerkOf(principal, parent.path);
    return this.ds.transaction(async (em) => {
      const [row] = await em.query(
        `INSERT INTO orgs (name, type, parent_id, path, region_code, county) VALUES ($1, $2, $3, '', $4, $5) RETURNING id`,
        [dto.name, dto.type, dto.parentId, dto.regionCode ?? parent.regionCode, dto.county ?? parent.county],
      );
      await em.query(`UPDATE orgs SET path = $2 WHERE id = $1`, [row.id, `${parent.path}${row.id}/`]);
      const [org] = await em.query(`SELECT ${ORG_COLS} FROM orgs o WHERE o.id = $1`, [row.id]);
      delete org.path;
      return org;
    });
  }

  async firms(principal: Principal, q: { county?: string; coverage?: string }) {
    const prefixes = await scopePrefixes(this.ds, principal);
    return this.ds.query(
      `SELECT ${FIRM_COLS} FROM firms f WHERE ${this.firmScopeSql('$1')} AND ($2::text IS NULL OR f.county = $2) AND ($3::text IS NULL OR f.coverage = $3) ORDER BY f.county, f.name`,
      [prefixes, q.county ?? null, q.coverage ?? null],
    );
  }

  async firm(principal: Principal, id: string) {
    if (!isUuid(id)) throw AppError.notFound('律师事务所');
    const prefixes = await scopePrefixes(this.ds, principal);
    const [row] = await this.ds.query(
      `SELECT ${FIRM_COLS} FROM firms f WHERE f.id = $2 AND ${this.firmScopeSql('$1')}`,
      [prefixes, id],
    );
    if (!row) throw AppError.notFound('律师事务所');
    return row;
  }

  async createFirm(principal: Principal, dto: CreateFirmDto) {
    const [county] = await this.ds.query(
      `SELECT path FROM orgs WHERE type = 'county_committee' AND region_code = $1 LIMIT 1`,
      [dto.regionCode],
    );
    const [city] = await this.ds.query(
      `SELECT path FROM orgs WHERE type = 'city_committee' AND region_code = left($1, 4) || '00' LIMIT 1`,
      [dto.regionCode],
    );
    const anchor = county ?? city;
    if (!anchor) throw AppError.validation([{ field: 'regionCode', errors: ['该行政区划没有对应的党组织'] }]);
    this.requireClerkOf(principal, anchor.path);
    if (dto.headFirmId)
      await this.firm(principal, dto.headFirmId).catch(() => {
        throw AppError.validation([{ field: 'headFirmId', errors: ['总所不存在'] }]);
      });
    const [row] = await this.ds.query(
      `INSERT INTO firms (name, kind, head_firm_id, county, region_code, director_name, established_on, coverage, uncovered_since)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'none', now()) RETURNING id`,
      [
        dto.name,
        dto.kind,
        dto.headFirmId ?? null,
        dto.county,
        dto.regionCode,
        dto.directorName,
        dto.establishedOn ?? null,
      ],
    );
    return this.firm(principal, row.id);
  }

  async members(principal: Principal, q: MemberQueryDto) {
    const prefixes = await scopePrefixes(this.ds, principal);
    const pageSize = q.pageSize ?? 50;
    const offset = ((q.page ?? 1) - 1) * pageSize;
    const where = `o.path LIKE ANY($1) AND ($2::uuid IS NULL OR m.org_id = $2) AND ($3::text IS NULL OR m.status = $3)
      AND ($4::text IS NULL OR m.name LIKE '%' || $4 || '%' OR m.license_no = $4)`;
    const params = [prefixes, q.orgId ?? null, q.status ?? null, q.q ?? null];
    const rows = await this.ds.query(
      `SELECT ${MEMBER_COLS}, count(*) OVER ()::int AS total FROM members m JOIN orgs o ON o.id = m.org_id WHERE ${where} ORDER BY m.name, m.id LIMIT ${pageSize} OFFSET ${offset}`,
      params,
    );
    const total = rows[0]?.total ?? 0;
    return { items: rows.map((r: any) => this.presentMember(principal, r)), total, page: q.page ?? 1, pageSize };
  }

  async member(principal: Principal, id: string) {
    const row = await this.visible(
      principal,
      `SELECT ${MEMBER_COLS}, o.path FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = $1`,
      id,
      'o.path',
    );
    if (!row) throw AppError.notFound('党员');
    delete row.path;
    return this.presentMember(principal, row);
  }

  async createMember(principal: Principal, dto: CreateMemberDto) {
    const org = await this.visible(principal, `SELECT ${ORG_COLS} FROM orgs o WHERE o.id = $1`, dto.orgId, 'o.path');
    if (!org) throw AppError.validation([{ field: 'orgId', errors: ['党组织不存在'] }]);
    this.requireClerkOf(principal, org.path);
    // a real resident ID number whose birth date is the one registered (the age rules read the registry)
    const idProblem = residentIdProblem(dto.idNumber, dto.birthDate);
    if (idProblem) throw AppError.validation([{ field: 'idNumber', errors: [idProblem] }], idProblem);
    const [dup] = await this.ds.query(
      `SELECT id FROM members WHERE id_number = $1 OR ($2::text IS NOT NULL AND license_no = $2)`,
      [dto.idNumber, dto.licenseNo ?? null],
    );
    if (dup)
      throw new AppError(409, 'DUPLICATE', '该身份证号或执业证号已登记', {
        memberId: isAdmin(principal) ? dup.id : undefined,
      });
    const [row] = await this.ds.query(
      `INSERT INTO members (name, gender, id_number, birth_date, license_no, firm_id, org_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        dto.name,
        dto.gender ?? null,
        dto.idNumber,
        dto.birthDate,
        dto.licenseNo ?? null,
        dto.firmId ?? null,
        dto.orgId,
        dto.status,
      ],
    );
    return this.member(principal, row.id);
  }

  /** ID numbers are stored whole and shown masked except to admins. */
  private presentMember(principal: Principal, row: any) {
    const { total, ...rest } = row;
    void total;
    return { ...rest, idNumber: isAdmin(principal) ? rest.idNumber : maskIdNumber(rest.idNumber) };
  }

  /** Firms are in scope through their party org, else through their county's org. */
  private firmScopeSql(prefixParam: string) {
    return `coalesce((SELECT path FROM orgs WHERE id = f.party_org_id), (SELECT path FROM orgs WHERE type = 'county_committee' AND region_code = f.region_code LIMIT 1),
      (SELECT path FROM orgs WHERE type = 'city_committee' AND region_code = left(f.region_code, 4) || '00' LIMIT 1)) LIKE ANY(${prefixParam})`;
  }

  private async visible(principal: Principal, sql: string, id: string, pathCol: string) {
    if (!isUuid(id)) return null;
    const prefixes = await scopePrefixes(this.ds, principal);
    const [row] = await this.ds.query(`SELECT * FROM (${sql}) x WHERE x.${pathCol.split('.')[1]} LIKE ANY($2)`, [
      id,
      prefixes,
    ]);
    return row ?? null;
  }

  /** Writes to the registry need a clerk (or admin) role at or above the target org. */
  private requireClerkOf(principal: Principal, path: string) {
    if (isAdmin(principal)) return;
    if (!principal.roles.some((r) => r.role === 'clerk' && path.includes(`/${r.orgId}/`)))
      throw AppError.forbidden('只有该组织或上级组织的管理员可以登记');
  }
}
