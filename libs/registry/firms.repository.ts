import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { cityCommitteeSql, countyCommitteeSql } from './organizations.repository';
import type { FirmCoverage } from './registry.types';

const FIRM_COLUMNS = `f.id, f.name, f.kind, f.head_firm_id AS "headFirmId", f.county, f.region_code AS "regionCode", f.director_name AS "directorName",
  f.director_member_id AS "directorMemberId", f.party_org_id AS "partyOrgId", f.instructor_id AS "instructorId", f.coverage, f.status,
  to_char(f.established_on, 'YYYY-MM-DD') AS "establishedOn", f.uncovered_since AS "uncoveredSince"`;

/**
 * The path that places a firm in the organization tree: its party organization's, else its county
 * committee's, else its city committee's. Visibility and coverage reports both go by it.
 */
export const firmAnchorPathSql = (f = 'f') =>
  `coalesce((SELECT path FROM orgs WHERE id = ${f}.party_org_id), ${countyCommitteeSql('path', `${f}.region_code`, `${f}.county`)},
    ${cityCommitteeSql('path', `${f}.region_code`)})`;

/** What a procedure knows about a firm that is the subject of a case. */
export interface FirmFacts {
  id: string;
  name: string;
  kind: string;
  partyOrgId: string | null;
  headFirmId: string | null;
  county: string;
  coverage: FirmCoverage;
  regionCode: string;
  /** where the firm sits in the tree: its party org, else its county committee */
  path: string | null;
}

/** Law firms and branch offices (`firms`). */
@Injectable()
export class FirmsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private db(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  /** Firms in the subtrees of `prefixes`, optionally of one county or coverage, by county and name. */
  async inScope(prefixes: string[], q: { county?: string; coverage?: string }) {
    return this.ds.query(
      `SELECT ${FIRM_COLUMNS} FROM firms f WHERE ${firmAnchorPathSql()} LIKE ANY($1)
         AND ($2::text IS NULL OR f.county = $2) AND ($3::text IS NULL OR f.coverage = $3) ORDER BY f.county, f.name`,
      [prefixes, q.county ?? null, q.coverage ?? null],
    );
  }

  /** One firm if it is in the subtrees of `prefixes`. */
  async findInScope(prefixes: string[], id: string) {
    const [row] = await this.ds.query(
      `SELECT ${FIRM_COLUMNS} FROM firms f WHERE f.id = $2 AND ${firmAnchorPathSql()} LIKE ANY($1)`,
      [prefixes, id],
    );
    return row;
  }

  /** A firm as a case about it sees it. */
  async facts(em: EntityManager, id: string): Promise<FirmFacts | undefined> {
    const [row] = await em.query(
      `SELECT f.id, f.name, f.kind, f.party_org_id AS "partyOrgId", f.head_firm_id AS "headFirmId", f.county, f.coverage, f.region_code AS "regionCode",
         coalesce(o.path, ${countyCommitteeSql('path', 'f.region_code', 'f.county')}) AS path
       FROM firms f LEFT JOIN orgs o ON o.id = f.party_org_id WHERE f.id = $1`,
      [id],
    );
    return row;
  }

  /** Registers a new firm, uncovered from now on. */
  async insert(
    dto: {
      name: string;
      kind: string;
      headFirmId?: string | null;
      county: string;
      regionCode: string;
      directorName: string;
      establishedOn?: string | null;
    },
    em?: EntityManager,
  ): Promise<string> {
    const [row] = await this.db(em).query(
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
    return row.id;
  }

  /** The firm got a branch of its own: covered by it from now on. */
  async setOwnBranch(em: EntityManager, firmId: string, orgId: string) {
    await em.query(`UPDATE firms SET party_org_id = $2, coverage = 'branch', uncovered_since = NULL WHERE id = $1`, [
      firmId,
      orgId,
    ]);
  }

  /**
   * Changes how a firm is covered: a joint branch becomes its party org, `none` clears it and starts the
   * uncovered clock (kept when already running), anything else stops it.
   */
  async setCoverage(
    em: EntityManager,
    firmId: string,
    coverage: FirmCoverage,
    opts: { orgId?: string | null; instructorId?: string | null; at: Date },
  ) {
    await em.query(
      `UPDATE firms SET coverage = $2,
         party_org_id = CASE WHEN $2 = 'joint_branch' THEN $3::uuid WHEN $2 = 'none' THEN NULL ELSE party_org_id END,
         instructor_id = COALESCE($4::uuid, instructor_id),
         uncovered_since = CASE WHEN $2 = 'none' THEN COALESCE(uncovered_since, $5) ELSE NULL END
       WHERE id = $1`,
      [firmId, coverage, opts.orgId ?? null, opts.instructorId ?? null, opts.at],
    );
  }

  async close(em: EntityManager, firmId: string) {
    await em.query(`UPDATE firms SET status = 'closed' WHERE id = $1`, [firmId]);
  }

  /**
   * The not-closed firms of the coverage report, in scope by geography (their county committee's path,
   * else their city committee's) or through their own party org, with their city's name and the open
   * branch-formation case about them, if any.
   */
  async forCoverage(prefixes: string[]): Promise<any[]> {
    return this.ds.query(
      `WITH scoped AS (
         SELECT f.*, left(f.region_code, 4) || '00' AS city_code
         FROM firms f
         WHERE f.status <> 'closed' AND (
           coalesce(${countyCommitteeSql('path', 'f.region_code', 'f.county')}, ${cityCommitteeSql('path', 'f.region_code')}) LIKE ANY($1)
           OR (SELECT path FROM orgs WHERE id = f.party_org_id) LIKE ANY($1)))
       SELECT s.id, s.name, s.kind, s.county, s.region_code AS "regionCode", s.city_code AS "cityCode", s.coverage, s.status,
         coalesce(s.uncovered_since, s.established_on::timestamptz, s.created_at) AS "uncoveredSince",
         ${cityCommitteeSql('name', 's.region_code')} AS "cityName",
         (SELECT id FROM cases WHERE workflow = 'branch-formation' AND status = 'open' AND subject_firm_id = s.id ORDER BY opened_at, id LIMIT 1) AS "formationCaseId"
       FROM scoped s ORDER BY s.region_code, s.name`,
      [prefixes],
    );
  }

  /** Names of these firms. */
  async names(ids: string[]): Promise<{ id: string; name: string }[]> {
    return this.ds.query(`SELECT id, name FROM firms WHERE id = ANY($1::uuid[])`, [ids]);
  }
}
