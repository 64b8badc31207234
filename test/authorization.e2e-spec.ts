import ExcelJS from 'exceljs';
import { JwtService } from '@nestjs/jwt';
import { fullMembersOf, Harness, startHarness } from './support/harness';
import { residentIdCheckChar } from '../libs/common/resident-id';
import { fileOrJson } from './support/binary';

/**
 * The authorization matrix: each demo role × each endpoint, inside and outside its scope. Outside the
 * scope things do not exist (404); inside it but without the right role, 403.
 */
describe('authorization matrix (e2e)', () => {
  let h: Harness;
  const USERS = ['admin', 'supervisor', 'city', 'county-zg', 'branch-a', 'branch-b', 'joint-1', 'orgdept'] as const;
  type User = (typeof USERS)[number];
  const headers = {} as Record<User, { Authorization: string }>;
  let a: Harness['region']['anchors'];
  let memberA: string;
  let caseId: string;

  beforeAll(async () => {
    h = await startHarness();
    for (const u of USERS) headers[u] = await h.as(u);
    a = h.region.anchors;
    // a member of firm A no other suite uses (from the end of the list)
    const members = fullMembersOf(h.region, a.firmAOrgId);
    memberA = members[members.length - 1].id;
    const opened = await h
      .http()
      .post('/api/v1/cases')
      .set(headers['branch-a'])
      .send({ workflow: 'membership-transfer', subject: { memberId: memberA }, input: { toOrgId: a.firmBOrgId } });
    expect(opened.status).toBe(201);
    caseId = opened.body.id;
    // eight argon2 logins and an app boot: beyond Jest's 5 s default on a loaded 2-core machine
  }, 60_000);
  afterAll(() => h.close());

  const get = (user: User | null, path: string) => {
    const req = h.http().get(`/api/v1${path}`);
    return user ? req.set(headers[user]) : req;
  };

  it('requires a token everywhere but health, docs and login', async () => {
    for (const path of [
      '/auth/me',
      '/orgs',
      '/firms',
      '/members',
      '/workflows',
      '/cases',
      `/cases/${caseId}`,
      '/tasks',
      '/audit/events',
      '/audit/verify',
      '/audit/export',
    ]) {
      const res = await get(null, path);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 401, code: 'UNAUTHORIZED' });
    }
    const forged = await h
      .http()
      .get('/api/v1/auth/me')
      .set('Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad');
    expect(forged.status).toBe(401);
    const health = await h.http().get('/health');
    expect(health.status).toBe(200);
    expect(health.body.details).toMatchObject({
      postgres: { status: 'up' },
      redis: { status: 'up' },
      timers: { status: 'up' },
    });
    expect((await h.http().get('/docs-json')).status).toBe(200);
    const wrong = await h.http().post('/api/v1/auth/token').send({ username: 'city', password: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
  });

  it('a token accepted once is refused after it expires (verified tokens are remembered, their expiry is not)', async () => {
    const me = await get('city', '/auth/me');
    const jwt = h.app.get(JwtService);
    const ver = (await h.ds.query(`SELECT token_version FROM users WHERE id = $1`, [me.body.id]))[0].token_version;
    const shortLived = await jwt.signAsync({ sub: me.body.id, username: 'city', ver }, { expiresIn: 3 });
    const asShortLived = () =>
      h
        .http()
        .get('/api/v1/auth/me')
        .set({ Authorization: `Bearer ${shortLived}` });
    expect((await asShortLived()).status).toBe(200);
    expect((await asShortLived()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 4_000));
    const expired = await asShortLived();
    expect({ status: expired.status, code: expired.body.code }).toEqual({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('GET /auth/me returns each user with roles', async () => {
    for (const u of USERS) {
      const res = await get(u, '/auth/me');
      expect(res.status).toBe(200);
      expect(res.body.username).toBe(u);
      expect(res.body.roles.length).toBeGreaterThan(0);
    }
  });

  // who can see firm A's branch, firm B's branch, and the transfer case from A to B
  const visibility: Record<User, { orgA: number; orgB: number; case: number }> = {
    admin: { orgA: 200, orgB: 200, case: 200 },
    supervisor: { orgA: 200, orgB: 200, case: 200 },
    city: { orgA: 200, orgB: 200, case: 200 },
    'county-zg': { orgA: 200, orgB: 404, case: 200 },
    'branch-a': { orgA: 200, orgB: 404, case: 200 },
    'branch-b': { orgA: 404, orgB: 200, case: 200 },
    'joint-1': { orgA: 404, orgB: 404, case: 404 },
    orgdept: { orgA: 404, orgB: 404, case: 404 },
  };

  it.each(USERS)('%s sees exactly its scope (orgs, firms, members, cases, history)', async (u) => {
    const v = visibility[u];
    expect((await get(u, `/orgs/${a.firmAOrgId}`)).status).toBe(v.orgA);
    expect((await get(u, `/orgs/${a.firmBOrgId}`)).status).toBe(v.orgB);
    expect((await get(u, `/firms/${a.firmAId}`)).status).toBe(v.orgA);
    expect((await get(u, `/firms/${a.firmBId}`)).status).toBe(v.orgB);
    const member = await get(u, `/members/${memberA}`);
    expect(member.status).toBe(v.orgA);
    if (member.status === 200) expect(member.body.idNumber.includes('*')).toBe(u !== 'admin');
    expect((await get(u, `/cases/${caseId}`)).status).toBe(v.case);
    expect((await get(u, `/cases/${caseId}/history`)).status).toBe(v.case);
    const list = await get(u, '/cases?workflow=membership-transfer&pageSize=200');
    expect(list.status).toBe(200);
    expect(list.body.items.some((c: any) => c.id === caseId)).toBe(v.case === 200);
    const members = await get(u, `/members?orgId=${a.firmAOrgId}`);
    expect(members.status).toBe(200);
    expect(members.body.total > 0).toBe(v.orgA === 200);
  });

  it.each(USERS)('%s gets its org tree filtered to scope', async (u) => {
    const res = await get(u, '/orgs');
    expect(res.status).toBe(200);
    const ids: string[] = [];
    const walk = (nodes: any[]) => nodes.forEach((n) => (ids.push(n.id), walk(n.children)));
    walk(res.body);
    expect(ids.includes(a.firmAOrgId)).toBe(visibility[u].orgA === 200);
    expect(ids.includes(a.firmBOrgId)).toBe(visibility[u].orgB === 200);
    expect(ids.includes(a.provinceId)).toBe(u === 'admin' || u === 'supervisor');
  });

  it('only the sending branch clerk may act in release_review; others get 403 or 404', async () => {
    const expected: Record<User, number> = {
      admin: 403,
      supervisor: 403,
      city: 403,
      'county-zg': 403,
      'branch-a': 200,
      'branch-b': 403,
      'joint-1': 404,
      orgdept: 404,
    };
    // try everyone but branch-a first, so the case is still in release_review for them
    for (const u of [...USERS.filter((x) => x !== 'branch-a'), 'branch-a' as const]) {
      const res = await h
        .http()
        .post(`/api/v1/cases/${caseId}/events`)
        .set(headers[u])
        .send({ type: 'APPROVE_RELEASE' });
      expect({ u, status: res.status }).toEqual({ u, status: expected[u] });
    }
  });

  it('only clerks of the subject’s branch (or above) may open a case; out of scope is 404', async () => {
    const expected: Record<User, number[]> = {
      admin: [403],
      supervisor: [403],
      city: [201, 403],
      'county-zg': [403],
      'branch-a': [201],
      'branch-b': [404],
      'joint-1': [404],
      orgdept: [404],
    };
    const members = fullMembersOf(h.region, a.firmAOrgId);
    let i = members.length - 2;
    for (const u of USERS) {
      const res = await h
        .http()
        .post('/api/v1/cases')
        .set(headers[u])
        .send({
          workflow: 'membership-transfer',
          subject: { memberId: members[i].id },
          input: { toOrgId: a.jointBranch1Id },
        });
      expect(expected[u]).toContain(res.status);
      if (res.status === 201) i--;
    }
  });

  it('registry writes need a clerk at or above the organization', async () => {
    const body = (n: number) => ({
      name: '测试党员',
      // a real resident ID number (the registry checks GB 11643 and the birth date)
      idNumber: `36070219900101${100 + n}` + residentIdCheckChar(`36070219900101${100 + n}`),
      birthDate: '1990-01-01',
      orgId: a.firmAOrgId,
      status: 'full',
    });
    expect((await h.http().post('/api/v1/members').set(headers['branch-a']).send(body(1))).status).toBe(201);
    expect((await h.http().post('/api/v1/members').set(headers['supervisor']).send(body(2))).status).toBe(403);
    expect((await h.http().post('/api/v1/members').set(headers['branch-b']).send(body(3))).status).toBe(400);
    const dup = await h.http().post('/api/v1/members').set(headers['branch-a']).send(body(1));
    expect(dup.status).toBe(409);
  });

  it('lists the five procedures and the organizational-life workflows, each statechart with a Mermaid diagram', async () => {
    const list = await get('city', '/workflows');
    expect(list.body.map((w: any) => w.key).sort()).toEqual([
      'annual-review',
      'branch-formation',
      'branch-term',
      'grade-upgrade',
      'inactivity-review',
      'membership-transfer',
      'nonconforming',
      'org-life-watch',
      'recruitment',
    ]);
    const one = await get('city', '/workflows/membership-transfer');
    expect(one.body.mermaid).toMatch(/^stateDiagram-v2/);
    expect(one.body.mermaid).toContain('转出审核');
    expect(one.body.statechart.states.release_review).toBeDefined();
    expect((await get('city', '/workflows/no-such-flow')).status).toBe(404);
  });

  it('tasks, audit and workflows answer each role within its scope', async () => {
    for (const u of USERS) {
      expect((await get(u, '/tasks')).status).toBe(200);
      expect((await get(u, '/workflows')).status).toBe(200);
      const audit = await get(u, '/audit/events?workflow=membership-transfer&pageSize=1000');
      expect(audit.status).toBe(200);
      expect(audit.body.items.some((r: any) => r.caseId === caseId)).toBe(visibility[u].case === 200);
      expect((await get(u, `/audit/verify?caseId=${caseId}`)).status).toBe(visibility[u].case);
      // the ledger export: the same filter and scope as the events, as an .xlsx workbook
      const ledger = await get(u, '/audit/export?workflow=membership-transfer').buffer(true).parse(fileOrJson);
      expect({ u, status: ledger.status }).toEqual({ u, status: 200 });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(ledger.body);
      const caseIds: unknown[] = [];
      wb.getWorksheet('台帐')!.eachRow((row, n) => n > 2 && caseIds.push(row.getCell(4).value));
      expect(caseIds).toHaveLength(audit.body.total);
      expect(caseIds.includes(caseId)).toBe(visibility[u].case === 200);
    }
  });

  // last: it moves the suite's clock
  it('GET /auth/me and the login answer carry the system clock the deadlines are counted on, and how far it was moved', async () => {
    const DAY = 86_400_000;
    const near = (iso: string, ms: number) => Math.abs(Date.parse(iso) - ms) < 60_000;
    const before = (await get('branch-a', '/auth/me')).body.clock;
    expect(before.offsetMs).toBe(0);
    expect(near(before.now, Date.now())).toBe(true);
    const moved = await h.http().post('/api/v1/_clock').set(headers.admin).send({ advance: 'P21D' });
    expect(moved.status).toBe(200);
    const after = (await get('branch-a', '/auth/me')).body.clock;
    // whole days ahead of the wall clock, give or take the time the request took
    expect(Math.round(after.offsetMs / DAY)).toBe(21);
    expect(near(after.now, Date.parse(moved.body.now))).toBe(true);
    expect(near(after.now, Date.now() + 21 * DAY)).toBe(true);
    const login = await h.http().post('/api/v1/auth/token').send({ username: 'branch-a', password: 'demo' });
    expect(login.status).toBe(200);
    expect(Math.round(login.body.user.clock.offsetMs / DAY)).toBe(21);
  });
});
