import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { SYSTEM_PRINCIPAL } from '../libs/auth/principal';
import { EngineService } from '../libs/engine/engine.service';
import { fullMembersOf, Harness, startHarness } from './support/harness';
import { beijingDay } from './support/dates';

/**
 * Durable deadlines on real PostgreSQL and Redis: reminders, the deadline and escalations over a moved
 * clock; the clock's own event (letter expiry); and delivery through BullMQ surviving a Redis FLUSHALL,
 * a worker killed mid-batch, and two workers competing — every stage delivered exactly once.
 */
jest.setTimeout(90_000);

// worker processes start through the TypeScript loader (up to 120 s on a loaded machine) inside the tests
jest.setTimeout(240_000);

describe('durable timers (e2e)', () => {
  let h: Harness;
  let members: ReturnType<typeof fullMembersOf>;

  beforeAll(async () => {
    // api role only: the workers in these tests are the child processes each test starts
    h = await startHarness({ ROLE: 'api' });
    members = fullMembersOf(h.region, h.region.anchors.firmBOrgId);
  });
  afterAll(() => h.close());

  const clock = async (body: object) => {
    const res = await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send(body);
    if (res.status !== 200)
      throw new Error(`clock ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const notificationsOf = async (username: string) =>
    (
      await h
        .http()
        .get('/api/v1/notifications?pageSize=100')
        .set(await h.as(username))
    ).body.items as { kind: string; title: string; body: string; link?: any; caseId?: string }[];
  /** Sends events into one case as the given users; each must be accepted. */
  const sendTo = (caseId: string) => async (user: string, body: object) => {
    const res = await h
      .http()
      .post(`/api/v1/cases/${caseId}/events`)
      .set(await h.as(user))
      .send(body);
    expect(res.status).toBe(200);
    return res.body;
  };
  const caseAs = async (user: string, caseId: string) =>
    (
      await h
        .http()
        .get(`/api/v1/cases/${caseId}`)
        .set(await h.as(user))
    ).body;
  const engineNow = async () =>
    new Date(
      (
        await h
          .http()
          .get('/api/v1/_clock')
          .set(await h.as('admin'))
      ).body.now,
    );
  /** A transfer opened by `clerk` (firm B's, to firm A, unless said otherwise). */
  const openTransfer = async (memberId: string, clerk = 'branch-b', toOrgId = h.region.anchors.firmAOrgId) => {
    const res = await h
      .http()
      .post('/api/v1/cases')
      .set(await h.as(clerk))
      .send({
        workflow: 'membership-transfer',
        subject: { memberId },
        input: { toOrgId },
      });
    if (res.status !== 201) throw new Error(`open → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  it('reminds, marks overdue and escalates as the clock moves; leaving the state cancels the rest', async () => {
    const opened = await openTransfer(members[0].id);
    const kinds = opened.deadlines.map((d: any) => d.kind);
    expect(kinds).toEqual(expect.arrayContaining(['reminder', 'deadline', 'escalation']));
    const due = opened.deadlines.find((d: any) => d.kind === 'deadline');
    expect(due.rule).toMatch(/5个工作日/);
    const countFor = async (u: string) =>
      (await notificationsOf(u)).filter((n) => JSON.stringify(n).includes(opened.id)).length;

    // move past the due time (23:59:59) and the quiet night after it: reminders, the deadline and the first
    // escalation fire in order; notices raised at night are shown from the next working morning
    const moved = await clock({ set: new Date(new Date(due.dueAt).getTime() + 3 * 86_400_000).toISOString() });
    expect(moved.fired).toBeGreaterThanOrEqual(4);
    expect(await countFor('branch-b')).toBeGreaterThanOrEqual(3); // two reminders + overdue
    expect(await countFor('city')).toBe(1); // escalation to the sending branch's upper committee
    // each notice names whose case it is
    const notices = [...(await notificationsOf('branch-b')), ...(await notificationsOf('city'))].filter(
      (n) => n.caseId === opened.id,
    );
    expect(notices.filter((n) => !n.body.includes(`（党员：${members[0].name}）`))).toEqual([]);
    const view = (
      await h
        .http()
        .get(`/api/v1/cases/${opened.id}`)
        .set(await h.as('branch-b'))
    ).body;
    expect(view.deadlines.every((d: any) => d.overdue)).toBe(true);
    const overdueList = await h
      .http()
      .get('/api/v1/cases?overdue=true&pageSize=200')
      .set(await h.as('branch-b'));
    expect(overdueList.body.items.some((c: any) => c.id === opened.id)).toBe(true);

    // acting cancels the remaining escalation to the supervisor
    await h
      .http()
      .post(`/api/v1/cases/${opened.id}/events`)
      .set(await h.as('branch-b'))
      .send({ type: 'APPROVE_RELEASE' });
    const stale = await h.ds.query(`SELECT status FROM timers WHERE case_id = $1 AND state_path = 'release_review'`, [
      opened.id,
    ]);
    expect(stale.every((t: any) => t.status !== 'pending')).toBe(true);
    await clock({ advance: 'P10D' });
    expect(
      (await notificationsOf('supervisor')).filter(
        (n) => JSON.stringify(n).includes(opened.id) && /上报/.test(n.title),
      ),
    ).toHaveLength(0);
  });

  it('keeps a passed deadline on the case (overdue list, first task) and never re-delivers it when a transition leaves the state active', async () => {
    const opened = await openTransfer(members[8].id);
    const due = opened.deadlines.find((d: any) => d.kind === 'deadline');
    // far past the due time and both escalations: every stage of the release_review deadline has fired
    await clock({ set: new Date(new Date(due.dueAt).getTime() + 30 * 86_400_000).toISOString() });
    const delivered = async () =>
      (
        await h.ds.query(
          `SELECT count(*)::int AS n FROM timer_deliveries d JOIN timers t ON t.id = d.timer_id WHERE t.case_id = $1 AND t.deadline_key = 'release_review.due'`,
          [opened.id],
        )
      )[0].n;
    const before = await delivered();
    expect(before).toBeGreaterThanOrEqual(4);
    const notices = async () =>
      (await h.ds.query(`SELECT count(*)::int AS n FROM notifications WHERE case_id = $1`, [opened.id]))[0].n;
    const noticesBefore = await notices();

    // a transition that stays in release_review (the licensing approval is recorded on the case) re-plans its timers
    await h.app.get(EngineService).sendEvent(SYSTEM_PRINCIPAL, opened.id, { type: 'LICENSING_APPROVED' });
    await clock({ advance: 'PT1H' });
    expect(await delivered()).toBe(before);
    expect(await notices()).toBe(noticesBefore);
    const pending = await h.ds.query(
      `SELECT count(*)::int AS n FROM timers WHERE case_id = $1 AND deadline_key = 'release_review.due' AND status = 'pending'`,
      [opened.id],
    );
    expect(pending[0].n).toBe(0);

    // still overdue: on the case, in ?overdue=true and at the head of the clerk's tasks
    const view = (
      await h
        .http()
        .get(`/api/v1/cases/${opened.id}`)
        .set(await h.as('branch-b'))
    ).body;
    expect(view.deadlines).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'release_review.due', kind: 'deadline', overdue: true })]),
    );
    const overdue = (
      await h
        .http()
        .get('/api/v1/cases?overdue=true&pageSize=200')
        .set(await h.as('branch-b'))
    ).body.items;
    expect(overdue.some((c: any) => c.id === opened.id)).toBe(true);
    const tasks = (
      await h
        .http()
        .get('/api/v1/tasks')
        .set(await h.as('branch-b'))
    ).body;
    const mine = tasks.find((t: any) => t.caseId === opened.id);
    expect(mine).toMatchObject({ overdue: true });
    expect(tasks.findIndex((t: any) => t.caseId === opened.id)).toBeLessThan(
      tasks.findIndex((t: any) => !t.overdue) === -1 ? Infinity : tasks.findIndex((t: any) => !t.overdue),
    );

    // acting ends the visit: the passed deadline is no longer shown
    await h
      .http()
      .post(`/api/v1/cases/${opened.id}/events`)
      .set(await h.as('branch-b'))
      .send({ type: 'APPROVE_RELEASE' })
      .expect(200);
    const after = (
      await h
        .http()
        .get(`/api/v1/cases/${opened.id}`)
        .set(await h.as('branch-b'))
    ).body;
    expect(after.deadlines.some((d: any) => d.key === 'release_review.due')).toBe(false);
  });

  it('escalates a city committee that is late itself to the supervisors above it, not back to its own clerks', async () => {
    const member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[0];
    const res = await h
      .http()
      .post('/api/v1/cases')
      .set(await h.as('branch-a'))
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    expect(res.status).toBe(201);
    const opened = await h
      .http()
      .post(`/api/v1/cases/${res.body.id}/events`)
      .set(await h.as('branch-a'))
      .send({ type: 'APPROVE_RELEASE' });
    expect(opened.body.state).toBe('letter_pending'); // the city committee issues the letter
    const due = opened.body.deadlines.find((d: any) => d.kind === 'deadline' && d.state === 'letter_pending');
    await clock({ set: new Date(new Date(due.dueAt).getTime() + 3 * 86_400_000).toISOString() });
    const escalations = async (u: string) =>
      (await notificationsOf(u)).filter((n) => n.caseId === res.body.id && /督办|上报/.test(n.title));
    expect(await escalations('city')).toHaveLength(0);
    expect((await escalations('supervisor')).length).toBeGreaterThanOrEqual(1);
  });

  it('lets the clock expire a transfer letter: letter_expired, recorded as the system actor', async () => {
    const c = await openTransfer(members[1].id);
    const send = sendTo(c.id);
    const now = await engineNow();
    const validUntil = beijingDay(20, now.getTime());
    await send('branch-b', { type: 'APPROVE_RELEASE' });
    await send('city', { type: 'ISSUE_LETTER', data: { letterNo: '赣律党转〔2026〕77号', validUntil } });
    await send('branch-a', { type: 'ACCEPT' });
    await clock({ advance: 'P25D' });
    const after = await caseAs('branch-a', c.id);
    expect(after.state).toBe('letter_expired');
    // the receiving clerk hears that the letter ran out and where the case went, not that they are late: nobody
    // had anything to do at that deadline (the old drain sent "【逾期】…等待党员报到…现已逾期，请尽快办理")
    const aboutCase = (await notificationsOf('branch-a')).filter((n) => n.caseId === c.id);
    const lapsed = aboutCase.filter((n) => n.title === '【期限届满】组织关系接转：等待党员报到');
    expect(lapsed).toHaveLength(1);
    expect(lapsed[0]).toMatchObject({ kind: 'lapsed' });
    expect(lapsed[0].body).toContain('组织关系介绍信有效期');
    expect(lapsed[0].body).toContain(`系统已自动办理，案件现处于“${after.stateTitle}”`);
    expect(aboutCase.filter((n) => n.title.startsWith('【逾期】') && n.title.includes('等待党员报到'))).toEqual([]);
    const history = (
      await h
        .http()
        .get(`/api/v1/cases/${c.id}/history`)
        .set(await h.as('branch-a'))
    ).body;
    const expiry = history.find((r: any) => r.type === 'LETTER_EXPIRED');
    expect(expiry.actor).toMatchObject({ username: 'system', userId: null });
    // the clock stepped through the due instant: the expiry happened when the letter ran out (the end of its
    // last day, Beijing time), not at the moved-to time five days later
    const [validity] = await h.ds.query(
      `SELECT due_at FROM timers WHERE case_id = $1 AND deadline_key = 'awaiting_report.letter_validity'`,
      [c.id],
    );
    expect(new Date(validity.due_at).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })).toBe(validUntil);
    expect(Math.abs(new Date(expiry.at).getTime() - new Date(validity.due_at).getTime())).toBeLessThan(5_000);
    // and the new state's deadline, counted from the expiry, fires within a single later move that passes it
    await clock({ advance: 'P40D' });
    const [{ n }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM timer_deliveries d JOIN timers t ON t.id = d.timer_id WHERE t.case_id = $1 AND t.state_path = 'letter_expired' AND d.kind = 'deadline'`,
      [c.id],
    );
    expect(n).toBe(1);
    expect(
      (
        await h
          .http()
          .get(`/api/v1/audit/verify?caseId=${c.id}`)
          .set(await h.as('supervisor'))
      ).body.ok,
    ).toBe(true);
  });

  it('a clock event the case refuses leaves it waiting, and tells nobody that it lapsed or is overdue', async () => {
    // a stale letter-validity timer (as after a fault): it fires while the letter is still valid, and the
    // machine's own rule (expiryRule) refuses LETTER_EXPIRED: the case must not move, and its clerk hears
    // neither that the system handled it nor that the still-valid letter is overdue
    // from firm A to firm B: the firm-B members here are the other tests' subjects
    const c = await openTransfer(
      fullMembersOf(h.region, h.region.anchors.firmAOrgId)[5].id,
      'branch-a',
      h.region.anchors.firmBOrgId,
    );
    const send = sendTo(c.id);
    const now = await engineNow();
    await send('branch-a', { type: 'APPROVE_RELEASE' });
    await send('city', {
      type: 'ISSUE_LETTER',
      data: { letterNo: '赣律党转〔2026〕78号', validUntil: beijingDay(60, now.getTime()) },
    });
    await send('branch-b', { type: 'ACCEPT' });
    const soon = new Date(now.getTime() + 2 * 86_400_000).toISOString();
    await h.ds.query(
      `UPDATE timers SET due_at = $2::timestamptz, next_at = $2::timestamptz, next_stage = 0,
         stages = (SELECT jsonb_agg(s || jsonb_build_object('at', $2::text)) FROM jsonb_array_elements(stages) s)
       WHERE case_id = $1 AND deadline_key = 'awaiting_report.letter_validity' AND status = 'pending'`,
      [c.id, soon],
    );
    await clock({ advance: 'P3D' });
    const after = await caseAs('branch-b', c.id);
    expect(after.state).toBe('awaiting_report');
    const [{ outcome }] = await h.ds.query(
      `SELECT d.outcome FROM timer_deliveries d JOIN timers t ON t.id = d.timer_id
       WHERE t.case_id = $1 AND t.deadline_key = 'awaiting_report.letter_validity' AND d.kind = 'deadline'`,
      [c.id],
    );
    expect(outcome).toMatch(/^event_refused: /);
    const titles = (await notificationsOf('branch-b')).filter((n) => n.caseId === c.id).map((n) => n.title);
    expect(titles.filter((t) => t.startsWith('【期限届满】') || t.startsWith('【逾期】'))).toEqual([]);
    // the stale timer's reminder went out (its stage came first): the deadline stage did deliver, and said nothing
    expect(titles).toContain('【待办提醒】组织关系接转：等待党员报到');
  });

  it('marks deadlines in a year without calendar data provisional, and recomputes them when the year is added', async () => {
    await clock({ set: '2027-09-28T02:00:00.000Z' }); // Tuesday 10:00 in Shanghai, a year with no statutory data
    const opened = await openTransfer(members[9].id);
    const before = opened.deadlines.find((d: any) => d.kind === 'deadline');
    // weekends and the law's own 国庆 1–3 October: 09-29, 09-30, 10-04, 10-05, 10-06 — provisional, and visible as such
    expect(before).toMatchObject({ provisional: true });
    expect(before.dueAt.slice(0, 10)).toBe('2027-10-06');
    const notAdmin = await h
      .http()
      .post('/api/v1/calendar/years')
      .set(await h.as('city'))
      .send({});
    expect(notAdmin.status).toBe(403);
    const bad = await h
      .http()
      .post('/api/v1/calendar/years')
      .set(await h.as('admin'))
      .send({ year: 2027, holidays: [{ name: 'x', dates: ['2026-01-01'] }] });
    expect(bad.status).toBe(400);
    const year2027 = {
      year: 2027,
      source: '测试用 2027 年安排',
      holidays: [
        {
          name: '国庆节',
          dates: ['2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05', '2027-10-06', '2027-10-07'],
        },
      ],
      workdays: [{ name: '国庆节调休', dates: ['2027-09-26', '2027-10-09'] }],
    };
    const added = await h
      .http()
      .post('/api/v1/calendar/years')
      .set(await h.as('admin'))
      .send(year2027);
    expect(added.status).toBe(201);
    expect(added.body.replannedCases).toBeGreaterThanOrEqual(1);
    const after = (
      await h
        .http()
        .get(`/api/v1/cases/${opened.id}`)
        .set(await h.as('branch-b'))
    ).body.deadlines.find((d: any) => d.kind === 'deadline');
    // 09-29, 09-30, 10-08, 10-09 (a make-up Saturday), 10-11
    expect(after.provisional).toBe(false);
    expect(new Date(after.dueAt).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })).toBe('2027-10-11');
    expect(
      (
        await h
          .http()
          .get('/api/v1/calendar/years')
          .set(await h.as('city'))
      ).body.map((y: any) => y.year),
    ).toContain(2027);
  });

  it('refuses to move the clock backwards, or for anyone but an admin', async () => {
    const res = await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send({ set: '2000-01-01T00:00:00Z' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('CLOCK_BACKWARDS');
    // only an admin moves time; anybody signed in may read it
    const clerk = await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('city'))
      .send({ advance: 'PT1H' });
    expect(clerk.status).toBe(403);
    expect(
      (
        await h
          .http()
          .get('/api/v1/_clock')
          .set(await h.as('city'))
      ).status,
    ).toBe(200);
  });

  // ---------------------------------------------------------------- delivery through BullMQ worker processes

  /** Timers for real cases due `inMs` from engine-now, with one reminder stage each (the planner is tested elsewhere). */
  async function seedDueTimers(count: number, inMs: number): Promise<{ caseIds: string[]; timerIds: string[] }> {
    const now = (await engineNow()).getTime();
    const caseIds: string[] = [];
    for (let i = 0; i < Math.min(count, 2); i++)
      caseIds.push((await openTransfer(members[2 + caseIds.length + seeded].id)).id);
    seeded += caseIds.length;
    const timerIds = Array.from({ length: count }, () => randomUUID());
    const at = new Date(now + inMs).toISOString();
    await h.ds.query(
      `INSERT INTO timers (id, case_id, epoch, state_path, deadline_key, due_at, party, rule, title, stages, next_at, ident)
       SELECT t.id, t.case_id, 1, 'release_review', 'test.' || t.id, $3::timestamptz, 'sending', '测试', '测试提醒', $4::jsonb, $3::timestamptz, 'test|' || t.id
       FROM unnest($1::uuid[], $2::uuid[]) AS t(id, case_id)`,
      [
        timerIds,
        timerIds.map((_, i) => caseIds[i % caseIds.length]),
        at,
        JSON.stringify([{ kind: 'reminder', level: 0, at }]),
      ],
    );
    return { caseIds, timerIds };
  }
  let seeded = 0;

  const workers: ChildProcess[] = [];
  function startWorker(env: Record<string, string> = {}): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/main.ts', '--role', 'worker'], {
      env: {
        ...process.env,
        ...h.env,
        ROLE: 'worker',
        DEMO: '0',
        CLOCK_CONTROL: '0',
        PF_RELAY_EVERY_MS: '300',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.push(child);
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error('worker did not start')), 120_000);
      child.stdout!.on('data', (b: Buffer) => {
        if (b.toString().includes('timers and outbox workers running')) {
          clearTimeout(timeout);
          resolve(child);
        }
      });
      child.stderr!.on('data', (b: Buffer) => process.stderr.write(`[worker] ${b}`));
      child.on('exit', (code) => code && clearTimeout(timeout));
    });
  }
  const stopWorkers = async () => {
    await Promise.all(
      workers.splice(0).map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null || w.signalCode) return resolve();
            w.once('exit', () => resolve());
            w.kill('SIGTERM');
          }),
      ),
    );
  };
  afterEach(stopWorkers);

  async function waitDelivered(timerIds: string[], timeoutMs = 30_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [{ n }] = await h.ds.query(
        `SELECT count(*)::int AS n FROM timer_deliveries WHERE timer_id = ANY($1::uuid[])`,
        [timerIds],
      );
      if (n >= timerIds.length || Date.now() > until) return n;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const notificationsFor = async (timerIds: string[]) =>
    (
      await h.ds.query(
        `SELECT count(*)::int AS n FROM notifications WHERE split_part(dedupe_key, ':', 2) = ANY($1::text[])`,
        [timerIds],
      )
    )[0].n;

  it('a worker starting with calendar data for a year re-plans the deadlines computed provisionally for it', async () => {
    const member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[1];
    const res = await h
      .http()
      .post('/api/v1/cases')
      .set(await h.as('branch-a'))
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    expect(res.status).toBe(201);
    // as if planned before this year's file was in config/calendars
    const [[stale]] = await h.ds.query(
      `UPDATE timers SET provisional = true, ident = ident || '|provisional' WHERE case_id = $1 AND deadline_key = 'release_review.due' AND status = 'pending' RETURNING id`,
      [res.body.id],
    );
    await startWorker();
    const until = Date.now() + 20_000;
    let rows: { id: string; status: string; provisional: boolean }[] = [];
    while (Date.now() < until) {
      rows = await h.ds.query(
        `SELECT id, status, provisional FROM timers WHERE case_id = $1 AND deadline_key = 'release_review.due'`,
        [res.body.id],
      );
      if (rows.some((r) => r.id === stale.id && r.status === 'cancelled')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows.find((r) => r.id === stale.id)?.status).toBe('cancelled');
    expect(rows.filter((r) => r.status === 'pending')).toEqual([expect.objectContaining({ provisional: false })]);
  });

  it('two worker processes deliver each timer exactly once', async () => {
    await Promise.all([startWorker(), startWorker()]);
    const { timerIds } = await seedDueTimers(300, 1500);
    expect(await waitDelivered(timerIds)).toBe(300);
    await new Promise((r) => setTimeout(r, 1000)); // give a duplicate every chance to appear
    const [{ n, fired }] = await h.ds.query(
      `SELECT (SELECT count(*)::int FROM timer_deliveries WHERE timer_id = ANY($1::uuid[])) AS n,
              (SELECT count(*)::int FROM timers WHERE id = ANY($1::uuid[]) AND status = 'fired') AS fired`,
      [timerIds],
    );
    expect({ n, fired }).toEqual({ n: 300, fired: 300 });
    expect(await notificationsFor(timerIds)).toBe(300); // one clerk of firm B's branch per timer
  });

  it('loses and doubles nothing when Redis is flushed mid-run (FLUSHALL on a private server)', async () => {
    await startWorker();
    const redis = new Redis(process.env.REDIS_URL!);
    const { timerIds } = await seedDueTimers(50, 2500);
    await new Promise((r) => setTimeout(r, 800)); // the wake-up is now a delayed job in Redis …
    // … and gone: the whole server when it is the test run's private one, else everything under this suite's prefix
    if (process.env.PARTYFLOW_PRIVATE_REDIS === '1') await redis.flushall();
    else {
      const keys = await redis.keys(`{${h.env.REDIS_PREFIX}}*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
    }
    await redis.quit();
    expect(await waitDelivered(timerIds)).toBe(50);
    expect(await notificationsFor(timerIds)).toBe(50);
  });

  it('a worker killed mid-batch leaves no duplicate: the batch is redone by another', async () => {
    const doomed = await startWorker({ PF_FAULT_PAUSE_AFTER_CLAIM_MS: '4000' });
    // already due: the doomed worker takes the immediate wake-up, which stays "active" in Redis after the kill
    const { timerIds } = await seedDueTimers(40, -1000);
    // wait until the doomed worker holds the claimed rows (their locks are visible), then kill it
    const until = Date.now() + 15_000;
    for (;;) {
      const locked = await h.ds.query(
        `SELECT count(*)::int AS n FROM (SELECT id FROM timers WHERE id = ANY($1::uuid[]) FOR UPDATE SKIP LOCKED) x`,
        [timerIds],
      );
      if (locked[0].n === 0 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    doomed.kill('SIGKILL');
    expect(await waitDelivered(timerIds, 2000)).toBe(0); // nothing committed by the killed worker
    await startWorker();
    expect(await waitDelivered(timerIds)).toBe(40);
    expect(await notificationsFor(timerIds)).toBe(40);
  });
});
