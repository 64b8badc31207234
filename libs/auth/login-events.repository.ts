import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export type LoginOutcome =
  'success' | 'failure' | 'lockout' | 'throttled' | 'disabled' | 'password_changed' | 'password_reset';

export interface LoginEvent {
  id: string;
  at: Date;
  username: string;
  userId: string | null;
  address: string;
  outcome: LoginOutcome;
  reason: string | null;
}

/** The login record (`login_events`): every attempt and every event that resets a username's failure count. */
@Injectable()
export class LoginEventsRepository {
  constructor(private readonly ds: DataSource) {}

  /** Appends one row; its id (to settle an attempt recorded before its password was checked). */
  async record(e: Omit<LoginEvent, 'id' | 'at'>, em?: EntityManager): Promise<string> {
    const [row] = await (em ?? this.ds.manager).query(
      `INSERT INTO login_events (username, user_id, address, outcome, reason) VALUES ($1, $2, $3, $4, $5) RETURNING id::text AS id`,
      [e.username, e.userId, e.address, e.outcome, e.reason],
    );
    return row.id;
  }

  /** The final outcome of an attempt recorded (as a failure) before its password was checked. */
  async settle(id: string, outcome: LoginOutcome, reason: string | null): Promise<void> {
    await this.ds.query(`UPDATE login_events SET outcome = $2, reason = $3 WHERE id = $1`, [id, outcome, reason]);
  }

  /**
   * Runs `fn` in a transaction holding transaction-level advisory locks on the address (when given) and then
   * the username — always in that order, so two attempts cannot deadlock. Attempts on the same username or
   * from the same address thereby check the throttle and record themselves one after the other: parallel
   * guesses cannot all read "below the limit" before any of them is written.
   */
  async serialized<T>(username: string, address: string | null, fn: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(async (em) => {
      if (address !== null) await em.query(`SELECT pg_advisory_xact_lock(hashtext('login-address:' || $1))`, [address]);
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('login-username:' || $1))`, [username]);
      return fn(em);
    });
  }

  /** Failed attempts (failures and lockouts) from one address in the last `windowSeconds`, and when the oldest leaves the window. */
  async addressFailures(
    address: string,
    windowSeconds: number,
    em?: EntityManager,
  ): Promise<{ count: number; oldestLeavesIn: number }> {
    const [row] = await (em ?? this.ds.manager).query(
      `SELECT count(*)::int AS count,
              coalesce(extract(epoch FROM min(at) + make_interval(secs => $2) - now()), 0)::float8 AS "oldestLeavesIn"
         FROM login_events
        WHERE address = $1 AND outcome IN ('failure','lockout') AND at > now() - make_interval(secs => $2)`,
      [address, windowSeconds],
    );
    return row;
  }

  /**
   * A username's standing: seconds left of a lockout not yet lifted by a success, a password change or reset
   * (null when not locked), and its failures since the last of those (or the last lockout), within the window.
   */
  async usernameStanding(
    username: string,
    windowSeconds: number,
    lockoutSeconds: number,
    em?: EntityManager,
  ): Promise<{ lockedFor: number | null; failures: number }> {
    const [row] = await (em ?? this.ds.manager).query(
      `WITH reset AS (SELECT max(at) AS at FROM login_events
                       WHERE username = $1 AND outcome IN ('success','password_changed','password_reset')),
            lock AS (SELECT max(at) AS at FROM login_events WHERE username = $1 AND outcome = 'lockout')
       SELECT CASE WHEN lock.at IS NOT NULL AND (reset.at IS NULL OR lock.at > reset.at)
                        AND lock.at + make_interval(secs => $3) > now()
                   THEN extract(epoch FROM lock.at + make_interval(secs => $3) - now())::float8 END AS "lockedFor",
              (SELECT count(*)::int FROM login_events e
                WHERE e.username = $1 AND e.outcome = 'failure'
                  AND e.at > greatest(reset.at, lock.at, now() - make_interval(secs => $2))) AS failures
         FROM reset, lock`,
      [username, windowSeconds, lockoutSeconds],
    );
    return row;
  }

  /**
   * Newest first, `limit` rows older than the `before` id (keyset paging); `usernames` (when given) limits the
   * record to those usernames (a city committee's clerk sees only the users it manages).
   */
  async list(q: {
    username?: string;
    usernames?: string[];
    outcome?: LoginOutcome;
    before?: string;
    limit: number;
  }): Promise<LoginEvent[]> {
    return this.ds.query(
      `SELECT id::text AS id, at, username, user_id AS "userId", address, outcome, reason FROM login_events
        WHERE ($1::text IS NULL OR username = $1) AND ($2::text IS NULL OR outcome = $2) AND ($3::bigint IS NULL OR id < $3)
          AND ($5::text[] IS NULL OR username = ANY($5::text[]))
        ORDER BY id DESC LIMIT $4`,
      [q.username ?? null, q.outcome ?? null, q.before ?? null, q.limit, q.usernames ?? null],
    );
  }

  /**
   * The usernames among `usernames` whose last lockout still holds (not lifted by a later success, password
   * change or reset, and younger than `lockoutSeconds`), with the time it ends.
   */
  async lockedUntil(usernames: string[], lockoutSeconds: number): Promise<Map<string, Date>> {
    if (!usernames.length) return new Map();
    const rows: { username: string; until: Date }[] = await this.ds.query(
      `SELECT l.username, l.at + make_interval(secs => $2) AS until
         FROM (SELECT username, max(at) AS at FROM login_events
                WHERE username = ANY($1::text[]) AND outcome = 'lockout' GROUP BY username) l
        WHERE l.at + make_interval(secs => $2) > now()
          AND NOT EXISTS (SELECT 1 FROM login_events e
                           WHERE e.username = l.username AND e.at > l.at
                             AND e.outcome IN ('success','password_changed','password_reset'))`,
      [usernames, lockoutSeconds],
    );
    return new Map(rows.map((r) => [r.username, r.until]));
  }
}
