import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scope on registry writes (issue 11):
 * - one committee (and one organization department) per type and region code: the committee lookups that
 *   anchor firms and parties by region must have a single answer;
 * - a registration that collides with a member outside the registering clerk's scope is kept as a
 *   duplicate (`duplicate_of`) for an administrator to reconcile, instead of telling the clerk that the
 *   person is registered elsewhere; ID and licence numbers stay unique among the other members.
 */
export class RegistryScope1796197509343 implements MigrationInterface {
  name = 'RegistryScope1796197509343';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNIQUE INDEX orgs_one_committee_per_region_idx ON orgs (type, region_code)
        WHERE type IN ('provincial_committee','city_committee','county_committee','org_department');
      ALTER TABLE members ADD COLUMN duplicate_of uuid REFERENCES members(id);
      ALTER TABLE members DROP CONSTRAINT members_id_number_key;
      ALTER TABLE members DROP CONSTRAINT members_license_no_key;
      CREATE UNIQUE INDEX members_id_number_idx ON members (id_number) WHERE duplicate_of IS NULL;
      CREATE UNIQUE INDEX members_license_no_idx ON members (license_no) WHERE duplicate_of IS NULL;
      CREATE INDEX members_duplicate_of_idx ON members (duplicate_of) WHERE duplicate_of IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX members_duplicate_of_idx;
      DROP INDEX members_license_no_idx;
      DROP INDEX members_id_number_idx;
      ALTER TABLE members ADD CONSTRAINT members_license_no_key UNIQUE (license_no);
      ALTER TABLE members ADD CONSTRAINT members_id_number_key UNIQUE (id_number);
      ALTER TABLE members DROP COLUMN duplicate_of;
      DROP INDEX orgs_one_committee_per_region_idx;
    `);
  }
}
