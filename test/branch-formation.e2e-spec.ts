import bcrypt from 'bcryptjs';
import { randomUUID } from 'node:crypto';
import type { DemoMember } from '../libs/demo/demo-region';
import { signLicensingBody } from '../libs/licensing/signature';
import { Harness, startHarness } from './support/harness';
import { beijingDay } from './support/dates';

const SECRET = 'branch-formation-secret';

/**
 * Branch formation (docs/procedures.md §2) end to end through HTTP on real PostgreSQL and Redis: every path of the
 * decision rule (own branch, joint branch, instructor and monitoring, closing), the rules refusing with 422,
 * who may act, and the effects — on establishment a new organization under the city committee, the firm
 * linked to it, and the listed members moving into it through membership-transfer cases; the coverage
 * report follows.
 */
describe('branch-formation (e2e)', () => {
  let h: Harness;
  let city: { Authorization: string };
  let county: { Authorization: string };
  const firm = (name: string) => h.region.firms.find((f) => f.name === name)!;
  const today = () => beijingDay();

  beforeAll(async () => {
    h = await startHarness({ LICENSING_WEBHOOK_SECRET: SECRET });
    city = await h.as('city');
    county = await h.as('county-zg');
  });
  afterAll(() => h.close());

  const open = (firmId: string, input: Record<string, unknown> = { trigger: 'manual' }, headers = city) =>
    h.http().post('/api/v1/cases').set(headers).send({ workflow: 'branch-formation', subject: { firmId }, input });
  const send = (id: string, headers: { Authorization: string }, body: Record<string, unknown>) =>
    h.http().post(`/api/v1/cases/${id}/events`).set(headers).send(body);
  const ok = async (id: string, headers: { Authorization: string }, body: Record<string, unknown>) => {
    const res = await send(id, headers, body);
    if (res.status !== 200) throw new Error(`${body.type}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const firmRow = async (id: string) =>
    (
      await h.ds.query(
        `SELECT coverage, party_org_id AS "partyOrgId", instructor_id AS "instructorId", uncovered_since AS "uncoveredSince" FROM firms WHERE id = $1`,
        [id],
      )
    )[0];
  const coverage = async () => (await h.http().get('/api/v1/reports/coverage').set(city)).body;
  const survey = (members: DemoMember[], full: number, extra: Record<string, unknown> = {}) => ({
    type: 'SUBMIT_SURVEY',
    data: {
      fullMembers: full,
      probationaryMembers: members.length - full,
      directorIsMember: false,
      memberIds: members.map((m) => m.id),
      ...extra,
    },
  });

  it('forms an own branch: survey → application → review (returned once) → election → secretary approval (一肩挑) → established', async () => {
    const target = firm('江西明珠律师事务所'); // 章贡区, not covered
    const before = await coverage();
    // four full lawyers who moved to the new firm (their relationship is still with firm A's branch)
    const movers = h.region.members
      .filter((m) => m.orgId === h.region.anchors.firmAOrgId && m.status === 'full')
      .slice(1, 5);
    const director = movers[0];

    const opened = await open(target.id);
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      workflow: 'branch-formation',
      state: 'survey',
      subject: { firmId: target.id },
    });
    const id = opened.body.id;
    // only the county clerk or the city committee survey; a branch clerk elsewhere cannot even see the case
    expect((await send(id, await h.as('branch-a'), survey(movers, 4))).status).toBe(404);
    // the survey must add up
    const wrong = await send(id, county, survey(movers, 3, { probationaryMembers: 0 }));
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('RULE_VIOLATION');
    // … and match the registry: four full members cannot be filed as three full and one probationary
    const misfiled = await send(id, county, survey(movers, 3));
    expect(misfiled.status).toBe(422);
    expect(misfiled.body.message).toMatch(/正式党员/);

    expect(
      (await ok(id, county, survey(movers, 4, { directorIsMember: true, directorMemberId: director.id }))).state,
    ).toBe('application');
    const refused = await send(id, county, {
      type: 'SUBMIT_APPLICATION',
      data: { proposedSecretaryId: randomUUID(), charterPartyClauses: true },
    });
    expect(refused.status).toBe(422);
    // Ganzhou: the firm's charter contains party-building clauses before the branch is applied for
    const noCharter = await send(id, county, {
      type: 'SUBMIT_APPLICATION',
      data: { proposedSecretaryId: movers[1].id },
    });
    expect(noCharter.status).toBe(422);
    expect(noCharter.body.message).toMatch(/^律所章程须增加党建内容/);
    expect(
      (
        await ok(id, county, {
          type: 'SUBMIT_APPLICATION',
          data: { proposedSecretaryId: movers[1].id, charterPartyClauses: true },
        })
      ).state,
    ).toBe('committee_review');
    // the county may not approve; the city returns it once
    expect((await send(id, county, { type: 'APPROVE_FORMATION' })).status).toBe(403);
    expect((await ok(id, city, { type: 'RETURN', data: { reason: '请补充党员名单材料' } })).state).toBe('application');
    await ok(id, county, {
      type: 'SUBMIT_APPLICATION',
      data: { proposedSecretaryId: movers[1].id, charterPartyClauses: true },
    });
    expect((await ok(id, city, { type: 'APPROVE_FORMATION' })).state).toBe('election');

    // 党章 art. 40: a member under 留党察看 (recorded by the upper committee in a non-conforming case) has no right to
    // be elected — neither secretary nor committee member; refused with the rule's message, the registry decides
    const disciplined = movers[3];
    const branchAClerk = await h.as('branch-a');
    const nc = await h
      .http()
      .post('/api/v1/cases')
      .set(branchAClerk)
      .send({ workflow: 'nonconforming', subject: { memberId: disciplined.id }, input: { grounds: '违反廉洁纪律' } });
    expect(nc.status).toBe(201);
    await ok(nc.body.id, branchAClerk, { type: 'PROPOSE', data: { measure: 'correction' } });
    const decidedOn = beijingDay(-1);
    await ok(nc.body.id, city, { type: 'RECORD_PARTY_PROBATION', data: { decidedOn, years: 1 } });
    const until = `${Number(decidedOn.slice(0, 4)) + 1}${decidedOn.slice(4)}`;
    const asSecretary = await send(id, county, {
      type: 'RECORD_ELECTION',
      data: { electedOn: today(), secretaryId: disciplined.id, committeeIds: [] },
    });
    expect(asSecretary.status).toBe(422);
    expect(asSecretary.body).toMatchObject({
      code: 'RULE_VIOLATION',
      message: `受留党察看处分、尚未恢复党员权利的党员没有被选举权，不能担任支部书记：${disciplined.name}（留党察看期 ${until} 届满）`,
    });
    const asCommittee = await send(id, county, {
      type: 'RECORD_ELECTION',
      data: {
        electedOn: today(),
        secretaryId: movers[1].id,
        committeeIds: [movers[1].id, movers[2].id, disciplined.id],
      },
    });
    expect(asCommittee.status).toBe(422);
    expect(asCommittee.body.message).toBe(
      `受留党察看处分、尚未恢复党员权利的党员没有被选举权，不能当选支部委员：${disciplined.name}（留党察看期 ${until} 届满）`,
    );

    // the director is a member but not elected secretary: approval needs a written justification
    await ok(id, county, {
      type: 'RECORD_ELECTION',
      data: { electedOn: today(), secretaryId: movers[1].id, committeeIds: [] },
    });
    const noJustification = await send(id, city, { type: 'APPROVE_SECRETARY' });
    expect(noJustification.status).toBe(422);
    expect(noJustification.body.message).toMatch(/主任/);
    expect((await ok(id, city, { type: 'RETURN', data: { reason: '主任应担任书记（一肩挑）' } })).state).toBe(
      'election',
    );
    await ok(id, county, {
      type: 'RECORD_ELECTION',
      data: { electedOn: today(), secretaryId: director.id, committeeIds: [] },
    });
    // one move at a time: a listed member whose relationship is already on its way elsewhere cannot be taken
    // into the new branch — 409 DUPLICATE naming the member and the open transfer; nothing is established
    const branchA = await h.as('branch-a');
    const elsewhere = await h
      .http()
      .post('/api/v1/cases')
      .set(branchA)
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: movers[2].id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    expect(elsewhere.status).toBe(201);
    const conflict = await send(id, city, { type: 'APPROVE_SECRETARY' });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      code: 'DUPLICATE',
      message: `以下党员的组织关系接转尚未办结，同一党员同时只能办理一项组织关系转移，请待其办结后再批准成立党支部：${movers[2].name}（案件 ${elsewhere.body.id}）`,
    });
    expect((await h.http().get(`/api/v1/cases/${id}`).set(city)).body.state).toBe('secretary_approval');
    expect((await firmRow(target.id)).partyOrgId).toBeNull();
    // once that transfer is closed (here: the city committee agrees it cannot be made) the branch is established
    await ok(elsewhere.body.id, branchA, { type: 'REJECT_RELEASE', data: { reason: '拟随新所组建党支部' } });
    await ok(elsewhere.body.id, city, { type: 'APPROVE_EXCEPTION', data: { reason: '并入新所党支部办理' } });
    const done = await ok(id, city, { type: 'APPROVE_SECRETARY' });
    expect(done).toMatchObject({ state: 'established', status: 'closed' });

    // a new branch under the city committee, the firm linked and covered
    const f = await firmRow(target.id);
    expect(f).toMatchObject({ coverage: 'branch', uncoveredSince: null });
    const [org] = await h.ds.query(`SELECT id, name, type, parent_id, path FROM orgs WHERE id = $1`, [f.partyOrgId]);
    expect(org).toMatchObject({ type: 'branch', parent_id: h.region.anchors.cityId, name: '江西明珠律师事务所党支部' });
    expect(org.path.endsWith(`/${h.region.anchors.cityId}/${org.id}/`)).toBe(true);

    // every listed member (their org differs) moves through a membership-transfer case opened by this case
    const transfers = await h.ds.query(
      `SELECT id, subject_member_id AS "memberId", state, snapshot->'context'->>'toOrgId' AS "toOrgId", opened_by->>'trigger' AS trigger
       FROM cases WHERE workflow = 'membership-transfer' AND snapshot->'context'->>'toOrgId' = $1 ORDER BY subject_member_id`,
      [org.id],
    );
    expect(transfers.map((t: any) => t.memberId).sort()).toEqual(movers.map((m) => m.id).sort());
    for (const t of transfers) expect(t).toMatchObject({ state: 'release_review', trigger: `case:${id}` });

    // the new branch's clerk receives one of them: on completion the member is in the new branch
    const [user] = await h.ds.query(
      `INSERT INTO users (username, display_name, password_hash) VALUES ('branch-mingzhu', '明珠所党支部党务干事', $1) RETURNING id`,
      [bcrypt.hashSync('demo', 4)],
    );
    await h.ds.query(`INSERT INTO role_assignments (user_id, role, org_id) VALUES ($1, 'clerk', $2)`, [
      user.id,
      org.id,
    ]);
    const newClerk = await h.as('branch-mingzhu');
    const t0 = transfers.find((t: any) => t.memberId === director.id);
    await ok(t0.id, await h.as('branch-a'), { type: 'APPROVE_RELEASE' });
    await ok(t0.id, city, {
      type: 'ISSUE_LETTER',
      data: {
        letterNo: '赣律党转〔2026〕201号',
        validUntil: beijingDay(20),
      },
    });
    await ok(t0.id, newClerk, { type: 'ACCEPT' });
    expect((await ok(t0.id, newClerk, { type: 'RECORD_REPORT', data: { reportedOn: today() } })).state).toBe(
      'completed',
    );
    const [moved] = await h.ds.query(`SELECT org_id FROM members WHERE id = $1`, [director.id]);
    expect(moved.org_id).toBe(org.id);

    // the coverage report follows: one more own branch, one fewer uncovered firm in 章贡区
    const after = await coverage();
    const zg = (r: any) => r.cities[0].counties.find((c: any) => c.county === '章贡区');
    expect(zg(after).branch).toBe(zg(before).branch + 1);
    expect(zg(after).none).toBe(zg(before).none - 1);
    expect(after.uncovered.some((u: any) => u.firmId === target.id)).toBe(false);
    // the formation's history is a valid chain
    const verify = await h
      .http()
      .get(`/api/v1/audit/verify?caseId=${id}`)
      .set(await h.as('supervisor'));
    expect(verify.body).toMatchObject({ ok: true });
  });

  it('assigns 1–2 members to a joint branch, refusing a joint branch that already covers 5 units', async () => {
    const lawyers = h.region.members.filter((m) => m.orgId === h.region.anchors.firmBOrgId && m.status === 'full');
    const a = firm('江西赣江律师事务所'); // instructor-only today
    const id = (await open(a.id)).body.id;
    expect((await ok(id, county, survey(lawyers.slice(0, 2), 2))).state).toBe('joint_assignment');
    const joint1 = h.region.anchors.jointBranch1Id; // covers 4 units
    const done = await ok(id, city, {
      type: 'ASSIGN_JOINT_BRANCH',
      data: { jointBranchId: joint1, liaisonMemberId: lawyers[0].id },
    });
    expect(done).toMatchObject({ state: 'established_joint', status: 'closed' });
    expect(await firmRow(a.id)).toMatchObject({ coverage: 'joint_branch', partyOrgId: joint1 });

    // joint branch 1 now covers 5: a sixth unit is refused by rule, another joint branch is fine
    const b = firm('江西洪城律师事务所赣州分所');
    const id2 = (await open(b.id)).body.id;
    expect((await ok(id2, county, survey(lawyers.slice(2, 3), 1))).state).toBe('joint_assignment');
    const full = await send(id2, city, {
      type: 'ASSIGN_JOINT_BRANCH',
      data: { jointBranchId: joint1, liaisonMemberId: lawyers[2].id },
    });
    expect(full.status).toBe(422);
    expect(full.body).toMatchObject({ code: 'RULE_VIOLATION' });
    expect(full.body.message).toMatch(/5/);
    // a firm's own branch is no joint branch
    const own = await send(id2, city, {
      type: 'ASSIGN_JOINT_BRANCH',
      data: { jointBranchId: h.region.anchors.firmAOrgId, liaisonMemberId: lawyers[2].id },
    });
    expect(own.status).toBe(422);
    expect(own.body.message).toMatch(/不是联合党支部/);
    const joint2 = h.region.orgs.find((o) => o.name === '章贡区律师行业第二联合党支部')!.id;
    expect(
      (
        await ok(id2, city, {
          type: 'ASSIGN_JOINT_BRANCH',
          data: { jointBranchId: joint2, liaisonMemberId: lawyers[2].id },
        })
      ).state,
    ).toBe('established_joint');
  });

  it('runs a new firm from the licensing event through instructor, monitoring and re-survey to closing', async () => {
    const firmId = randomUUID();
    const body = JSON.stringify({
      eventId: `bf-${firmId}`,
      type: 'firm-establishment.applied',
      occurredAt: new Date().toISOString(),
      firmId,
      firm: { name: '江西新锐律师事务所', kind: 'firm', county: '章贡区', directorName: '黄立新' },
      applicationRef: `SL-${firmId.slice(0, 8)}`,
    });
    const res = await h
      .http()
      .post('/api/v1/integrations/licensing/events')
      .set('Content-Type', 'application/json')
      .set('X-Signature', signLicensingBody(SECRET, body))
      .send(body);
    expect(res.status).toBe(202);
    const id = res.body.caseIds[0];
    const established = JSON.stringify({
      eventId: `bf-est-${firmId}`,
      type: 'firm.established',
      occurredAt: new Date().toISOString(),
      firmId,
    });
    expect(
      (
        await h
          .http()
          .post('/api/v1/integrations/licensing/events')
          .set('Content-Type', 'application/json')
          .set('X-Signature', signLicensingBody(SECRET, established))
          .send(established)
      ).status,
    ).toBe(202);
    expect((await coverage()).uncovered.some((u: any) => u.firmId === firmId)).toBe(true);
    // the establishment reached the running case: its date starts the whole procedure's 3-month deadline
    const planned = (await h.http().get(`/api/v1/cases/${id}`).set(city)).body;
    const shanghaiToday = beijingDay();
    expect(planned.context.establishedOn).toBe(shanghaiToday);
    expect(planned.deadlines).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'formation.overall', kind: 'deadline' })]),
    );
    const history = (await h.http().get(`/api/v1/cases/${id}/history`).set(city)).body;
    expect(history.map((r: any) => r.type)).toEqual(['OPEN', 'FIRM_ESTABLISHED']);
    expect(history[1].actor).toMatchObject({ username: 'system' });

    // no members: an instructor, then the periodic re-count
    expect((await ok(id, county, survey([], 0))).state).toBe('instructor_assignment');
    const instructor = h.region.members.find((m) => m.orgId === h.region.anchors.cityId)!;
    const monitoring = await ok(id, county, { type: 'ASSIGN_INSTRUCTOR', data: { instructorId: instructor.id } });
    expect(monitoring.state).toBe('monitoring');
    expect(monitoring.context.nextRecountDue).toBeTruthy();
    expect(monitoring.deadlines.some((d: any) => d.key === 'monitoring.recount')).toBe(true);
    expect(await firmRow(firmId)).toMatchObject({
      coverage: 'instructor',
      instructorId: instructor.id,
      uncoveredSince: null,
    });
    expect((await coverage()).uncovered.some((u: any) => u.firmId === firmId)).toBe(false);

    // still none at the re-count: stays monitored; two members later: towards a joint branch
    expect((await ok(id, city, survey([], 0))).state).toBe('monitoring');
    const two = h.region.members
      .filter((m) => m.orgId === h.region.anchors.firmBOrgId && m.status === 'full')
      .slice(4, 6);
    expect((await ok(id, city, survey(two, 2))).state).toBe('joint_assignment');
    // the firm is deregistered meanwhile: closed in the registry, and no longer counted as uncovered
    const closed = await ok(id, city, { type: 'CLOSE_FIRM', data: { reason: '律师事务所注销' } });
    expect(closed).toMatchObject({ state: 'closed', status: 'closed' });
    expect((await firmRow(firmId)).coverage).toBe('none');
    expect((await h.ds.query(`SELECT status FROM firms WHERE id = $1`, [firmId]))[0].status).toBe('closed');
    expect((await coverage()).uncovered.some((u: any) => u.firmId === firmId)).toBe(false);
  });

  it('refuses to open for a firm that already has its own branch, and records the head firm as guide of a branch office', async () => {
    const refused = await open(h.region.anchors.firmAId);
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/已单独建立党组织/);
    // opening is the city committee's (the county may only act inside the case)
    expect((await open(firm('江西赣江律师事务所').id, { trigger: 'manual' }, county)).status).toBe(403);
    // outside the county clerk's scope the firm does not exist for them
    expect((await open(firm('江西绵江律师事务所').id, { trigger: 'manual' }, county)).status).toBe(404);

    const bo = firm('江西洪城律师事务所赣州分所');
    const res = await open(bo.id, { trigger: 'branch_office_established', headFirmOrgId: h.region.anchors.firmAOrgId });
    expect(res.status).toBe(201);
    expect(res.body.context).toMatchObject({
      guideOrgId: h.region.anchors.firmAOrgId,
      trigger: 'branch_office_established',
    });
  });

  // last: it moves the suite's clock months ahead
  it('escalates an overdue formation (3 months after establishment) to the city committee and the county justice bureau', async () => {
    const firmId = randomUUID();
    const body = JSON.stringify({
      eventId: `bf-late-${firmId}`,
      type: 'firm.established',
      occurredAt: new Date().toISOString(),
      firmId,
      firm: { name: '江西迟建律师事务所', kind: 'firm', county: '章贡区', directorName: '周立' },
    });
    const res = await h
      .http()
      .post('/api/v1/integrations/licensing/events')
      .set('Content-Type', 'application/json')
      .set('X-Signature', signLicensingBody(SECRET, body))
      .send(body);
    expect(res.status).toBe(202);
    const id = res.body.caseIds[0];
    const overall = (await h.http().get(`/api/v1/cases/${id}`).set(city)).body.deadlines.find(
      (d: any) => d.key === 'formation.overall' && d.kind === 'deadline',
    );
    expect(overall).toBeTruthy();
    const moved = await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send({ set: new Date(new Date(overall.dueAt).getTime() + 86_400_000).toISOString() });
    expect(moved.status).toBe(200);
    // who was told of the overall deadline's first escalation
    const told = await h.ds.query(
      `SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id JOIN timers t ON n.dedupe_key LIKE 'timer:' || t.id || ':%'
       WHERE t.case_id = $1 AND t.deadline_key = 'formation.overall' AND n.kind = 'escalation' AND n.level = 1 ORDER BY u.username`,
      [id],
    );
    expect(told.map((r: any) => r.username)).toEqual(['city', 'county-zg']);
  });
});
