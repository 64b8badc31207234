import { MigrationInterface, QueryRunner } from 'typeorm';

/** Statutory calendar years added at run time (the yearly State Council notice), shared by all processes. */
export class CalendarYears1700000000060 implements MigrationInterface {
  name = 'CalendarYears1700000000060';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE calendar_years (
        year int PRIMARY KEY,
        data jsonb NOT NULL,
        added_by text NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE calendar_years`);
  }
}
