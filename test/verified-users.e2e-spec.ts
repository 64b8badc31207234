import { Client } from 'pg';
import { VerifiedUsersCache } from '../libs/auth/verified-users.cache';
import { Harness, startHarness } from './support/harness';

/**
 * The users behind verified tokens are kept in memory (libs/auth/verified-users.cache.ts) and forgotten when a
 * database trigger announces a change. Changes here are made on a separate connection, as another API process
 * or an operator with psql would make them, so only the announcement can tell this process.
 */
describe('verified users in memory, forgotten on every announced change (e2e)', () => {
  let h: Harness;
  let sql: Client;
  let cache: VerifiedUsersCache;

  beforeAll(async () => {
    h = await startHarness();
    sql = new Client({ connectionString: h.env.DATABASE_URL });
    await sql.connect();
    cache = h.app.get(VerifiedUsersCache);
  });
  afterAll(async () => {
    await sql.end();
    await h.close();
  });

  const me = async (username: string) =>
    h
      .http()
      .get('/api/v1/auth/me')
      .set(await h.as(username));
  /** Polls until `check` passes or `ms` have gone by (an announcement crosses a socket: never synchronous). */
  async function eventually(check: () => Promise<void>, ms = 3000) {
    const until = Date.now() + ms;
    for (;;) {
      try {
        return await check();
      } catch (e) {
        if (Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  const activeCache = () =>
    eventually(async () => {
      expect((await me('city')).status).toBe(200);
      expect(cache.active).toBe(true);
    });
  /** A change the triggers do not announce (replica mode skips them): what the process can only know by reading. */
  const silently = async (statement: string, params: unknown[]) => {
    await sql.query(`SET session_replication_role = replica`);
    try {
      await sql.query(statement, params);
    } finally {
      await sql.query(`SET session_replication_role = DEFAULT`);
    }
  };
  const roleCount = async (username: string) => (await me(username)).body.roles.length as number;

  it('remembers a verified user (an unannounced change is not read) and forgets it when a change is announced', async () => {
    await activeCache();
    const before = await roleCount('joint-1');
    const [{ id }] = (await sql.query(`SELECT id FROM users WHERE username = 'joint-1'`)).rows;
    const cityId = h.region.anchors.cityId;
    await silently(`INSERT INTO role_assignments (user_id, role, org_id) VALUES ($1, 'supervisor', $2)`, [id, cityId]);
    expect(await roleCount('joint-1')).toBe(before); // remembered: the database was not asked
    // an announced change (any row of the user): the next requests read it, the silent one included
    await sql.query(`UPDATE users SET display_name = display_name WHERE id = $1`, [id]);
    await eventually(async () => expect(await roleCount('joint-1')).toBe(before + 1));
  });

  it('a user disabled by another process loses access within moments', async () => {
    await activeCache();
    expect((await me('branch-b')).status).toBe(200);
    expect((await me('branch-b')).status).toBe(200);
    await sql.query(`UPDATE users SET disabled = true WHERE username = 'branch-b'`);
    await eventually(async () => expect((await me('branch-b')).status).toBe(401));
    await sql.query(`UPDATE users SET disabled = false WHERE username = 'branch-b'`);
  });

  it('roles changed by another process apply within moments', async () => {
    await activeCache();
    const before = await roleCount('county-zg');
    const [{ id }] = (await sql.query(`SELECT id FROM users WHERE username = 'county-zg'`)).rows;
    await sql.query(`INSERT INTO role_assignments (user_id, role, org_id) VALUES ($1, 'supervisor', $2)`, [
      id,
      h.region.anchors.cityId,
    ]);
    await eventually(async () => expect(await roleCount('county-zg')).toBe(before + 1));
    await sql.query(`DELETE FROM role_assignments WHERE user_id = $1 AND role = 'supervisor'`, [id]);
    await eventually(async () => expect(await roleCount('county-zg')).toBe(before));
  });

  it('while its subscription is broken it remembers nothing, and it subscribes again', async () => {
    await activeCache();
    await sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'partyflow-user-changes' AND datname = current_database()`,
    );
    await eventually(async () => expect(cache.active).toBe(false));
    // not announced, yet seen at once: nothing is remembered while announcements may be missed
    const before = await roleCount('branch-a');
    const [{ id }] = (await sql.query(`SELECT id FROM users WHERE username = 'branch-a'`)).rows;
    await silently(`INSERT INTO role_assignments (user_id, role, org_id) VALUES ($1, 'supervisor', $2)`, [
      id,
      h.region.anchors.cityId,
    ]);
    expect(await roleCount('branch-a')).toBe(before + 1);
    await activeCache(); // a request after the retry pause subscribes again
  });

  it('a user this process disables is refused on its very next request', async () => {
    await activeCache();
    const admin = await h.as('admin');
    const list = await h.http().get('/api/v1/users').set(admin);
    const target = list.body.find((u: { username: string }) => u.username === 'joint-1');
    expect((await me('joint-1')).status).toBe(200);
    const off = await h.http().patch(`/api/v1/users/${target.id}`).set(admin).send({ disabled: true });
    expect(off.status).toBe(200);
    expect((await me('joint-1')).status).toBe(401);
  });
});
