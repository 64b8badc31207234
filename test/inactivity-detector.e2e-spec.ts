import { DateTime } from 'luxon';
import { InactivityDetectorService } from '../libs/org-life/inactivity-detector.service';
import { fullMembersOf, Harness, startHarness } from './support/harness';

/**
 * The inactivity detector (党章 art. 9) end to end, through HTTP on real PostgreSQL and Redis with the engine
 * clock: a branch starts recording → its city committee's daily watch starts (a durable timer row) → months
 * pass with no participation → the daily run flags the member with the evidence, once per window, and gives
 * the branch clerk a review task → the clerk opens a non-conforming case (trigger `inactivity`) → decision.
 */
describe('inactivity detector (e2e)', () => {
  let h: Harness;
  let branchA: { Authorization: string };
  let city: { Authorization: string };
  let orgA: string;
  let members: ReturnType<typeof fullMembersOf>;
  let start: DateTime;

  const ok = async (caseId: string, who: { Authorization: string }, type: string, data?: object) => {
    const res = await h.http().post(`/api/v1/cases/${caseId}/events`).set(who).send({ type, data });
    expect({ type, status: res.status, body: res.status === 200 ? undefined : res.body }).toEqual({
      type,
      status: 200,
      body: undefined,
    });
    return res.body;
  };
  const flagsOf = async (memberId: string, who = branchA) => {
    const res = await h.http().get('/api/v1/reports/inactive-members').set(who);
    expect(res.status).toBe(200);
    return (res.body.flags as any[]).filter((f) => f.memberId === memberId);
  };
  const waitFor = async <T>(f: () => Promise<T>, done: (v: T) => boolean, ms = 60_000): Promise<T> => {
    const until = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (done(v) || Date.now() > until) return v;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    h = await startHarness();
    branchA = await h.as('branch-a');
    city = await h.as('city');
    orgA = h.region.anchors.firmAOrgId;
    members = fullMembersOf(h.region, orgA);
    expect(members.length).toBeGreaterThanOrEqual(5);
    const clock = await h
      .http()
      .get('/api/v1/_clock')
      .set(await h.as('admin'));
    start = DateTime.fromISO(clock.body.now, { zone: 'Asia/Shanghai' });
  });
  afterAll(() => h.close());

  it('nothing is watched before a branch records anything; the first record starts its committee’s daily timer', async () => {
    const watches = () => h.ds.query(`SELECT id, status FROM cases WHERE workflow = 'org-life-watch'`);
    expect(await watches()).toEqual([]);
    const [x, z, ...rest] = members;
    const today = start.toISODate()!;
    const month = start.toFormat('yyyy-MM');
    // x attends and pays this month; z never attends but pays ahead (预交) for eight months; the rest attend
    const meeting = await h
      .http()
      .post('/api/v1/org-life/meetings')
      .set(branchA)
      .send({
        orgId: orgA,
        kind: 'member_meeting',
        heldOn: today,
        topic: '学习党章',
        attendees: [x.id, ...rest.map((m) => m.id)],
        absences: [],
      });
    expect(meeting.status).toBe(201);
    const dues = await h
      .http()
      .post('/api/v1/org-life/dues')
      .set(branchA)
      .send({ orgId: orgA, month, paid: [x.id, z.id].map((memberId) => ({ memberId, amount: 20 })) });
    expect(dues.status).toBe(201);
    for (let i = 1; i < 8; i++) {
      const ahead = await h
        .http()
        .post('/api/v1/org-life/dues')
        .set(branchA)
        .send({
          orgId: orgA,
          month: start.plus({ months: i }).toFormat('yyyy-MM'),
          paid: [{ memberId: z.id, amount: 20 }],
        });
      expect(ahead.status).toBe(201);
    }
    const opened = await watches();
    expect(opened).toHaveLength(1);
    expect(opened[0].status).toBe('open');
    // one pending durable timer row: the next daily run
    const timers = await h.ds.query(
      `SELECT deadline_key, fire_event FROM timers WHERE case_id = $1 AND status = 'pending'`,
      [opened[0].id],
    );
    expect(timers).toEqual([{ deadline_key: 'watching.daily', fire_event: 'DAILY_RUN' }]);
    // the watch gives nobody a task
    const tasks = await h.http().get('/api/v1/tasks').set(city);
    expect(tasks.body.map((t: any) => t.caseId)).not.toContain(opened[0].id);
  });

  it('six months on, the daily run flags each ground of 党章 art. 9 with its evidence, once, and the clerk reviews it', async () => {
    const [x, z] = members;
    const first = start.plus({ months: 1 }).startOf('month');
    // the first run after the sixth empty month is at the end of the first day of the seventh
    const target = first.plus({ months: 6, days: 1 }).set({ hour: 12 });
    const moved = await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send({ set: target.toUTC().toISO() });
    expect(moved.status).toBe(200);
    const [watch] = await h.ds.query(`SELECT id, version FROM cases WHERE workflow = 'org-life-watch'`);
    // re-armed after every run: one history row per day, and still exactly one pending timer
    const [{ runs }] = await h.ds.query(
      `SELECT count(*)::int AS runs FROM case_history WHERE case_id = $1 AND type = 'DAILY_RUN'`,
      [watch.id],
    );
    expect(runs).toBeGreaterThanOrEqual(180);
    const [{ pending }] = await h.ds.query(
      `SELECT count(*)::int AS pending FROM timers WHERE case_id = $1 AND status = 'pending'`,
      [watch.id],
    );
    expect(pending).toBe(1);
    // each run retires the run it re-armed from: the watch shows its next run, never 180 fired "overdue" deadlines
    const view = await h.http().get(`/api/v1/cases/${watch.id}`).set(city);
    expect(view.status).toBe(200);
    expect(view.body.deadlines.map((d: { key: string; overdue: boolean }) => [d.key, d.overdue])).toEqual([
      ['watching.daily', false],
    ]);
    const overdue = await h.http().get('/api/v1/cases?overdue=true&workflow=org-life-watch').set(city);
    expect([overdue.status, overdue.body.total]).toEqual([200, 0]);
    // and nobody acts on the watch: its daily runs tell no clerk "已逾期，请尽快办理"
    const [{ notices }] = await h.ds.query(`SELECT count(*)::int AS notices FROM notifications WHERE case_id = $1`, [
      watch.id,
    ]);
    expect(notices).toBe(0);

    const windowStart = first.toFormat('yyyy-MM');
    const windowEnd = first.plus({ months: 5 }).toFormat('yyyy-MM');
    const flagsX = await waitFor(
      () => flagsOf(x.id),
      (f) => f.length === 2,
    );
    expect(flagsX.map((f) => f.ground).sort()).toEqual(['dues', 'org_life']);
    for (const f of flagsX) {
      expect(f).toMatchObject({ windowStart, windowEnd, months: 6, orgId: orgA, review: { status: 'pending' } });
      expect(f.evidence.months).toHaveLength(6);
    }
    const lifeFlag = flagsX.find((f) => f.ground === 'org_life');
    expect(lifeFlag.evidence).toMatchObject({ lastAttended: start.toFormat('yyyy-MM'), branchMeetingsInWindow: 0 });
    expect(lifeFlag.summary).toContain('连续6个月');
    expect(flagsX.find((f) => f.ground === 'dues').evidence.lastDuesPaid).toBe(start.toFormat('yyyy-MM'));
    // both grounds found the same day: one review task for the member
    expect(flagsX[0].review.caseId).toBe(flagsX[1].review.caseId);

    // z paid ahead but never attended: flagged for organizational life only (either ground suffices)
    const flagsZ = await waitFor(
      () => flagsOf(z.id),
      (f) => f.length === 1,
    );
    expect(flagsZ.map((f) => f.ground)).toEqual(['org_life']);

    // idempotent per member and window: the same day again, and the next days, flag nothing new
    await waitFor(
      () => h.ds.query(`SELECT 1 FROM outbox WHERE topic LIKE 'job.%' AND status = 'pending'`),
      (rows) => rows.length === 0,
    );
    const committee = h.region.anchors.cityId;
    const again = await h.app.get(InactivityDetectorService).runDaily(committee, target.toISODate()!);
    expect(again.flagged).toBe(0);
    await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send({ advance: 'P3D' });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await flagsOf(x.id)).toHaveLength(2);
    const [{ n: reviews }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM cases WHERE workflow = 'inactivity-review' AND subject_member_id = $1`,
      [x.id],
    );
    expect(reviews).toBe(1);

    // the branch clerk has the task; another branch's clerk sees neither task nor flag
    const reviewId = flagsX[0].review.caseId;
    const tasks = await h.http().get('/api/v1/tasks').set(branchA);
    expect(tasks.body.map((t: any) => t.caseId)).toContain(reviewId);
    expect(await flagsOf(x.id, await h.as('branch-b'))).toEqual([]);
    const foreign = await h
      .http()
      .get(`/api/v1/reports/inactive-members?orgId=${orgA}`)
      .set(await h.as('branch-b'));
    expect(foreign.status).toBe(404);
    const bad = await h.http().get('/api/v1/reports/inactive-members?orgId=nope').set(branchA);
    expect(bad.status).toBe(400);

    // dismissing needs a reason
    const noReason = await h
      .http()
      .post(`/api/v1/cases/${flagsZ[0].review.caseId}/events`)
      .set(branchA)
      .send({ type: 'DISMISS', data: {} });
    expect(noReason.status).toBe(400);
    await ok(flagsZ[0].review.caseId, branchA, 'DISMISS', { reason: '长期驻外办案，已向支部书面请假' });
    const dismissed = (await flagsOf(z.id))[0];
    expect(dismissed.review).toMatchObject({ status: 'dismissed', reason: '长期驻外办案，已向支部书面请假' });

    // opening a non-conforming case is the clerk's decision; it carries trigger `inactivity` and the evidence
    const referred = await ok(reviewId, branchA, 'OPEN_NONCONFORMING');
    expect(referred).toMatchObject({ state: 'referred', status: 'closed' });
    const after = await flagsOf(x.id);
    const ncId = after[0].review.nonconformingCaseId;
    expect(after[0].review).toMatchObject({ status: 'referred', nonconformingOutcome: 'opened' });
    const nc = (await h.http().get(`/api/v1/cases/${ncId}`).set(branchA)).body;
    expect(nc).toMatchObject({ workflow: 'nonconforming', subject: { memberId: x.id }, status: 'open' });
    expect(nc.context.trigger).toBe('inactivity');
    expect(nc.context.grounds).toContain('未参加党的组织生活');

    // … to a decision
    const [, , t1, t2] = members;
    const today = target.plus({ days: 3 }).toISODate()!;
    await ok(ncId, branchA, 'PROPOSE', { measure: 'correction' });
    await ok(ncId, city, 'ACK_FILING');
    await ok(ncId, branchA, 'RECORD_INVESTIGATION', { findings: '半年未参加组织生活、未交党费，属实' });
    await ok(ncId, branchA, 'RECORD_TALK', { on: today, by: [t1.id, t2.id] });
    await ok(ncId, city, 'PASS_PRE_REVIEW');
    const [{ n: voters }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM members WHERE org_id = $1 AND status = 'full'`,
      [orgA],
    );
    await ok(ncId, branchA, 'RECORD_MEETING', {
      heldOn: today,
      memberNotifiedOn: today,
      defenseWaived: true,
      eligibleVoters: voters,
      present: voters,
      votesFor: voters,
    });
    const decided = await ok(ncId, city, 'APPROVE', { measure: 'correction' });
    expect(decided.state).toBe('correction_period');
  }, 240_000);

  it('from 15 days before a quarter ends, a branch behind on its meetings is reminded once through the notifications', async () => {
    const quarterEnd = start.plus({ months: 9 }).endOf('quarter').startOf('day');
    const inSpan = quarterEnd.minus({ days: 8 }).set({ hour: 12 });
    const q = `${quarterEnd.year}年第${quarterEnd.quarter}季度`;
    const reminders = async (who: { Authorization: string }, quarter = q) =>
      ((await h.http().get('/api/v1/notifications?pageSize=200').set(who)).body.items as any[]).filter(
        (n) => n.title === `【组织生活提醒】${quarter}组织生活尚未落实`,
      );
    expect(await reminders(branchA)).toEqual([]);
    const moved = await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send({ set: inSpan.toUTC().toISO() });
    expect(moved.status).toBe(200);
    const got = await waitFor(
      () => reminders(branchA),
      (r) => r.length > 0,
    );
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ kind: 'reminder', caseId: null, link: { orgId: orgA, report: 'org-life' } });
    expect(got[0].body).toContain('党员大会（应 1 次，已 0 次');
    expect(got[0].body).toContain(`季度末为 ${quarterEnd.toISODate()}`);
    // the quarters before were reminded too, each once
    const all = ((await h.http().get('/api/v1/notifications?pageSize=200').set(branchA)).body.items as any[])
      .filter((n) => n.title.startsWith('【组织生活提醒】'))
      .map((n) => n.title);
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(new Set(all).size).toBe(all.length);
    // once per quarter, however many daily runs follow; a branch that keeps no records here is not reminded
    await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send({ advance: 'P3D' });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await reminders(branchA)).toHaveLength(1);
    const b = await h.as('branch-b');
    expect(
      ((await h.http().get('/api/v1/notifications?pageSize=200').set(b)).body.items as any[]).filter((n) =>
        n.title.startsWith('【组织生活提醒】'),
      ),
    ).toEqual([]);
  }, 240_000);
});
