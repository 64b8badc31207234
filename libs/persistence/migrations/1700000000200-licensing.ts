import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Licensing integration: every signed event as received (one row per eventId), the licensing
 * applications with their party-transfer link, discipline records on members, and the per-attempt log
 * of outbox deliveries (used by every outbox topic).
 */
export class Licensing1700000000200 implements MigrationInterface {
  name = 'Licensing1700000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE licensing_events (
        id bigserial PRIMARY KEY,
        -- the sender's id: the unique index is also what makes a concurrent duplicate wait and then replay
        event_id text NOT NULL UNIQUE,
        type text NOT NULL,
        application_ref text,
        occurred_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        -- kept as received: the exact body (the HMAC covers these bytes), its signature and the parsed JSON
        raw_body text NOT NULL,
        signature text NOT NULL,
        raw jsonb NOT NULL,
        -- processed: accepted and acted on (result = the 202 body); rejected: refused (400/422), may be re-sent
        status text NOT NULL CHECK (status IN ('processed','rejected')),
        result jsonb,
        http_status int,
        -- set when the event arrived out of order (e.g. approved_before_applied, withdrawn_before_applied)
        out_of_order text,
        attempts int NOT NULL DEFAULT 1,
        replays int NOT NULL DEFAULT 0,
        last_replay_at timestamptz,
        -- a replay whose body differed from the stored one (same eventId, other content): answered with the first result
        replay_mismatch boolean NOT NULL DEFAULT false
      );
      CREATE INDEX licensing_events_ref_idx ON licensing_events (application_ref);
      CREATE INDEX licensing_events_received_idx ON licensing_events (received_at);

      CREATE TABLE licensing_applications (
        application_ref text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('practice','firm_transfer','practice_cancellation','firm_establishment','branch_office')),
        license_no text,
        lawyer_name text,
        -- as declared by the licensing side (the registry decides)
        declared_party_member boolean,
        member_id uuid REFERENCES members(id),
        from_firm_id uuid REFERENCES firms(id),
        to_firm_id uuid REFERENCES firms(id),
        firm_id uuid REFERENCES firms(id),
        -- the membership-transfer case (or branch-formation case for firm applications)
        case_id uuid REFERENCES cases(id),
        -- status when no transfer case decides it (a linked case decides: open → pending, completed, …)
        party_transfer text NOT NULL CHECK (party_transfer IN ('not_required','pending','completed','exception_approved')),
        applied_at timestamptz,
        approved_at timestamptz,
        withdrawn_at timestamptz,
        last_event_id text,
        notes jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX licensing_applications_case_idx ON licensing_applications (case_id) WHERE case_id IS NOT NULL;
      CREATE INDEX licensing_applications_member_idx ON licensing_applications (member_id) WHERE member_id IS NOT NULL;

      -- 行业处分 recorded on the member (member_id is null when the lawyer is not a known party member)
      CREATE TABLE member_disciplines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        member_id uuid REFERENCES members(id),
        license_no text,
        lawyer_name text,
        event_id text NOT NULL,
        sanction text NOT NULL,
        reason text,
        decided_on date,
        authority text,
        -- the non-conforming case opened (or already open) for it
        case_id uuid REFERENCES cases(id),
        recorded_at timestamptz NOT NULL
      );
      CREATE INDEX member_disciplines_member_idx ON member_disciplines (member_id);

      -- every delivery attempt of an outbox row (any topic): when, outcome, error, duration
      CREATE TABLE outbox_attempts (
        outbox_id bigint NOT NULL REFERENCES outbox(id),
        attempt int NOT NULL,
        at timestamptz NOT NULL,
        ok boolean NOT NULL,
        error text,
        duration_ms int,
        PRIMARY KEY (outbox_id, attempt)
      );
      CREATE INDEX outbox_licensing_ref_idx ON outbox ((payload->>'applicationRef')) WHERE topic = 'licensing.status';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS outbox_licensing_ref_idx;
      DROP TABLE outbox_attempts, member_disciplines, licensing_applications, licensing_events;`);
  }
}
