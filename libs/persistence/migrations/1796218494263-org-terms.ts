import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A branch's secretary and current term (支部工作条例 2018: 每届任期3年), kept on the organization. Written only
 * by the organization's `branch-term` case (effect `org.setTerm`), whose history keeps every earlier term.
 */
export class OrgTerms1796218494263 implements MigrationInterface {
  name = 'OrgTerms1796218494263';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE orgs
        ADD COLUMN secretary_member_id uuid REFERENCES members(id),
        ADD COLUMN term_started_on date,
        ADD COLUMN term_ends_on date,
        ADD CONSTRAINT orgs_term_order CHECK (term_ends_on IS NULL OR term_ends_on > term_started_on);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE orgs DROP CONSTRAINT orgs_term_order, DROP COLUMN secretary_member_id, DROP COLUMN term_started_on, DROP COLUMN term_ends_on`,
    );
  }
}
