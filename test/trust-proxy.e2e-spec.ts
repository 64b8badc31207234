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
});
