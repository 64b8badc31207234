import { DEMO_CASE_AGE_DAYS, DemoCaseSeeder } from '../libs/demo/demo-case-seeder';
import { buildDemoRegion } from '../libs/demo/demo-region';
import { beijingDay } from './support/dates';
import { Harness, startHarness } from './support/harness';

interface Item {
  kind: 'task' | 'supervision';
  caseId: string;
  state: unknown;
  stateTitle: string;
  workflow: string;
  overdue: boolean;
  holders: { orgId: string; orgName: string | null; role: string }[];
  overdueDays: number | null;
  escalationLevel: number | null;
  urgedToday: boolean;
  availableEvents: unknown[];
}

/**
 * The demo shows work: booted like `npm run demo` (demo region, then the demo cases driven through the
 * engine with the clock moved on), every demo user's inbox holds cases in several states and overdue work —
 * the clerks' and the organization department's tasks, the supervisors' and administrators' 督办 items —,
 * and the history hash chain of everything the seeder did verifies. Then the urge (催办) of a 督办 item.
 */
describe('demo cases (e2e)', () => {
  let h: Harness;
  const clerks = ['city', 'county-zg', 'branch-a', 'branch-b', 'joint-1'];

  beforeAll(async () => {
    h = await startHarness();
    const opened = await h.app.get(DemoCaseSeeder).seedIfNoCases();
    expect(opened).toBeGreaterThan(10);
  }, 60_000);
  afterAll(() => h.close());

  /** GET `path` as a demo user: the body of a 200 answer. */
  const getAs = async (username: string, path: string) => {
    const res = await h
      .http()
      .get(path)
      .set(await h.as(username));
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return res.body;
  };
  const tasksOf = async (username: string) => (await getAs(username, '/api/v1/tasks')) as Item[];
  const stateKey = (t: Item) => `${t.workflow}:${JSON.stringify(t.state)}`;

  it('gives every demo user an inbox with cases in at least two states and overdue work', async () => {
    const users = buildDemoRegion().users.map((u) => u.username);
    expect(users.length).toBe(8);
    const inboxes: Record<string, { states: number; overdue: number }> = {};
    for (const username of users) {
      const items = await tasksOf(username);
      inboxes[username] = { states: new Set(items.map(stateKey)).size, overdue: items.filter((t) => t.overdue).length };
    }
    // names the users whose inbox shows fewer than two distinct states or nothing overdue
    expect(Object.entries(inboxes).filter(([, i]) => i.states < 2 || i.overdue < 1)).toEqual([]);
  });

  it('has the branches’ secretaries on record, and firm A’s branch in its 换届 preparation', async () => {
    const a = h.region.anchors;
    const terms: Record<string, { secretaryName: string | null; renewalDue: boolean }> = {};
    for (const [user, orgId] of [
      ['branch-a', a.firmAOrgId],
      ['branch-b', a.firmBOrgId],
      ['joint-1', a.jointBranch1Id],
    ]) {
      const res = await h
        .http()
        .get(`/api/v1/orgs/${orgId}/secretary`)
        .set(await h.as(user));
      expect(res.status).toBe(200);
      terms[user] = { secretaryName: res.body.secretaryName, renewalDue: res.body.renewalDue };
    }
    expect(Object.values(terms).every((t) => !!t.secretaryName)).toBe(true);
    expect([terms['branch-a'].renewalDue, terms['branch-b'].renewalDue, terms['joint-1'].renewalDue]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('gives the organization department its overdue filing (备案) and the recruitments it oversees', async () => {
    const orgdept = await tasksOf('orgdept');
    const filing = orgdept.find((t) => t.kind === 'task' && t.state === 'admission_filing');
    expect(filing).toMatchObject({ workflow: 'recruitment', overdue: true });
    // its reminders and the overdue notice reach the department (they went to its clerks, and it has none)
    const notes = await h
      .http()
      .get('/api/v1/notifications?pageSize=200')
      .set(await h.as('orgdept'));
    const kinds = notes.body.items
      .filter((n: { caseId: string }) => n.caseId === filing!.caseId)
      .map((n: { kind: string }) => n.kind);
    expect(kinds).toEqual(expect.arrayContaining(['reminder', 'overdue']));
    const overseen = orgdept.filter((t) => t.kind === 'supervision');
    expect(overseen.length).toBeGreaterThan(0);
    expect(overseen.every((t) => t.workflow === 'recruitment' && t.availableEvents.length === 0)).toBe(true);
  });

  it('gives the supervisor and the administrator 督办 items: state, holding organization, days overdue', async () => {
    for (const username of ['supervisor', 'admin']) {
      const items = await tasksOf(username);
      expect(items.length).toBeGreaterThan(2);
      for (const t of items) {
        expect(t).toMatchObject({ kind: 'supervision', overdue: true, availableEvents: [] });
        expect(t.holders.length).toBeGreaterThan(0);
        expect(t.holders.every((o) => o.orgName)).toBe(true);
        expect(t.overdueDays).toBeGreaterThan(0);
        expect(t.escalationLevel).toBeGreaterThanOrEqual(1);
      }
    }
    // a clerk supervises nothing: its inbox is its own tasks
    expect((await tasksOf('branch-a')).every((t) => t.kind === 'task')).toBe(true);
  });

  it('has overdue work in the inboxes and in the supervisor’s overdue list', async () => {
    const overdue = (await Promise.all(clerks.map(tasksOf))).flat().filter((t) => t.overdue);
    expect(overdue.length).toBeGreaterThan(0);
    const list = await h
      .http()
      .get('/api/v1/cases?overdue=true')
      .set(await h.as('supervisor'));
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    // the supervisor acts on no step: the escalations of the overdue cases are its visible work
    const notes = await h
      .http()
      .get('/api/v1/notifications')
      .set(await h.as('supervisor'));
    expect(notes.body.items.some((n: { kind: string }) => n.kind === 'escalation')).toBe(true);
  });

  it('urges a 督办 item: the holders are notified once a day, recorded for the audit; clerks cannot urge', async () => {
    const region = buildDemoRegion();
    const http = () => h.http();
    const items = await tasksOf('supervisor');
    // a case held by a demo clerk's organization
    const holderOf = (t: Item) =>
      region.users.find((u) => u.roles.some((r) => r.role === 'clerk' && t.holders.some((o) => o.orgId === r.orgId)));
    const item = items.find((t) => t.workflow === 'membership-transfer' && holderOf(t))!;
    expect(item).toBeDefined();
    const holder = holderOf(item)!.username;
    const authSupervisor = await h.as('supervisor');
    const urge = () =>
      http().post(`/api/v1/cases/${item.caseId}/urge`).set(authSupervisor).send({ comment: '请于本周内办结' });

    const first = await urge();
    expect(first.status).toBe(201);
    expect(first.body.repeated).toBe(false);
    expect(first.body.urge).toMatchObject({
      caseId: item.caseId,
      stateTitle: item.stateTitle,
      comment: '请于本周内办结',
    });
    expect(first.body.urge.urgedBy.displayName).toBeTruthy();
    expect(first.body.urge.targets.map((t: { orgId: string }) => t.orgId)).toEqual(item.holders.map((o) => o.orgId));
    expect(first.body.urge.notified).toBeGreaterThan(0);
    const urgesOf = async (username: string) =>
      (
        await http()
          .get('/api/v1/notifications?pageSize=200')
          .set(await h.as(username))
      ).body.items.filter((n: { kind: string; caseId: string }) => n.kind === 'urge' && n.caseId === item.caseId);
    const notices = await urgesOf(holder);
    expect(notices).toHaveLength(1);
    expect(notices[0].title).toContain('督办催办');
    expect(notices[0].body).toContain('请于本周内办结');

    // the same day again: the first urge answers, nobody is notified twice
    const again = await urge();
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ repeated: true, urge: { id: first.body.urge.id } });
    expect(await urgesOf(holder)).toHaveLength(1);
    expect((await tasksOf('supervisor')).find((t) => t.caseId === item.caseId)?.urgedToday).toBe(true);

    // the audit: who urged whom, when
    const audit = await http().get(`/api/v1/audit/urges?caseId=${item.caseId}`).set(authSupervisor);
    expect(audit.status).toBe(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ id: first.body.urge.id, at: first.body.urge.at });

    // the supervisor stays read-only on the procedure: the holder's own step is refused to it
    const [step] = (await tasksOf(holder)).find((t) => t.caseId === item.caseId)!.availableEvents as { type: string }[];
    const fire = await http().post(`/api/v1/cases/${item.caseId}/events`).set(authSupervisor).send({ type: step.type });
    expect(fire.status).toBe(403);

    // a clerk urges nothing, in its scope or not
    const talk = items.find((t) => t.workflow === 'recruitment')!;
    for (const clerk of ['joint-1', holder]) {
      const res = await http()
        .post(`/api/v1/cases/${clerk === holder ? item.caseId : talk.caseId}/urge`)
        .set(await h.as(clerk))
        .send({});
      expect([clerk, res.status, res.body.code]).toEqual([clerk, 403, 'FORBIDDEN']);
    }
    // the organization department urges the recruitment it oversees
    const byOrgdept = await http()
      .post(`/api/v1/cases/${talk.caseId}/urge`)
      .set(await h.as('orgdept'))
      .send({});
    expect(byOrgdept.status).toBe(201);

    // bad ids and bodies: 404 and 400, never 5xx; a case that is not overdue: 422
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-case'])
      expect((await http().post(`/api/v1/cases/${id}/urge`).set(authSupervisor).send({})).status).toBe(404);
    for (const body of [{ comment: 'x'.repeat(201) }, { comment: 7 }, { extra: 1 }])
      expect((await http().post(`/api/v1/cases/${item.caseId}/urge`).set(authSupervisor).send(body)).status).toBe(400);
    const open = await http().get('/api/v1/cases?status=open&pageSize=200').set(authSupervisor);
    const onTime = open.body.items.find(
      (c: { deadlines: { kind: string; overdue: boolean }[] }) =>
        c.deadlines.some((d) => d.kind === 'deadline') && !c.deadlines.some((d) => d.overdue),
    );
    const early = await http().post(`/api/v1/cases/${onTime.id}/urge`).set(authSupervisor).send({});
    expect([early.status, early.body.code]).toEqual([422, 'RULE_VIOLATION']);
  });

  it('flags the member of firm B’s branch who took part in nothing, and gives branch-b the review', async () => {
    const anchors = h.region.anchors;
    const partyB = h.region.members.filter((m) => m.orgId === anchors.firmBOrgId && m.status === 'full');
    const [inactive, away] = partyB;
    // the daily detector runs as an outbox job while the seeder moves the clock: its flags arrive shortly after
    const until = Date.now() + 30_000;
    let flags: { memberId: string; ground: string; review: { caseId: string } | null }[] = [];
    while (Date.now() < until) {
      const res = await h
        .http()
        .get('/api/v1/reports/inactive-members')
        .set(await h.as('branch-b'));
      expect(res.status).toBe(200);
      flags = res.body.flags;
      if (flags.some((f) => f.memberId === inactive.id)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // both grounds (no organizational life, no dues) for the one who did nothing; none for the excused absentee
    expect([...new Set(flags.filter((f) => f.memberId === inactive.id).map((f) => f.ground))].sort()).toEqual([
      'dues',
      'org_life',
    ]);
    expect(flags.filter((f) => f.memberId !== inactive.id).map((f) => f.memberId)).toEqual([]);
    expect(away).toBeDefined();
    const review = (await tasksOf('branch-b')).filter((t) => t.workflow === 'inactivity-review');
    expect(review).toHaveLength(1);
  });

  it('shows firm B’s branch meeting every 三会一课 requirement in the last full quarter before the seeding', async () => {
    // today, by the engine's clock (asOf); the seeder records the months before its own day, and then moves the
    // clock DEMO_CASE_AGE_DAYS on
    const { asOf } = await getAs('branch-b', '/api/v1/reports/inactive-members');
    const seededIn = new Date(Date.parse(asOf) - DEMO_CASE_AGE_DAYS * 86_400_000);
    const q = Math.floor(seededIn.getUTCMonth() / 3); // the quarter before the seeding's (0 = the year before's Q4)
    const [year, quarter] = q === 0 ? [seededIn.getUTCFullYear() - 1, 4] : [seededIn.getUTCFullYear(), q];
    const report = await getAs('branch-b', `/api/v1/reports/org-life?year=${year}&quarter=${quarter}`);
    const branch = report.branches.find((b: { orgId: string }) => b.orgId === h.region.anchors.firmBOrgId);
    // each requirement not met would show with the months or quarter it misses
    expect(branch.meetings.filter((m: { met: boolean }) => !m.met)).toEqual([]);
    expect(branch.compliant).toBe(true);
  });

  it('launches the city’s annual review over its branches: each branch clerk has its first step, not yet due', async () => {
    const [campaign] = await getAs('city', '/api/v1/campaigns');
    expect(campaign).toMatchObject({ kind: 'annual-review', orgId: h.region.anchors.cityId, failed: 0 });
    expect(campaign.opened).toBe(campaign.total);
    expect(campaign.total).toBeGreaterThanOrEqual(3);
    for (const clerk of ['branch-a', 'branch-b', 'joint-1']) {
      const reviews = (await tasksOf(clerk)).filter((t) => t.workflow === 'annual-review');
      expect({ clerk, steps: reviews.map((t) => [t.state, t.overdue]) }).toEqual({
        clerk,
        steps: [['self_assessment', false]],
      });
    }
  });

  it('registers every member after the 入党日期 on record: a timeline starts with 入党, then 登记', async () => {
    const region = buildDemoRegion();
    const members = region.members.filter((m) => m.orgId === region.anchors.firmAOrgId && m.joinedOn);
    expect(members.length).toBeGreaterThan(3);
    const dayOf = (at: string) => beijingDay(0, Date.parse(at));
    for (const m of members) {
      const { entries } = await getAs('branch-a', `/api/v1/members/${m.id}/timeline`);
      const [joined, registered] = entries;
      expect({ member: m.name, first: [joined.kind, registered.kind], joinedOn: dayOf(joined.at) }).toEqual({
        member: m.name,
        first: ['joined', 'registered'],
        joinedOn: m.joinedOn,
      });
      expect({ member: m.name, registeredAfterJoining: m.joinedOn! <= dayOf(registered.at) }).toEqual({
        member: m.name,
        registeredAfterJoining: true,
      });
    }
  });

  it('leaves the history hash chain intact', async () => {
    const verify = await h
      .http()
      .get('/api/v1/audit/verify')
      .set(await h.as('supervisor'));
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(true);
    expect(verify.body.checked).toBeGreaterThan(20);
  });

  it('seeds only once', async () => {
    expect(await h.app.get(DemoCaseSeeder).seedIfNoCases()).toBe(0);
  });
});
