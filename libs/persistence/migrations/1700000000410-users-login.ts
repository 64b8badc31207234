import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users can be disabled, and a disable, password change or reset bumps `token_version`, which every access
 * token carries: older tokens stop working at once. `login_events` records every login attempt (success,
 * failure, lockout, throttled, disabled) and every unlock, password change and reset; the throttle reads its
 * counts from it, so several API processes share one view of who is locked out.
 */
export class UsersLogin1700000000410 implements MigrationInterface {
  name = 'UsersLogin1700000000410';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN disabled boolean NOT NULL DEFAULT false,
        ADD COLUMN token_version int NOT NULL DEFAULT 0,
        ADD COLUMN password_changed_at timestamptz,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
      CREATE TABLE login_events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        username text NOT NULL,
        user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        address text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN
          ('success','failure','lockout','throttled','disabled','unlock','password_changed','password_reset')),
        reason text
      );
      CREATE INDEX login_events_username_at_idx ON login_events (username, at);
      CREATE INDEX login_events_address_failures_idx ON login_events (address, at) WHERE outcome IN ('failure','lockout');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE login_events;
      ALTER TABLE users DROP COLUMN disabled, DROP COLUMN token_version, DROP COLUMN password_changed_at, DROP COLUMN updated_at;
    `);
  }
}
