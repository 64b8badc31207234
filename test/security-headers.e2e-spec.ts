import { Harness, startHarness } from './support/harness';

/**
 * Issue 11 "Other": helmet's headers on every response (with a policy the console works under, checked by
 * the browser suites), no X-Powered-By, /metrics and /docs closable by configuration, and the queue board
 * (Bull Board) reachable only with its own short-lived cookie, never with a token in the URL.
 */
describe('security headers, closable operations pages, queue board session (e2e)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(() => h.close());

  it('every kind of response carries the security headers and no X-Powered-By', async () => {
    const admin = await h.as('admin');
    const responses = {
      me: await h.http().get('/api/v1/auth/me').set(admin),
      unauthorized: await h.http().get('/api/v1/auth/me'),
      unknownRoute: await h.http().get('/api/v1/no-such-route').set(admin),
      parserError: await h.http().post('/api/v1/auth/token').set('content-type', 'application/json').send('{bad'),
      health: await h.http().get('/health/live'),
      swagger: await h.http().get('/docs/'),
      console: await h.http().get('/'), // the console (or its "not built" page)
    };
    for (const [name, res] of Object.entries(responses)) {
      const where = `${name} → ${res.status}`;
      expect({ where, poweredBy: res.headers['x-powered-by'] }).toEqual({ where, poweredBy: undefined });
      const csp = res.headers['content-security-policy'] ?? '';
      expect({ where, csp }).toEqual({ where, csp: expect.stringContaining("script-src 'self'") });
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    }
  });

  it('/metrics and /docs are open in demo mode', async () => {
    expect((await h.http().get('/metrics')).status).toBe(200);
    expect((await h.http().get('/docs-json')).status).toBe(200);
    expect((await h.http().get('/docs/')).status).toBe(200);
  });

  it('the queue board takes no token in the URL, nor an access token as its cookie', async () => {
    const { Authorization } = await h.as('admin');
    const accessToken = Authorization.slice('Bearer '.length);
    const none = await h.http().get('/admin/queues');
    expect([none.status, none.body.code]).toEqual([401, 'UNAUTHORIZED']);
    const inUrl = await h.http().get(`/admin/queues?token=${accessToken}`);
    expect([inUrl.status, inUrl.headers['set-cookie']]).toEqual([401, undefined]);
    const accessAsCookie = await h.http().get('/admin/queues/').set('Cookie', `pf_board=${accessToken}`);
    expect(accessAsCookie.status).toBe(401);
    const asBearer = await h.http().get('/admin/queues/').set({ Authorization });
    expect(asBearer.status).toBe(401);
  });

  it('an admin gets a short-lived HttpOnly SameSite=Strict cookie by POST and the board opens with it; others get 403', async () => {
    expect((await h.http().post('/api/v1/auth/queue-board-session')).status).toBe(401);
    for (const user of ['supervisor', 'city', 'branch-a']) {
      const res = await h
        .http()
        .post('/api/v1/auth/queue-board-session')
        .set(await h.as(user));
      expect({ user, status: res.status, code: res.body.code, cookie: res.headers['set-cookie'] }).toEqual({
        user,
        status: 403,
        code: 'FORBIDDEN',
        cookie: undefined,
      });
    }
    const res = await h
      .http()
      .post('/api/v1/auth/queue-board-session')
      .set(await h.as('admin'));
    expect(res.status).toBe(204);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(setCookie).toHaveLength(1);
    const attributes = setCookie[0].split(/;\s*/);
    const [nameValue, ...flags] = attributes;
    expect(nameValue).toMatch(/^pf_board=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(flags).toEqual(expect.arrayContaining(['Max-Age=600', 'Path=/admin/queues', 'HttpOnly', 'SameSite=Strict']));
    const cookie = nameValue;

    const page = await h.http().get('/admin/queues/').set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('PartyFlow 队列');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const queues = await h.http().get('/admin/queues/api/queues').set('Cookie', cookie);
    expect(queues.status).toBe(200);
    expect(queues.body.queues.length).toBeGreaterThanOrEqual(2);

    // the board's session is for the board alone: it is no API access token
    const token = cookie.slice('pf_board='.length);
    expect((await h.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });
});

describe('/metrics and /docs closed by configuration (e2e)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ EXPOSE_METRICS: '0', EXPOSE_DOCS: '0' });
  }, 60_000);
  afterAll(() => h.close());

  it('answer 404 like an unknown path, while health stays open', async () => {
    for (const path of ['/metrics', '/docs', '/docs/', '/docs-json']) {
      const res = await h.http().get(path);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
    }
    expect((await h.http().get('/health/live')).status).toBe(200);
  });
});
