import bcrypt from 'bcryptjs';
import { Harness, startHarness } from './support/harness';

/**
 * Users and login (docs/api.md "Users and login"): user management by admins and city clerks, one's own
 * password, throttling per username and per address (429 TOO_MANY_ATTEMPTS + Retry-After), lockout, the
 * login record, argon2id hashes (legacy bcrypt upgraded on login), and tokens that stop working when their
 * user is disabled or their password changes.
 */
describe('users and login (e2e)', () => {
  let h: Harness;
  let a: Harness['region']['anchors'];
  const MAX_FAILURES = 3;
  const MAX_PER_ADDRESS = 14;
  const LOCKOUT_SECONDS = 2;

  beforeAll(async () => {
    h = await startHarness({
      LOGIN_MAX_FAILURES: String(MAX_FAILURES),
      LOGIN_MAX_FAILURES_PER_ADDRESS: String(MAX_PER_ADDRESS),
      LOGIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
    });
    a = h.region.anchors;
  });
  afterAll(() => h.close());

  const login = (username: string, password: string) =>
    h.http().post('/api/v1/auth/token').send({ username, password });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('locks a username after repeated failures: 429 TOO_MANY_ATTEMPTS with Retry-After, even for the right password, until the lockout ends', async () => {
    for (let i = 1; i < MAX_FAILURES; i++) {
      const res = await login('branch-b', 'wrong');
      expect(res.status).toBe(401);
    }
    const locking = await login('branch-b', 'wrong');
    expect(locking.status).toBe(429);
    expect(locking.body.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(locking.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const right = await login('branch-b', 'demo');
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(right.headers['retry-after'])).toBeLessThanOrEqual(LOCKOUT_SECONDS);
    await new Promise((r) => setTimeout(r, LOCKOUT_SECONDS * 1000 + 100));
    expect((await login('branch-b', 'demo')).status).toBe(200);
  });

  it('treats unknown usernames like real ones (the answers do not reveal which exist)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < MAX_FAILURES + 1; i++) statuses.push((await login('no-such-user', 'wrong')).status);
    expect(statuses).toEqual([...Array(MAX_FAILURES - 1).fill(401), 429, 429]);
  });

  it('an administrator password reset lifts a lockout and ends the old tokens', async () => {
    const admin = await h.as('admin');
    const oldToken = (await login('joint-1', 'demo')).body.accessToken;
    for (let i = 0; i < MAX_FAILURES; i++) await login('joint-1', 'wrong');
    expect((await login('joint-1', 'demo')).status).toBe(429);
    const me = await h.http().get('/api/v1/auth/me').set(bearer(oldToken));
    // the user list shows the lockout (the console's users screen marks the account locked)
    const locked = await h.http().get(`/api/v1/users/${me.body.id}`).set(admin);
    expect(Date.parse(locked.body.lockedUntil)).toBeGreaterThan(Date.now());
    const listed = await h.http().get('/api/v1/users').set(admin);
    expect(listed.body.find((u: any) => u.username === 'joint-1').lockedUntil).toBe(locked.body.lockedUntil);
    expect(listed.body.find((u: any) => u.username === 'city').lockedUntil).toBeNull();
    const reset = await h
      .http()
      .post(`/api/v1/users/${me.body.id}/password`)
      .set(admin)
      .send({ password: 'new-password-1' });
    expect(reset.status).toBe(200);
    expect(reset.body.passwordChangedAt).toBeTruthy();
    expect(reset.body.lockedUntil).toBeNull();
    expect((await h.http().get('/api/v1/auth/me').set(bearer(oldToken))).status).toBe(401);
    expect((await login('joint-1', 'demo')).status).toBe(401);
    expect((await login('joint-1', 'new-password-1')).status).toBe(200);
  });

  it('stores argon2id hashes and upgrades a legacy bcrypt hash on login', async () => {
    await h.ds.query(`UPDATE users SET password_hash = $1 WHERE username = 'orgdept'`, [bcrypt.hashSync('demo', 4)]);
    expect((await login('orgdept', 'demo')).status).toBe(200);
    const [{ password_hash: upgraded }] = await h.ds.query(
      `SELECT password_hash FROM users WHERE username = 'orgdept'`,
    );
    expect(upgraded).toMatch(/^\$argon2id\$/);
    expect((await login('orgdept', 'demo')).status).toBe(200);
    const [{ password_hash: seeded }] = await h.ds.query(`SELECT password_hash FROM users WHERE username = 'city'`);
    expect(seeded).toMatch(/^\$argon2id\$/);
  });

  it('admins create, list, update and disable users; a disabled user’s token stops working at once', async () => {
    const admin = await h.as('admin');
    const created = await h
      .http()
      .post('/api/v1/users')
      .set(admin)
      .send({
        username: 'branch-a2',
        displayName: '第二位党务干事',
        password: 'initial-pass-1',
        roles: [{ role: 'clerk', orgId: a.firmAOrgId }],
      });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      username: 'branch-a2',
      disabled: false,
      roles: [{ role: 'clerk', orgId: a.firmAOrgId }],
    });
    expect(created.body.passwordHash).toBeUndefined();
    const dup = await h
      .http()
      .post('/api/v1/users')
      .set(admin)
      .send({ username: 'branch-a2', displayName: 'x', password: 'initial-pass-1', roles: [] });
    expect(dup.status).toBe(409);
    const list = await h.http().get('/api/v1/users').set(admin);
    expect(list.status).toBe(200);
    expect(list.body.map((u: any) => u.username)).toEqual(expect.arrayContaining(['admin', 'branch-a2', 'city']));

    const session = await login('branch-a2', 'initial-pass-1');
    expect(session.status).toBe(200);
    const token = session.body.accessToken;
    expect((await h.http().get('/api/v1/cases').set(bearer(token))).status).toBe(200);

    const renamed = await h
      .http()
      .patch(`/api/v1/users/${created.body.id}`)
      .set(admin)
      .send({ displayName: '改名后的党务干事' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe('改名后的党务干事');
    expect((await h.http().get('/api/v1/cases').set(bearer(token))).status).toBe(200);

    const disabled = await h.http().patch(`/api/v1/users/${created.body.id}`).set(admin).send({ disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    const refused = await h.http().get('/api/v1/cases').set(bearer(token));
    expect(refused.status).toBe(401);
    const again = await login('branch-a2', 'initial-pass-1');
    expect(again.status).toBe(403);
    expect(again.body.code).toBe('ACCOUNT_DISABLED');
    // the wrong password still gets the same answer as for anyone
    expect((await login('branch-a2', 'wrong-pass')).status).toBe(401);

    await h.http().patch(`/api/v1/users/${created.body.id}`).set(admin).send({ disabled: false });
    expect((await login('branch-a2', 'initial-pass-1')).status).toBe(200);
    // an admin cannot lock themselves out
    const self = (await h.http().get('/api/v1/auth/me').set(admin)).body.id;
    expect((await h.http().patch(`/api/v1/users/${self}`).set(admin).send({ disabled: true })).status).toBe(422);
  });

  it('a city clerk manages the users of its subtree only, and grants only clerk roles there; other clerks get 403', async () => {
    const city = await h.as('city');
    const list = await h.http().get('/api/v1/users').set(city);
    expect(list.status).toBe(200);
    const names = list.body.map((u: any) => u.username);
    expect(names).toEqual(expect.arrayContaining(['county-zg', 'branch-a']));
    // not itself (a clerk at the committee, like its peers), nor anyone outside its subtree
    for (const outside of ['city', 'admin', 'supervisor', 'orgdept']) expect(names).not.toContain(outside);

    const ok = await h
      .http()
      .post('/api/v1/users')
      .set(city)
      .send({
        username: 'county-zg-2',
        displayName: '区司法局党务干事',
        password: 'initial-pass-2',
        roles: [{ role: 'clerk', orgId: a.zhangGongCountyId }],
      });
    expect(ok.status).toBe(201);
    for (const roles of [
      [{ role: 'admin', orgId: a.zhangGongCountyId }],
      [{ role: 'clerk', orgId: a.provinceId }],
      [{ role: 'clerk', orgId: a.orgDeptId }],
      // the committee itself: that would make a peer, whom it could then not manage
      [{ role: 'clerk', orgId: a.cityId }],
      [],
    ]) {
      const res = await h
        .http()
        .post('/api/v1/users')
        .set(city)
        .send({ username: 'escalate', displayName: 'x', password: 'initial-pass-3', roles });
      expect({ roles, status: res.status, code: res.body.code }).toEqual({
        roles,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    const adminId = (
      await h
        .http()
        .get('/api/v1/auth/me')
        .set(await h.as('admin'))
    ).body.id;
    expect((await h.http().patch(`/api/v1/users/${adminId}`).set(city).send({ disabled: true })).status).toBe(404);
    expect(
      (await h.http().post(`/api/v1/users/${adminId}/password`).set(city).send({ password: 'takeover-1' })).status,
    ).toBe(404);
    const promote = await h
      .http()
      .patch(`/api/v1/users/${ok.body.id}`)
      .set(city)
      .send({ roles: [{ role: 'supervisor', orgId: a.cityId }] });
    expect(promote.status).toBe(400);

    for (const user of ['branch-a', 'county-zg', 'supervisor', 'orgdept']) {
      const res = await h
        .http()
        .get('/api/v1/users')
        .set(await h.as(user));
      expect({ user, status: res.status }).toEqual({ user, status: 403 });
    }
    expect((await h.http().get('/api/v1/users/not-a-uuid').set(city)).status).toBe(404);
  });

  it('a city clerk resets neither its own password nor a peer’s, and manages only clerks below its committee', async () => {
    const admin = await h.as('admin');
    const city = await h.as('city');
    const create = async (username: string, roles: { role: string; orgId: string }[]) => {
      const res = await h
        .http()
        .post('/api/v1/users')
        .set(admin)
        .send({ username, displayName: username, password: 'initial-pass-9', roles });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const peer = await create('city-peer', [{ role: 'clerk', orgId: a.cityId }]);
    const countySupervisor = await create('county-sup', [{ role: 'supervisor', orgId: a.zhangGongCountyId }]);
    const mixed = await create('county-mixed', [
      { role: 'clerk', orgId: a.zhangGongCountyId },
      { role: 'orgdept', orgId: a.zhangGongCountyId },
    ]);
    const managed = await create('branch-a3', [{ role: 'clerk', orgId: a.firmAOrgId }]);
    const self = (await h.http().get('/api/v1/auth/me').set(city)).body.id as string;
    const reset = (headers: { Authorization: string }, id: string) =>
      h.http().post(`/api/v1/users/${id}/password`).set(headers).send({ password: 'takeover-2' });

    // itself: 422, whichever spelling of its id; the way to a new password is POST /auth/password
    for (const id of [self, self.toUpperCase()]) {
      const res = await reset(city, id);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'RULE_VIOLATION' });
      expect(res.body.message).toMatch(/修改密码/);
    }
    // (only right passwords from here: wrong ones count toward this suite's per-address limit)
    expect((await login('city', 'demo')).status).toBe(200);
    // a peer clerk at the committee, a supervisor or organization-department role below it: not its users
    for (const id of [peer, countySupervisor, mixed]) {
      expect({ id, status: (await reset(city, id)).status }).toEqual({ id, status: 404 });
      expect((await h.http().get(`/api/v1/users/${id}`).set(city)).status).toBe(404);
      expect((await h.http().patch(`/api/v1/users/${id}`).set(city).send({ disabled: true })).status).toBe(404);
    }
    expect((await login('city-peer', 'initial-pass-9')).status).toBe(200);
    const names = (await h.http().get('/api/v1/users').set(city)).body.map((u: any) => u.username);
    expect(names).toContain('branch-a3');
    for (const other of ['city-peer', 'county-sup', 'county-mixed']) expect(names).not.toContain(other);
    // a clerk below the committee: reset, and the new password works
    expect((await reset(city, managed)).status).toBe(200);
    expect((await login('branch-a3', 'takeover-2')).status).toBe(200);
    // an administrator does not reset its own password here either
    const adminId = (await h.http().get('/api/v1/auth/me').set(admin)).body.id as string;
    expect((await reset(admin, adminId)).status).toBe(422);
    expect((await reset(admin, peer)).status).toBe(200);
  });

  it('POST /auth/password changes one’s own password: the current one is checked, old tokens stop working', async () => {
    const first = await login('county-zg', 'demo');
    const token = first.body.accessToken;
    const wrong = await h
      .http()
      .post('/api/v1/auth/password')
      .set(bearer(token))
      .send({ current: 'not-it', next: 'county-new-pass' });
    expect(wrong.status).toBe(400);
    const short = await h
      .http()
      .post('/api/v1/auth/password')
      .set(bearer(token))
      .send({ current: 'demo', next: 'short' });
    expect(short.status).toBe(400);
    const changed = await h
      .http()
      .post('/api/v1/auth/password')
      .set(bearer(token))
      .send({ current: 'demo', next: 'county-new-pass' });
    expect(changed.status).toBe(200);
    expect(changed.body.accessToken).toEqual(expect.any(String));
    expect((await h.http().get('/api/v1/auth/me').set(bearer(token))).status).toBe(401);
    expect((await h.http().get('/api/v1/auth/me').set(bearer(changed.body.accessToken))).status).toBe(200);
    expect((await login('county-zg', 'demo')).status).toBe(401);
    expect((await login('county-zg', 'county-new-pass')).status).toBe(200);
  });

  it('shows a city clerk the login record of the users it manages only', async () => {
    const city = await h.as('city');
    const managed: string[] = (await h.http().get('/api/v1/users').set(city)).body.map((u: any) => u.username);
    expect(managed).toContain('branch-b');
    expect(managed).not.toContain('supervisor');
    const res = await h.http().get('/api/v1/auth/logins?limit=200').set(city);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(0);
    expect(res.body.items.every((e: any) => managed.includes(e.username))).toBe(true);
    const lockouts = await h.http().get('/api/v1/auth/logins?username=branch-b&outcome=lockout').set(city);
    expect(lockouts.body.items.length).toBeGreaterThan(0);
    // someone it does not manage: nothing, though the admin sees their logins
    const other = await h.http().get('/api/v1/auth/logins?username=supervisor').set(city);
    expect(other.body.items).toEqual([]);
    const asAdmin = await h
      .http()
      .get('/api/v1/auth/logins?username=supervisor')
      .set(await h.as('admin'));
    expect(asAdmin.body.items.length).toBeGreaterThan(0);
  });

  it('records every login, failure, lockout and refusal, visible to admins and city clerks only', async () => {
    const admin = await h.as('admin');
    const res = await h.http().get('/api/v1/auth/logins?username=branch-b&limit=200').set(admin);
    expect(res.status).toBe(200);
    const outcomes = res.body.items.map((e: any) => e.outcome);
    expect(outcomes).toEqual(expect.arrayContaining(['success', 'failure', 'lockout', 'throttled']));
    expect(res.body.items[0]).toMatchObject({
      username: 'branch-b',
      address: expect.stringMatching(/127\.0\.0\.1|::1/),
    });
    const ats = res.body.items.map((e: any) => Date.parse(e.at));
    expect([...ats].sort((x, y) => y - x)).toEqual(ats);
    const disabled = await h.http().get('/api/v1/auth/logins?outcome=disabled').set(admin);
    expect(disabled.body.items.map((e: any) => e.username)).toContain('branch-a2');
    const page = await h.http().get('/api/v1/auth/logins?limit=2').set(admin);
    expect(page.body.items).toHaveLength(2);
    const next = await h.http().get(`/api/v1/auth/logins?limit=2&before=${page.body.nextBefore}`).set(admin);
    expect(Number(next.body.items[0].id)).toBeLessThan(Number(page.body.items[1].id));
    for (const user of ['supervisor', 'branch-a']) {
      const denied = await h
        .http()
        .get('/api/v1/auth/logins')
        .set(await h.as(user));
      expect(denied.status).toBe(403);
    }
    expect((await h.http().get('/api/v1/auth/logins?before=abc').set(admin)).status).toBe(400);
  });

  // last: it exhausts this address's failure budget for the rest of the suite
  it('throttles an address after many failures across usernames: 429 with Retry-After, right passwords included', async () => {
    let status = 0;
    let i = 0;
    for (; i < MAX_PER_ADDRESS + 2 && status !== 429; i++) status = (await login(`spray-${i}`, 'wrong')).status;
    expect(status).toBe(429);
    const right = await login('supervisor', 'demo');
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    // without TRUST_PROXY a forged X-Forwarded-For does not buy a fresh address budget
    const forged = await h
      .http()
      .post('/api/v1/auth/token')
      .set('X-Forwarded-For', '198.51.100.7')
      .send({ username: 'supervisor', password: 'demo' });
    expect(forged.status).toBe(429);
    const [{ n }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM login_events WHERE outcome = 'throttled' AND reason = '该地址登录失败次数过多'`,
    );
    expect(n).toBeGreaterThanOrEqual(1);
  });
});
