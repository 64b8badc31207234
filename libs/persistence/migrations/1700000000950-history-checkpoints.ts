import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed daily checkpoints of the history: per Beijing calendar day, a digest of every history row written
 * that day (case, seq, hash), signed with a key that is not in the database (HISTORY_CHECKPOINT_KEY). A table
 * owner who disables the append-only trigger and rewrites rows — recomputing every hash so the chains still
 * verify — cannot produce a matching signature: verify compares each day with its checkpoint.
 */
export class HistoryCheckpoints1700000000950 implements MigrationInterface {
  name = 'HistoryCheckpoints1700000000950';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE history_checkpoints (
        day date PRIMARY KEY,
        rows int NOT NULL,
        digest text NOT NULL,
        signature text NOT NULL,
        key_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE OR REPLACE FUNCTION history_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'history_checkpoints is append-only' USING ERRCODE = 'P0001';
      END $$;
      CREATE TRIGGER history_checkpoints_no_update BEFORE UPDATE OR DELETE ON history_checkpoints
        FOR EACH ROW EXECUTE FUNCTION history_checkpoints_append_only();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE history_checkpoints; DROP FUNCTION history_checkpoints_append_only();`);
  }
}
