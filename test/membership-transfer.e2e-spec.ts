import { fullMembersOf, Harness, startHarness } from './support/harness';
import { beijingDay } from './support/dates';

/**
 * The membership-transfer procedure end to end through HTTP, on real PostgreSQL and Redis: every
 * approval step by the right clerk, the member's organization changing on completion, the history
 * chain, concurrency, idempotency and the engine's error contract.
 */
describe('membership-transfer (e2e)', () => {
  let h: Harness;
  let branchA: { Authorization: string };
  let branchB: { Authorization: string };
  let city: { Authorization: string };
  let firmAMembers: ReturnType<typeof fullMembersOf>;
  const future = (days: number) => beijingDay(days);

  beforeAll(async () => {
    h = await startHarness();
    branchA = await h.as('branch-a');
    branchB = await h.as('branch-b');
    city = await h.as('city');
    firmAMembers = fullMembersOf(h.region, h.region.anchors.firmAOrgId);
  });
  afterAll(() => h.close());

  const open = (memberId: string, headers = branchA, extra: Record<string, unknown> = {}) =>
    h
      .http()
      .post('/api/v1/cases')
      .set(headers)
      .send({
        workflow: 'membership-transfer',
        subject: { memberId },
        input: { toOrgId: h.region.anchors.firmBOrgId, ...extra },
      });
  const send = (id: string, headers: { Authorization: string }, body: Record<string, unknown>, key?: string) => {
    const req = h.http().post(`/api/v1/cases/${id}/events`).set(headers);
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };

  it('runs a transfer through every step and moves the member on completion', async () => {
    const member = firmAMembers[0];
    const opened = await open(member.id);
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      workflow: 'membership-transfer',
      state: 'release_review',
      status: 'open',
      version: 1,
      definitionVersion: 1,
    });
    expect(opened.body.availableEvents.map((e: any) => e.type)).toEqual(
      expect.arrayContaining(['APPROVE_RELEASE', 'REJECT_RELEASE']),
    );
    expect(opened.body.deadlines.some((d: any) => d.kind === 'deadline' && d.key)).toBe(true);
    const id = opened.body.id;

    // the receiving clerk sees the case but cannot act in the sending branch's step
    const asB = await h.http().get(`/api/v1/cases/${id}`).set(branchB);
    expect(asB.status).toBe(200);
    expect(asB.body.availableEvents).toEqual([]);
    expect((await send(id, branchB, { type: 'APPROVE_RELEASE' })).status).toBe(403);

    expect((await send(id, branchA, { type: 'APPROVE_RELEASE', comment: '同意转出' })).body.state).toBe(
      'letter_pending',
    );
    // the letter is issued by the sending branch's upper committee (the city committee)
    expect(
      (
        await send(id, branchA, {
          type: 'ISSUE_LETTER',
          data: { letterNo: '赣律党转〔2026〕1号', validUntil: future(60) },
        })
      ).status,
    ).toBe(403);
    const letter = await send(id, city, {
      type: 'ISSUE_LETTER',
      data: { letterNo: '赣律党转〔2026〕1号', validUntil: future(60) },
    });
    expect(letter.status).toBe(200);
    expect(letter.body.state).toBe('acceptance_review');
    expect((await send(id, branchB, { type: 'ACCEPT' })).body.state).toBe('awaiting_report');
    const done = await send(id, branchB, {
      type: 'RECORD_REPORT',
      data: { reportedOn: beijingDay() },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ state: 'completed', status: 'closed', version: 5, availableEvents: [] });

    const [row] = await h.ds.query('SELECT org_id FROM members WHERE id = $1', [member.id]);
    expect(row.org_id).toBe(h.region.anchors.firmBOrgId);
    const receipts = await h.ds.query('SELECT * FROM transfer_receipts WHERE case_id = $1', [id]);
    expect(receipts).toHaveLength(1);
    // leaving a state cancels its timers; a closed case has none pending
    const pending = await h.ds.query(
      `SELECT count(*)::int AS n FROM timers WHERE case_id = $1 AND status = 'pending'`,
      [id],
    );
    expect(pending[0].n).toBe(0);

    const history = await h.http().get(`/api/v1/cases/${id}/history`).set(city);
    expect(history.body.map((r: any) => r.type)).toEqual([
      'OPEN',
      'APPROVE_RELEASE',
      'ISSUE_LETTER',
      'ACCEPT',
      'RECORD_REPORT',
    ]);
    expect(history.body[0].actor).toMatchObject({
      username: 'branch-a',
      role: 'clerk',
      orgId: h.region.anchors.firmAOrgId,
    });
    expect(history.body[1]).toMatchObject({ comment: '同意转出', from: 'release_review', to: 'letter_pending' });
    history.body.forEach((r: any, i: number) => {
      expect(r.seq).toBe(i + 1);
      if (i > 0) expect(r.prevHash).toBe(history.body[i - 1].hash);
    });
    const verify = await h
      .http()
      .get(`/api/v1/audit/verify?caseId=${id}`)
      .set(await h.as('supervisor'));
    expect(verify.body).toMatchObject({ ok: true, checked: 5 });
  });

  it("each step answers with the case's view as a read right after shows it: deadlines, names, follow-ups", async () => {
    // a step without registry effects reads its view in its own statement; RECORD_REPORT (it moves the member) after it
    const member = firmAMembers[firmAMembers.length - 1];
    const id = (await open(member.id)).body.id;
    const steps: [{ Authorization: string }, Record<string, unknown>][] = [
      [branchA, { type: 'REJECT_RELEASE', data: { reason: '该党员长期在外地执业' } }],
      [city, { type: 'DENY_EXCEPTION' }],
      [branchA, { type: 'APPROVE_RELEASE' }],
      [city, { type: 'ISSUE_LETTER', data: { letterNo: '赣律党转〔2026〕9号', validUntil: future(60) } }],
      [branchB, { type: 'ACCEPT' }],
      [branchB, { type: 'RECORD_REPORT', data: { reportedOn: beijingDay() } }],
    ];
    for (const [who, body] of steps) {
      const answer = await send(id, who, body);
      expect(answer.status).toBe(200);
      const read = await h.http().get(`/api/v1/cases/${id}`).set(who);
      expect(answer.body).toEqual(read.body);
      expect(answer.body.subjectName).toBe(member.name);
      expect(Object.keys(answer.body.orgNames).length).toBeGreaterThan(0);
      if (answer.body.status === 'open') expect(answer.body.deadlines.length).toBeGreaterThan(0);
    }
  });

  it('takes the exception path to the city committee and back', async () => {
    const id = (await open(firmAMembers[1].id)).body.id;
    const rejected = await send(id, branchA, { type: 'REJECT_RELEASE', data: { reason: '该党员长期在外地执业' } });
    expect(rejected.body.state).toBe('exception_review');
    const denied = await send(id, city, { type: 'DENY_EXCEPTION' });
    expect(denied.body.state).toBe('release_review');
    await send(id, branchA, { type: 'REJECT_RELEASE', data: { reason: '确不能接转' } });
    const approved = await send(id, city, { type: 'APPROVE_EXCEPTION', data: { reason: '经市律师行业党委同意' } });
    expect(approved.body).toMatchObject({ state: 'closed_exception', status: 'closed' });
  });

  it('starts in acceptance_review for an external sender', async () => {
    const res = await open(firmAMembers[2].id, branchA, {
      external: { senderName: '广东省律师行业党委', letterNo: '粤律党转〔2026〕8号', validUntil: future(30) },
    });
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('acceptance_review');
  });

  it('a member held directly by the city committee: the city committee itself issues the letter (no stall)', async () => {
    const member = fullMembersOf(h.region, h.region.anchors.cityId)[0];
    const opened = await open(member.id, city);
    expect(opened.status).toBe(201);
    expect(opened.body.parties).toMatchObject({
      sending: h.region.anchors.cityId,
      sendingUpper: h.region.anchors.cityId,
    });
    const id = opened.body.id;
    expect((await send(id, city, { type: 'APPROVE_RELEASE' })).body.state).toBe('letter_pending');
    // it used to wait for the provincial committee, which takes no part in the city's transfers
    const waiting = await h.http().get(`/api/v1/cases/${id}`).set(city);
    expect(waiting.body.availableEvents.map((e: any) => e.type)).toContain('ISSUE_LETTER');
    const issued = await send(id, city, {
      type: 'ISSUE_LETTER',
      data: { letterNo: '赣律党转〔2026〕090号', validUntil: future(30) },
    });
    expect(issued.status).toBe(200);
    expect(issued.body.state).toBe('acceptance_review');
    expect((await send(id, branchB, { type: 'ACCEPT' })).body.state).toBe('awaiting_report');
  });

  it('refuses to release a member with an open non-conforming case (rule, 422)', async () => {
    const member = firmAMembers[3];
    const nc = await h
      .http()
      .post('/api/v1/cases')
      .set(branchA)
      .send({ workflow: 'nonconforming', subject: { memberId: member.id }, input: {} });
    expect(nc.status).toBe(201);
    const id = (await open(member.id)).body.id;
    const res = await send(id, branchA, { type: 'APPROVE_RELEASE' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('RULE_VIOLATION');
    expect(res.body.message).toMatch(/不合格党员/);
  });

  it('lets exactly one of 8 concurrent clerks win on the same version', async () => {
    const id = (await open(firmAMembers[4].id)).body.id;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => send(id, branchA, { type: 'APPROVE_RELEASE', expectedVersion: 1 })),
    );
    const codes = results.map((r) => r.status).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(7);
    expect(results.find((r) => r.status === 409)!.body.code).toBe('CASE_VERSION_CONFLICT');
    const history = await h.http().get(`/api/v1/cases/${id}/history`).set(branchA);
    expect(history.body.map((r: any) => r.seq)).toEqual([1, 2]);
  });

  it('applies 8 concurrent events without expectedVersion one at a time, history contiguous', async () => {
    const id = (await open(firmAMembers[5].id)).body.id;
    const results = await Promise.all(Array.from({ length: 8 }, () => send(id, branchA, { type: 'APPROVE_RELEASE' })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    // the others arrive after the state moved on: not allowed there any more
    expect(results.filter((r) => r.status === 422).every((r) => r.body.code === 'EVENT_NOT_ALLOWED')).toBe(true);
    const history = await h.http().get(`/api/v1/cases/${id}/history`).set(branchA);
    expect(history.body.map((r: any) => r.seq)).toEqual([1, 2]);
  });

  it('replays Idempotency-Key on create and on events without applying twice', async () => {
    const member = firmAMembers[6];
    const first = await open(member.id).set('Idempotency-Key', `open-${member.id}`);
    const again = await open(member.id).set('Idempotency-Key', `open-${member.id}`);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const id = first.body.id;
    const parallel = await Promise.all([1, 2, 3].map(() => send(id, branchA, { type: 'APPROVE_RELEASE' }, `ev-${id}`)));
    expect(parallel.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(parallel.map((r) => r.body.version))).toEqual(new Set([2]));
    const history = await h.http().get(`/api/v1/cases/${id}/history`).set(branchA);
    expect(history.body).toHaveLength(2);
    // the same key for a different request is refused; keys are per user, so another clerk's key is independent
    const reused = await send(id, branchA, { type: 'REJECT_RELEASE', data: { reason: '另一请求' } }, `ev-${id}`);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const letter = await send(
      id,
      city,
      { type: 'ISSUE_LETTER', data: { letterNo: '赣律党转〔2026〕9号', validUntil: future(10) } },
      `ev-${id}`,
    );
    expect(letter.status).toBe(200);
    expect(letter.body.version).toBe(3);
  });

  it('answers bad input with clear errors, never 500', async () => {
    const id = (await open(firmAMembers[7].id)).body.id;
    const cases: [any, number, string][] = [
      [send(id, branchA, { type: 'ISSUE_LETTER', data: { letterNo: 1 } }), 422, 'EVENT_NOT_ALLOWED'],
      [send(id, branchA, { type: 'NO_SUCH_EVENT' }), 422, 'UNKNOWN_EVENT'],
      [send(id, branchA, { type: 'APPROVE_RELEASE', unknownField: 1 }), 400, 'VALIDATION_FAILED'],
      [send(id, branchA, { type: 'REJECT_RELEASE', data: { reason: 42 } }), 400, 'VALIDATION_FAILED'],
      [send(id, branchA, { type: 'REJECT_RELEASE', data: { reason: 'x', extra: true } }), 400, 'VALIDATION_FAILED'],
      [send(id, branchA, { type: 'lowercase' }), 400, 'VALIDATION_FAILED'],
      [send(id, branchA, { type: 'APPROVE_RELEASE', expectedVersion: 'one' }), 400, 'VALIDATION_FAILED'],
      [
        h
          .http()
          .post(`/api/v1/cases/${id}/events`)
          .set(branchA)
          .set('Content-Type', 'application/json')
          .send('{"type": "APPROVE_'),
        400,
        'MALFORMED_JSON',
      ],
      [
        h
          .http()
          .post(`/api/v1/cases/${id}/events`)
          .set(branchA)
          .send({ type: 'APPROVE_RELEASE', comment: 'x'.repeat(300_000) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        h
          .http()
          .post('/api/v1/cases')
          .set(branchA)
          .send({ workflow: 'no-such-flow', subject: { memberId: firmAMembers[7].id } }),
        422,
        'UNKNOWN_WORKFLOW',
      ],
      [
        h
          .http()
          .post('/api/v1/cases')
          .set(branchA)
          .send({ workflow: 'membership-transfer', subject: { memberId: 'not-a-uuid' }, input: {} }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        h
          .http()
          .post('/api/v1/cases')
          .set(branchA)
          .send({ workflow: 'membership-transfer', subject: { memberId: firmAMembers[7].id }, input: { toOrgId: 5 } }),
        400,
        'VALIDATION_FAILED',
      ],
      [h.http().get('/api/v1/cases/not-a-uuid').set(branchA), 404, 'NOT_FOUND'],
      [
        h
          .http()
          .get(`/api/v1/cases/${'-'.repeat(36)}`)
          .set(branchA),
        404,
        'NOT_FOUND',
      ],
      [
        h
          .http()
          .post('/api/v1/cases')
          .set(branchA)
          .send({
            workflow: 'membership-transfer',
            subject: { memberId: firmAMembers[7].id },
            input: {
              toOrgId: h.region.anchors.firmBOrgId,
              external: { senderName: '外省某党组织', letterNo: 'X1', validUntil: '2026-02-30' },
            },
          }),
        400,
        'VALIDATION_FAILED',
      ],
      [send(id, branchA, { type: 'REJECT_RELEASE', data: { reason: 'nul\u0000char' } }), 400, 'VALIDATION_FAILED'],
      [h.http().post('/api/v1/auth/token').send({ username: 'a\u0000b', password: 'demo' }), 400, 'VALIDATION_FAILED'],
      [h.http().get('/api/v1/cases/00000000-0000-4000-8000-000000000000').set(branchA), 404, 'NOT_FOUND'],
    ];
    for (const [req, status, code] of cases) {
      const res = await req;
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      expect(typeof res.body.message).toBe('string');
    }
    const invalid = await send(id, branchA, { type: 'REJECT_RELEASE', data: {} });
    expect(invalid.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'data.reason' })]));
    // nothing was applied by any of the refused requests
    expect((await h.http().get(`/api/v1/cases/${id}`).set(branchA)).body.version).toBe(1);
  });

  it('the database refuses UPDATE and DELETE on history, and verify finds a row altered behind the engine', async () => {
    const id = (await open(firmAMembers[8].id)).body.id;
    await send(id, branchA, { type: 'APPROVE_RELEASE', comment: '原始意见' });
    await expect(h.ds.query(`UPDATE case_history SET comment = 'x' WHERE case_id = $1`, [id])).rejects.toThrow(
      /append-only/,
    );
    await expect(h.ds.query(`DELETE FROM case_history WHERE case_id = $1`, [id])).rejects.toThrow(/append-only/);
    const supervisor = await h.as('supervisor');
    expect((await h.http().get(`/api/v1/audit/verify?caseId=${id}`).set(supervisor)).body.ok).toBe(true);

    // a superuser bypassing triggers (session_replication_role) edits a comment: the chain breaks at seq 2
    await h.ds.transaction(async (em) => {
      await em.query(`SET LOCAL session_replication_role = replica`);
      await em.query(`UPDATE case_history SET comment = '篡改后的意见' WHERE case_id = $1 AND seq = 2`, [id]);
    });
    const verify = await h.http().get(`/api/v1/audit/verify?caseId=${id}`).set(supervisor);
    expect(verify.body).toMatchObject({ ok: false, brokenAt: { caseId: id, seq: 2 } });
    const whole = await h.http().get('/api/v1/audit/verify').set(supervisor);
    expect(whole.body.ok).toBe(false);
    expect(whole.body.brokenAt.caseId).toBe(id);
  });
});
