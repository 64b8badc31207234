import { MigrationInterface, QueryRunner } from 'typeorm';

/** In-app notifications (one row per recipient and timer stage) and outbound channel subscriptions. */
export class Notifications1700000000100 implements MigrationInterface {
  name = 'Notifications1700000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        case_id uuid REFERENCES cases(id),
        kind text NOT NULL CHECK (kind IN ('reminder','overdue','escalation','info')),
        -- 0 for reminders and the deadline, 1–2 for escalations
        level int NOT NULL DEFAULT 0,
        title text NOT NULL,
        body text NOT NULL,
        link jsonb,
        -- '<dedupeBase>:<userId>:in_app': one reminder per recipient, whatever retries and restarts happen
        dedupe_key text NOT NULL UNIQUE,
        -- not shown before (quiet hours, holidays: the next working morning); engine time
        deliver_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz
      );
      CREATE INDEX notifications_user_deliver_idx ON notifications (user_id, deliver_at DESC);
      CREATE INDEX notifications_user_unread_idx ON notifications (user_id, deliver_at DESC) WHERE read_at IS NULL;
      CREATE INDEX notifications_case_idx ON notifications (case_id) WHERE case_id IS NOT NULL;

      -- e-mail and webhook subscriptions of a user or of an organization (in-app is always on)
      CREATE TABLE notification_channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        org_id uuid REFERENCES orgs(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('email','webhook')),
        -- e-mail address or webhook URL
        address text NOT NULL,
        -- HMAC-SHA256 key of a webhook
        secret text,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_channels_one_owner CHECK (num_nonnulls(user_id, org_id) = 1),
        CONSTRAINT notification_channels_secret_webhook_only CHECK (secret IS NULL OR channel = 'webhook')
      );
      CREATE UNIQUE INDEX notification_channels_owner_address_idx ON notification_channels (coalesce(user_id, org_id), channel, address);
      CREATE INDEX notification_channels_user_idx ON notification_channels (user_id) WHERE user_id IS NOT NULL;
      CREATE INDEX notification_channels_org_idx ON notification_channels (org_id) WHERE org_id IS NOT NULL;

      -- recipients are looked up by org and role on every timer stage (the primary key leads with user_id)
      CREATE INDEX IF NOT EXISTS role_assignments_org_role_idx ON role_assignments (org_id, role);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP INDEX IF EXISTS role_assignments_org_role_idx; DROP TABLE notification_channels; DROP TABLE notifications;`,
    );
  }
}
