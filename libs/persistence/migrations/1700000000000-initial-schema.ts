import { MigrationInterface, QueryRunner } from 'typeorm';

/** Registry, cases, append-only hash-chained history, idempotency keys, timers and outbox. */
export class InitialSchema1700000000000 implements MigrationInterface {
  name = 'InitialSchema1700000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orgs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('provincial_committee','city_committee','county_committee','org_department','general_branch','branch','joint_branch')),
        parent_id uuid REFERENCES orgs(id),
        -- materialized path '/<root id>/…/<own id>/' for cheap subtree queries (path LIKE prefix || '%')
        path text NOT NULL UNIQUE,
        region_code text NOT NULL,
        county text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX orgs_path_idx ON orgs (path text_pattern_ops);
      CREATE INDEX orgs_parent_idx ON orgs (parent_id);

      CREATE TABLE members (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        gender text,
        id_number text NOT NULL UNIQUE,
        birth_date date NOT NULL,
        license_no text UNIQUE,
        firm_id uuid,
        org_id uuid NOT NULL REFERENCES orgs(id),
        status text NOT NULL CHECK (status IN ('applicant','activist','candidate','probationary','full','suspended','removed','withdrawn')),
        joined_on date,
        pending_verification boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX members_org_idx ON members (org_id);
      CREATE INDEX members_firm_idx ON members (firm_id);

      CREATE TABLE firms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('firm','branch_office')),
        head_firm_id uuid REFERENCES firms(id),
        county text NOT NULL,
        region_code text NOT NULL,
        director_name text NOT NULL,
        director_member_id uuid REFERENCES members(id),
        party_org_id uuid REFERENCES orgs(id),
        instructor_id uuid REFERENCES members(id),
        coverage text NOT NULL DEFAULT 'none' CHECK (coverage IN ('branch','joint_branch','instructor','none')),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('pending','active','closed')),
        established_on date,
        uncovered_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE members ADD CONSTRAINT members_firm_fk FOREIGN KEY (firm_id) REFERENCES firms(id);
      CREATE INDEX firms_party_org_idx ON firms (party_org_id);

      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE,
        display_name text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE role_assignments (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('admin','supervisor','clerk','orgdept')),
        org_id uuid NOT NULL REFERENCES orgs(id),
        PRIMARY KEY (user_id, role, org_id)
      );

      CREATE TABLE cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workflow text NOT NULL,
        definition_version int NOT NULL,
        policy_version text NOT NULL,
        state jsonb NOT NULL,
        -- flattened active leaf paths, for filtering by state name
        state_paths text[] NOT NULL,
        snapshot jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('open','closed')),
        version int NOT NULL,
        -- hash of the last history row: the next row chains to it without re-reading history
        head_hash text NOT NULL,
        -- per active state path: when and at which case version it was entered (anchors, timer epochs)
        entered jsonb NOT NULL,
        subject jsonb NOT NULL,
        subject_member_id uuid REFERENCES members(id),
        subject_firm_id uuid REFERENCES firms(id),
        subject_org_id uuid REFERENCES orgs(id),
        parties jsonb NOT NULL,
        -- party orgs and all their ancestors: a user sees the case when one of their role orgs is in here
        scope_org_ids uuid[] NOT NULL,
        opened_by jsonb NOT NULL,
        opened_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        closed_at timestamptz
      ) WITH (fillfactor = 70); -- room for HOT updates: a transition changes no indexed column
      CREATE INDEX cases_workflow_status_idx ON cases (workflow, status);
      CREATE INDEX cases_scope_orgs_idx ON cases USING gin (scope_org_ids);
      CREATE INDEX cases_subject_member_idx ON cases (subject_member_id) WHERE subject_member_id IS NOT NULL;
      CREATE INDEX cases_subject_firm_idx ON cases (subject_firm_id) WHERE subject_firm_id IS NOT NULL;

      CREATE TABLE case_history (
        id bigserial PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES cases(id),
        seq int NOT NULL,
        at timestamptz NOT NULL,
        actor jsonb NOT NULL,
        type text NOT NULL,
        data jsonb,
        comment text,
        from_state jsonb,
        to_state jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        UNIQUE (case_id, seq)
      );
      CREATE INDEX case_history_at_idx ON case_history (at);
      CREATE INDEX case_history_type_idx ON case_history (type);

      -- History is evidence: the database itself refuses UPDATE, DELETE and TRUNCATE.
      CREATE FUNCTION case_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'case_history is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER case_history_no_update BEFORE UPDATE OR DELETE ON case_history
        FOR EACH ROW EXECUTE FUNCTION case_history_append_only();
      CREATE TRIGGER case_history_no_truncate BEFORE TRUNCATE ON case_history
        FOR EACH STATEMENT EXECUTE FUNCTION case_history_append_only();

      CREATE TABLE idempotency_keys (
        user_id text NOT NULL,
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status_code int,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, scope, key)
      );

      -- One row per deadline of a state visit, carrying its whole schedule: reminders, the deadline itself
      -- (optionally an event the clock sends) and the escalations. The relay walks the stages in order.
      CREATE TABLE timers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id),
        -- the case version that wrote the timer: a timer never fires into a later visit of its state
        epoch int NOT NULL,
        state_path text NOT NULL,
        deadline_key text NOT NULL,
        due_at timestamptz NOT NULL,
        fire_event text,
        party text,
        provisional boolean NOT NULL DEFAULT false,
        rule text NOT NULL,
        title text NOT NULL,
        -- [{ kind: reminder|deadline|escalation, level, at }] in time order
        stages jsonb NOT NULL,
        next_stage int NOT NULL DEFAULT 0,
        next_at timestamptz,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','fired','cancelled')),
        -- state|deadline|due: what the planner would produce again; one pending row per identity
        ident text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        fired_at timestamptz
      );
      CREATE INDEX timers_pending_next_idx ON timers (next_at) WHERE status = 'pending';
      CREATE UNIQUE INDEX timers_pending_ident_idx ON timers (case_id, ident) WHERE status = 'pending';

      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        dedupe_key text UNIQUE,
        case_id uuid REFERENCES cases(id),
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','dead')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      );
      CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE status = 'pending';

      CREATE TABLE transfer_receipts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id),
        member_id uuid NOT NULL REFERENCES members(id),
        from_org_id uuid REFERENCES orgs(id),
        to_org_id uuid NOT NULL REFERENCES orgs(id),
        letter_no text,
        recorded_at timestamptz NOT NULL
      );

      CREATE TABLE org_grades (
        org_id uuid NOT NULL REFERENCES orgs(id),
        year int NOT NULL,
        score int NOT NULL,
        grade text NOT NULL,
        case_id uuid NOT NULL REFERENCES cases(id),
        recorded_at timestamptz NOT NULL,
        PRIMARY KEY (org_id, year)
      );
      CREATE TABLE commendations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        year int NOT NULL,
        member_id uuid REFERENCES members(id),
        org_id uuid REFERENCES orgs(id),
        case_id uuid NOT NULL REFERENCES cases(id),
        recorded_at timestamptz NOT NULL
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE commendations, org_grades, transfer_receipts, outbox, timers, idempotency_keys,
      case_history, cases, role_assignments, users, firms, members, orgs CASCADE;
      DROP FUNCTION case_history_append_only();`);
  }
}
