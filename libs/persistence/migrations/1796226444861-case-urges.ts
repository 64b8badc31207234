import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 督办催办: a supervisor's (or an overseer's) urge of an overdue case, at most one per case and day. Kept
 * beside the case history, not in it: an urge changes nothing in the procedure (no state, no version, and
 * the clerks' expectedVersion stays valid), while history rows are the procedure's own steps, hash-chained
 * and replayed. The rows are append-only like the history (a trigger refuses UPDATE, DELETE and TRUNCATE),
 * and the audit lists them. Notifications gain the kind `urge`.
 */
export class CaseUrges1796226444861 implements MigrationInterface {
  name = 'CaseUrges1796226444861';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_urges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id),
        on_day date NOT NULL,
        at timestamptz NOT NULL,
        urged_by uuid NOT NULL REFERENCES users(id),
        urger_role text NOT NULL,
        urger_org_id uuid NOT NULL REFERENCES orgs(id),
        state jsonb NOT NULL,
        state_title text NOT NULL,
        targets jsonb NOT NULL,
        notified int NOT NULL,
        comment text,
        UNIQUE (case_id, on_day)
      );
      CREATE INDEX case_urges_at ON case_urges (at DESC, id DESC);
      CREATE FUNCTION case_urges_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'case_urges is append-only' USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER case_urges_no_update BEFORE UPDATE OR DELETE ON case_urges
        FOR EACH ROW EXECUTE FUNCTION case_urges_append_only();
      CREATE TRIGGER case_urges_no_truncate BEFORE TRUNCATE ON case_urges
        FOR EACH STATEMENT EXECUTE FUNCTION case_urges_append_only();
      ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
        CHECK (kind IN ('reminder','overdue','escalation','urge','info'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
        CHECK (kind IN ('reminder','overdue','escalation','info'));
      DROP TABLE case_urges;
      DROP FUNCTION case_urges_append_only();
    `);
  }
}
