import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ID numbers at rest (issue 11 "Personal data"): `members.id_number` holds the number sealed with AES-256-GCM
 * (`v1.<key id>.<…>`), and `id_number_blind_index` an HMAC of it, which carries the uniqueness the plaintext
 * column had and serves every look-up by ID number.
 *
 * The key (PII_KEY) is configuration, never in the database, and a migration cannot rely on it, so this only
 * changes the schema. Rows still in plaintext — every row of an installation older than this — are sealed by the
 * application at start, before it serves anything (libs/registry/id-numbers-at-rest.ts#prepareIdNumbersAtRest);
 * until then their blind index is NULL, which the partial unique index allows.
 *
 * down restores the old index on `id_number`, but the values stay sealed: opening them needs the key.
 */
export class SealedIdNumbers1796283647322 implements MigrationInterface {
  name = 'SealedIdNumbers1796283647322';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE members ADD COLUMN id_number_blind_index text;
      DROP INDEX members_id_number_idx;
      CREATE UNIQUE INDEX members_id_number_blind_index_idx ON members (id_number_blind_index) WHERE duplicate_of IS NULL;
      CREATE INDEX members_id_number_blind_index_all_idx ON members (id_number_blind_index);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX members_id_number_blind_index_all_idx;
      DROP INDEX members_id_number_blind_index_idx;
      ALTER TABLE members DROP COLUMN id_number_blind_index;
      CREATE UNIQUE INDEX members_id_number_idx ON members (id_number) WHERE duplicate_of IS NULL;
    `);
  }
}
