import { DateTime } from 'luxon';
import { fullMembersOf, Harness, startHarness } from './support/harness';

/**
 * The branch secretary and term (换届) through HTTP with the engine clock: stored on the organization, a durable
 * timer 3 months before the 3-year term ends opens the branch clerk's 换届 task with a reminder, and recording
 * the election starts the next term.
 */
describe('branch secretary and term (e2e)', () => {
  let h: Harness;
  let branchA: { Authorization: string };
  let orgA: string;
  let members: ReturnType<typeof fullMembersOf>;
  let today: DateTime;

  beforeAll(async () => {
    h = await startHarness();
    branchA = await h.as('branch-a');
    orgA = h.region.anchors.firmAOrgId;
    members = fullMembersOf(h.region, orgA);
    const clock = await h
      .http()
      .get('/api/v1/_clock')
      .set(await h.as('admin'));
    today = DateTime.fromISO(clock.body.now, { zone: 'Asia/Shanghai' }).startOf('day');
  });
  afterAll(() => h.close());

  const put = (body: object, who = branchA, orgId = orgA) =>
    h.http().put(`/api/v1/orgs/${orgId}/secretary`).set(who).send(body);

  it('refuses what is not a valid secretary or term, with a clear 4xx', async () => {
    const outsider = h.region.members.find((m) => m.orgId !== orgA && m.status === 'full')!;
    const probationary = h.region.members.find((m) => m.orgId === orgA && m.status !== 'full');
    const ok = { secretaryId: members[0].id, electedOn: today.toISODate() };
    expect((await put({ ...ok, secretaryId: outsider.id })).status).toBe(422);
    if (probationary) expect((await put({ ...ok, secretaryId: probationary.id })).status).toBe(422);
    expect((await put({ ...ok, electedOn: today.plus({ days: 1 }).toISODate() })).body).toMatchObject({
      code: 'RULE_VIOLATION',
      message: '选举日期不得晚于今天',
    });
    expect((await put({ ...ok, electedOn: '2026-02-30' })).status).toBe(400);
    expect((await put({ ...ok, secretaryId: 'x' })).status).toBe(400);
    expect((await put(ok, await h.as('branch-b'))).status).toBe(404);
    expect((await put(ok, await h.as('supervisor'))).status).toBe(403);
    expect((await put(ok, await h.as('city'), h.region.anchors.cityId)).status).toBe(422);
    const none = await h.http().get(`/api/v1/orgs/${orgA}/secretary`).set(branchA);
    expect(none.body).toMatchObject({ secretaryId: null, termEndsOn: null, caseId: null, renewalDue: false });
  });

  it('stores the term on the organization; 3 months before it ends the clerk gets the 换届 task and a reminder; the election starts the next term', async () => {
    const electedOn = today.minus({ years: 2, months: 8 });
    const termEndsOn = electedOn.plus({ years: 3 });
    const set = await put({ secretaryId: members[0].id, electedOn: electedOn.toISODate() });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      orgId: orgA,
      secretaryId: members[0].id,
      secretaryName: members[0].name,
      termStartedOn: electedOn.toISODate(),
      termEndsOn: termEndsOn.toISODate(),
      renewalNoticeOn: termEndsOn.minus({ months: 3 }).toISODate(),
      renewalDue: false,
    });
    const caseId = set.body.caseId;
    const [row] = await h.ds.query(
      `SELECT secretary_member_id AS s, to_char(term_ends_on, 'YYYY-MM-DD') AS e FROM orgs WHERE id = $1`,
      [orgA],
    );
    expect(row).toEqual({ s: members[0].id, e: termEndsOn.toISODate() });
    // a durable timer row for the 换届 notice; no task while the term runs
    const timers = await h.ds.query(`SELECT deadline_key FROM timers WHERE case_id = $1 AND status = 'pending'`, [
      caseId,
    ]);
    expect(timers).toEqual([{ deadline_key: 'in_term.renewal_notice' }]);
    const taskIds = async () => ((await h.http().get('/api/v1/tasks').set(branchA)).body as any[]).map((t) => t.caseId);
    expect(await taskIds()).not.toContain(caseId);
    // a correction while the term runs is recorded in the same case
    const corrected = await put({ secretaryId: members[1].id, electedOn: electedOn.toISODate() });
    expect(corrected.body).toMatchObject({ secretaryId: members[1].id, caseId, termEndsOn: termEndsOn.toISODate() });

    const moved = await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send({ set: termEndsOn.minus({ months: 3 }).plus({ days: 7, hours: 12 }).toUTC().toISO() });
    expect(moved.status).toBe(200);
    const after = await h.http().get(`/api/v1/orgs/${orgA}/secretary`).set(branchA);
    expect(after.body).toMatchObject({ renewalDue: true, caseId });
    expect(await taskIds()).toContain(caseId);
    // the reminder at once (the next working morning after the notice day began), due on the term's last day
    const notes = (await h.http().get('/api/v1/notifications?pageSize=100').set(branchA)).body.items as any[];
    expect(notes.filter((n) => n.caseId === caseId && n.kind === 'reminder')).toHaveLength(1);
    expect(notes.find((n) => n.caseId === caseId).body).toContain(termEndsOn.toFormat('yyyy年M月d日'));

    const now = termEndsOn.minus({ months: 3 }).plus({ days: 7 }).toISODate()!;
    const elected = await h
      .http()
      .post(`/api/v1/cases/${caseId}/events`)
      .set(branchA)
      .send({ type: 'RECORD_ELECTION', data: { secretaryId: members[2].id, electedOn: now } });
    expect(elected.status).toBe(200);
    expect(elected.body.state).toBe('in_term');
    const next = await h.http().get(`/api/v1/orgs/${orgA}/secretary`).set(branchA);
    expect(next.body).toMatchObject({
      secretaryId: members[2].id,
      termStartedOn: now,
      termEndsOn: DateTime.fromISO(now).plus({ years: 3 }).toISODate(),
      renewalDue: false,
    });
    expect(await taskIds()).not.toContain(caseId);
  }, 120_000);
});
