/**
 * TRUST_PROXY: behind a reverse proxy the client's address comes from X-Forwarded-For, which the login
 * record and the per-address throttle read. Without the setting the header is a client's claim and is ignored.
 */
import { Harness, startHarness } from './support/harness';

describe('client address behind a trusted proxy (e2e)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ TRUST_PROXY: 'loopback', LOGIN_MAX_FAILURES_PER_ADDRESS: '3' });
  });
  afterAll(() => h.close());

  const login = (forwardedFor: string, password: string) =>
    h.http().post('/api/v1/auth/token').set('X-Forwarded-For', forwardedFor).send({ username: 'branch-b', password });

  it('records the forwarded address and throttles per forwarded address, not per proxy', async () => {
    // documentation addresses (RFC 5737): header values only, no traffic goes anywhere
    for (let i = 0; i < 3; i++) expect((await login('203.0.113.9', 'wrong')).status).toBe(401);
    expect((await login('203.0.113.9', 'demo')).status).toBe(429);
    // another client behind the same proxy is not punished for the first one's failures
    expect((await login('198.51.100.7', 'demo')).status).toBe(200);

    const logins = await h
      .http()
      .get('/api/v1/auth/logins?username=branch-b&limit=10')
      .set(await h.as('admin'));
    expect(logins.status).toBe(200);
    const addresses = new Set(logins.body.items.map((e: { address: string }) => e.address));
    expect(addresses).toEqual(new Set(['203.0.113.9', '198.51.100.7']));
  });

  // concurrent guesses (S8): the throttle is checked and the attempt recorded one at a time per username and
  // per address, so parallel requests cannot all read "below the limit" before any failure is written
  const failuresRecorded = async (where: string, value: string) => {
    const [{ n }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM login_events WHERE ${where} = $1 AND outcome IN ('failure','lockout')`,
      [value],
    );
    return n as number;
  };

  it('parallel wrong passwords for one username: at most LOGIN_MAX_FAILURES are checked, the rest are 429', async () => {
    const MAX_FAILURES = 5; // the default
    const statuses = (
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          h
            .http()
            .post('/api/v1/auth/token')
            .set('X-Forwarded-For', `192.0.2.${10 + i}`) // one address each: only the username limit applies
            .send({ username: 'joint-1', password: `wrong-${i}` }),
        ),
      )
    ).map((r) => r.status);
    expect(await failuresRecorded('username', 'joint-1')).toBe(MAX_FAILURES);
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILURES - 1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - (MAX_FAILURES - 1));
    // locked: the right password does not get in either
    expect((await login('192.0.2.99', 'demo')).status).toBe(200); // (branch-b: another username)
    const right = await h
      .http()
      .post('/api/v1/auth/token')
      .set('X-Forwarded-For', '192.0.2.98')
      .send({ username: 'joint-1', password: 'demo' });
    expect(right.status).toBe(429);
  });

  it('parallel wrong passwords from one address: at most LOGIN_MAX_FAILURES_PER_ADDRESS are checked', async () => {
    const statuses = (
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          h
            .http()
            .post('/api/v1/auth/token')
            .set('X-Forwarded-For', '203.0.113.77')
            .send({ username: `spray-${i}`, password: 'wrong' }),
        ),
      )
    ).map((r) => r.status);
    expect(await failuresRecorded('address', '203.0.113.77')).toBe(3);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    const [{ reasons }] = await h.ds.query(
      `SELECT array_agg(DISTINCT reason) AS reasons FROM login_events WHERE address = '203.0.113.77' AND outcome = 'throttled'`,
    );
    expect(reasons).toEqual(['该地址登录失败次数过多']);
  });

  it('the login record gives its reasons in Chinese', async () => {
    const [{ reasons }] = await h.ds.query(
      `SELECT array_agg(DISTINCT reason) AS reasons FROM login_events WHERE username = 'joint-1' AND reason IS NOT NULL`,
    );
    expect(reasons.sort()).toEqual(['账号已被暂时锁定', '连续失败 5 次'].sort());
  });
});
