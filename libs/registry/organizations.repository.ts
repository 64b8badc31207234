import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** An organization as party resolution reads it. */
export interface OrgRow {
  id: string;
  type: string;
  path: string;
  region_code: string;
}

export const ORG_COLUMNS = `o.id, o.name, o.type, o.parent_id AS "parentId", o.region_code AS "regionCode", o.county, o.path`;

/** An organization as the API shows it (`path` is internal and removed before answering). */
export interface OrgView {
  id: string;
  name: string;
  type: string;
  parentId: string | null;
  regionCode: string;
  county: string | null;
  path: string;
}

/**
 * The city committee of a region code, as a SQL expression over `regionExpr` (a city's code is its first
 * four digits and `00`). Oldest first, then by id: a region with two city committees (a data error)
 * still answers the same one every time.
 */
export const cityCommitteeSql = (column: string, regionExpr: string) =>
  `(SELECT ${column} FROM orgs WHERE type = 'city_committee' AND region_code = left(${regionExpr}, 4) || '00' ORDER BY created_at, id LIMIT 1)`;

/**
 * The county committee of a county: by region code when one matches, else by county name; oldest first,
 * then by id. Either input may be null.
 */
export const countyCommitteeSql = (column: string, regionExpr: string, countyExpr: string) =>
  `(SELECT ${column} FROM orgs WHERE type = 'county_committee' AND (region_code = ${regionExpr} OR county = ${countyExpr})
     ORDER BY (region_code IS NOT DISTINCT FROM ${regionExpr}) DESC, created_at, id LIMIT 1)`;

/**
 * The organizations of `idsExpr` (a uuid[] expression) with all their ancestors (the materialized path lists
 * them), then every organization department (one per city, oldest first): what party resolution reads
 * (`withAncestorsAndDepartments`; a caller that reads it beside its own rows takes `partyOrgsJsonSql`).
 */
const partyOrgsSql = (idsExpr: string) =>
  `(SELECT a.id, a.type, a.path, a.region_code, false AS dept FROM orgs a
     WHERE a.id IN (SELECT unnest(string_to_array(trim(both '/' from o.path), '/'))::uuid FROM orgs o WHERE o.id = ANY(${idsExpr})))
   UNION ALL
   (SELECT id, type, path, region_code, true FROM orgs WHERE type = 'org_department' ORDER BY created_at, id)`;

/** `partyOrgsSql` as one json array (in the same order), for a statement that reads other things too. */
export const partyOrgsJsonSql = (idsExpr: string) =>
  `(SELECT coalesce(json_agg(p), '[]'::json) FROM (${partyOrgsSql(idsExpr)}) p)`;

/**
 * The organization tree (`orgs`, materialized paths `/<root id>/…/<id>/`). Every "which committee is
 * responsible for this region" question is answered here, and only here.
 */
@Injectable()
export class OrganizationsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private db(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  /** The city committee of a region code (see `cityCommitteeSql`). */
  async cityCommitteeOf(regionCode: string, em?: EntityManager): Promise<(OrgRow & { name: string }) | undefined> {
    const [row] = await this.db(em).query(
      `SELECT id, name, type, path, region_code FROM orgs WHERE id = ${cityCommitteeSql('id', '$1::text')}`,
      [regionCode ?? ''],
    );
    return row;
  }

  /** The nearest city committee at or above an organization (by its path), or undefined. */
  async cityCommitteeAbove(orgId: string, em?: EntityManager): Promise<{ id: string; path: string } | undefined> {
    const [row] = await this.db(em).query(
      `SELECT c.id, c.path FROM orgs o JOIN orgs c ON o.path LIKE c.path || '%' AND c.type = 'city_committee'
       WHERE o.id = $1 ORDER BY length(c.path) DESC LIMIT 1`,
      [orgId],
    );
    return row;
  }

  /** The county committee of a county, by region code or county name (see `countyCommitteeSql`). */
  async countyCommitteeOf(
    where: { regionCode?: string | null; county?: string | null },
    em?: EntityManager,
  ): Promise<(OrgRow & { name: string }) | undefined> {
    const [row] = await this.db(em).query(
      `SELECT id, name, type, path, region_code FROM orgs WHERE id = ${countyCommitteeSql('id', '$1::text', '$2::text')}`,
      [where.regionCode ?? null, where.county ?? null],
    );
    return row;
  }

  /** The named organizations with their ancestors, and the organization departments (`partyOrgsSql`). */
  async withAncestorsAndDepartments(em: EntityManager, ids: string[]): Promise<(OrgRow & { dept: boolean })[]> {
    return em.query(partyOrgsSql('$1::uuid[]'), [ids]);
  }

  /** The secretary and current term of an organization (written by its branch-term case). */
  async setTerm(
    em: EntityManager,
    orgId: string,
    t: { secretaryId: string; termStartedOn: string; termEndsOn: string },
  ): Promise<void> {
    await em.query(`UPDATE orgs SET secretary_member_id = $2, term_started_on = $3, term_ends_on = $4 WHERE id = $1`, [
      orgId,
      t.secretaryId,
      t.termStartedOn,
      t.termEndsOn,
    ]);
  }

  /** An organization's secretary (with name) and term, as stored; nulls when none was recorded. */
  async term(
    orgId: string,
    em?: EntityManager,
  ): Promise<
    | {
        secretaryId: string | null;
        secretaryName: string | null;
        termStartedOn: string | null;
        termEndsOn: string | null;
      }
    | undefined
  > {
    const [row] = await this.db(em).query(
      `SELECT o.secretary_member_id AS "secretaryId", m.name AS "secretaryName",
              to_char(o.term_started_on, 'YYYY-MM-DD') AS "termStartedOn", to_char(o.term_ends_on, 'YYYY-MM-DD') AS "termEndsOn"
       FROM orgs o LEFT JOIN members m ON m.id = o.secretary_member_id WHERE o.id = $1`,
      [orgId],
    );
    return row;
  }

  /** One organization (with its internal path), or undefined. */
  async findById(id: string, em?: EntityManager): Promise<OrgView | undefined> {
    const [row] = await this.db(em).query(`SELECT ${ORG_COLUMNS} FROM orgs o WHERE o.id = $1`, [id]);
    return row;
  }

  /** These organizations (id, name, type), in no particular order; unknown ids are left out. */
  async findByIds(ids: string[], em?: EntityManager): Promise<{ id: string; name: string; type: string }[]> {
    return this.db(em).query(`SELECT id, name, type FROM orgs WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** Organizations whose path starts with one of the prefixes (`LIKE` patterns), in tree order. */
  async inSubtrees(prefixes: string[]): Promise<OrgView[]> {
    return this.ds.query(`SELECT ${ORG_COLUMNS} FROM orgs o WHERE o.path LIKE ANY($1) ORDER BY o.path`, [prefixes]);
  }

  /** Materialized paths of these organizations. */
  async pathsOf(ids: string[], em?: EntityManager): Promise<string[]> {
    const rows: { path: string }[] = await this.db(em).query(`SELECT path FROM orgs WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map((r) => r.path);
  }

  /** The organization of this type in this region, if any (committees are one per region). */
  async findOfTypeInRegion(type: string, regionCode: string): Promise<{ id: string } | undefined> {
    const [row] = await this.ds.query(`SELECT id FROM orgs WHERE type = $1 AND region_code = $2 LIMIT 1`, [
      type,
      regionCode,
    ]);
    return row;
  }

  /** Materialized paths of these organizations by id (unknown ids are absent). */
  async pathsById(ids: string[], em?: EntityManager): Promise<Map<string, string>> {
    const rows: { id: string; path: string }[] = await this.db(em).query(
      `SELECT id, path FROM orgs WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.path]));
  }

  /**
   * Inserts an organization under `parent`: its id is generated by PostgreSQL, so the path (which ends in
   * it) is written right after, in the caller's transaction.
   */
  async insertChild(
    em: EntityManager,
    org: { name: string; type: string; regionCode: string; county: string | null },
    parent: { id: string; path: string },
  ): Promise<string> {
    const [row] = await em.query(
      `INSERT INTO orgs (name, type, parent_id, path, region_code, county) VALUES ($1, $2, $3, '', $4, $5) RETURNING id`,
      [org.name, org.type, parent.id, org.regionCode, org.county],
    );
    await em.query(`UPDATE orgs SET path = $2 WHERE id = $1`, [row.id, `${parent.path}${row.id}/`]);
    return row.id;
  }

  /** Paths of the city committees of the regions of these organization departments. */
  async cityCommitteePathsOfDepartments(departmentIds: string[]): Promise<string[]> {
    const rows: { path: string }[] = await this.ds.query(
      `SELECT c.path FROM orgs c JOIN orgs d ON d.id = ANY($1::uuid[]) WHERE c.type = 'city_committee' AND c.region_code = d.region_code`,
      [departmentIds],
    );
    return rows.map((r) => r.path);
  }

  /** Names of these organizations. */
  async names(ids: string[]): Promise<{ id: string; name: string }[]> {
    return this.ds.query(`SELECT id, name FROM orgs WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** Is any of these organizations a city or provincial committee? */
  async anyUpperCommittee(ids: string[], em?: EntityManager): Promise<boolean> {
    const [row] = await this.db(em).query(
      `SELECT EXISTS (SELECT 1 FROM orgs WHERE id = ANY($1::uuid[]) AND type IN ('city_committee','provincial_committee')) AS x`,
      [ids],
    );
    return row.x;
  }

  /** Does this organization exist? */
  async exists(id: string, em?: EntityManager): Promise<boolean> {
    const [row] = await this.db(em).query(`SELECT EXISTS (SELECT 1 FROM orgs WHERE id = $1) AS x`, [id]);
    return row.x;
  }

  /** A joint branch's count of covered (not closed) firms; null when the org is no joint branch. */
  async jointBranchUnitCount(em: EntityManager, orgId: string | undefined): Promise<number | null> {
    const [row] = await em.query(
      `SELECT (SELECT count(*)::int FROM firms WHERE party_org_id = o.id AND coverage = 'joint_branch' AND status <> 'closed') AS n
       FROM orgs o WHERE o.id = $1 AND o.type = 'joint_branch'`,
      [orgId],
    );
    return row ? row.n : null;
  }
}
