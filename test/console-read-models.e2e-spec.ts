import { fullMembersOf, Harness, startHarness } from './support/harness';

/** What the console reads beyond the engine's shapes: names, urgency, subject search, the org directory and calendar days. */
describe('console read models (e2e)', () => {
  let h: Harness;
  let branchA: { Authorization: string };
  let caseId: string;
  let member: { id: string; name: string };

  beforeAll(async () => {
    h = await startHarness();
    branchA = await h.as('branch-a');
    member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[0];
    const opened = await h
      .http()
      .post('/api/v1/cases')
      .set(branchA)
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    expect(opened.status).toBe(201);
    caseId = opened.body.id;
  }, 60_000);
  afterAll(() => h.close());

  it('names the subject and the parties on a case, and who acted in its history', async () => {
    const c = await h.http().get(`/api/v1/cases/${caseId}`).set(branchA);
    expect(c.body.subjectName).toBe(member.name);
    const firmBOrg = h.region.orgs.find((o) => o.id === h.region.anchors.firmBOrgId)!;
    expect(c.body.orgNames[h.region.anchors.firmBOrgId]).toBe(firmBOrg.name);
    const history = await h.http().get(`/api/v1/cases/${caseId}/history`).set(branchA);
    expect(history.body[0].actor).toMatchObject({
      username: 'branch-a',
      displayName: expect.stringContaining('党务干事'),
      orgName: h.region.orgs.find((o) => o.id === h.region.anchors.firmAOrgId)!.name,
    });
  });

  it('gives each task its state title, subject name, working days left and whether it is due soon', async () => {
    const tasks = await h.http().get('/api/v1/tasks').set(branchA);
    const t = tasks.body.find((x: any) => x.caseId === caseId);
    expect(t).toMatchObject({
      stateTitle: '转出审核',
      subjectName: member.name,
      overdue: false,
      dueProvisional: false,
    });
    // release review: 5 working days from today
    expect(t.workingDaysLeft).toBe(5);
    expect(t.dueSoon).toBe(false);
    // day by day, the same task turns amber exactly when 3 or fewer working days are left (calendar days, not
    // working days, are what the clock advances: how many it takes depends on the weekday the suite runs on)
    let later: any = t;
    for (let day = 1; day <= 10 && later.workingDaysLeft > 3; day++) {
      await h
        .http()
        .post('/api/v1/_clock')
        .set(await h.as('admin'))
        .send({ advance: 'P1D' });
      later = (await h.http().get('/api/v1/tasks').set(branchA)).body.find((x: any) => x.caseId === caseId);
      expect({ left: later.workingDaysLeft, dueSoon: later.dueSoon }).toEqual({
        left: later.workingDaysLeft,
        dueSoon: later.workingDaysLeft <= 3,
      });
    }
    expect(later.workingDaysLeft).toBe(3);
    expect(later.dueSoon).toBe(true);
  });

  it('finds cases by the subject name, within scope only', async () => {
    const found = await h.http().get('/api/v1/cases').query({ q: member.name }).set(branchA);
    expect(found.body.items.map((c: any) => c.id)).toContain(caseId);
    const none = await h.http().get('/api/v1/cases').query({ q: '不存在的名字' }).set(branchA);
    expect(none.body).toMatchObject({ items: [], total: 0 });
    const outOfScope = await h
      .http()
      .get('/api/v1/cases')
      .query({ q: member.name })
      .set(await h.as('joint-1'));
    expect(outOfScope.body.items).toEqual([]);
  });

  it('lists every party organization by name for pickers, and describes calendar days', async () => {
    const dir = await h.http().get('/api/v1/orgs/directory').query({ q: '南康' }).set(branchA);
    expect(dir.status).toBe(200);
    expect(dir.body.map((o: any) => o.id)).toContain(h.region.anchors.firmBOrgId);
    const days = await h
      .http()
      .get('/api/v1/calendar/days')
      .query({ from: '2026-10-01', to: '2026-10-11' })
      .set(branchA);
    expect(days.body).toHaveLength(11);
    expect(days.body[0]).toMatchObject({ date: '2026-10-01', working: false, holiday: expect.any(String) });
    const bad = await h.http().get('/api/v1/calendar/days').query({ from: '2026-13', to: 'x' }).set(branchA);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });
});
