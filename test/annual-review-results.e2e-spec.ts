import { CAMPAIGN_TARGET_TYPES } from '../libs/campaigns/campaigns.repository';
import { signLicensingBody } from '../libs/licensing/signature';
import { Harness, startHarness } from './support/harness';
import { beijingDay } from './support/dates';

const SECRET = 'annual-review-results-secret';

/**
 * An annual-review campaign over the demo region, one branch's review driven to its grade through HTTP, and
 * what it produces read back: the grade (GET /reports/grades), the 七一 list, the firm's assessment for the
 * licensing side (token and signed), the follow-up non-conforming cases — one opened, one attached to the
 * case the member already had (the SCORE used to fail with 422 then: the branch could not be graded) — and
 * the member's timeline.
 */
jest.setTimeout(60_000);

describe('annual review: campaign, grades and follow-ups (e2e)', () => {
  let h: Harness;
  let city: { Authorization: string };
  let branchA: { Authorization: string };

  beforeAll(async () => {
    h = await startHarness({ LICENSING_WEBHOOK_SECRET: SECRET });
    city = await h.as('city');
    branchA = await h.as('branch-a');
  });
  afterAll(() => h.close());

  const ok = async (id: string, headers: { Authorization: string }, type: string, data?: Record<string, unknown>) => {
    const res = await h.http().post(`/api/v1/cases/${id}/events`).set(headers).send({ type, data });
    if (res.status !== 200) throw new Error(`${type}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const today = () => beijingDay();

  it('grades a branch of the campaign; unqualified members get non-conforming cases without failing the grade', async () => {
    // ---- the campaign over the city
    const launched = await h
      .http()
      .post('/api/v1/campaigns/annual-review')
      .set(city)
      .send({ year: 2026, orgId: h.region.anchors.cityId });
    expect(launched.status).toBe(202);
    for (let i = 0; i < 200; i++) {
      const c = (await h.http().get(`/api/v1/campaigns/${launched.body.id}`).set(city)).body;
      if (c.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const targets = h.region.orgs.filter((o) => CAMPAIGN_TARGET_TYPES.includes(o.type));
    const [{ n }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM cases WHERE workflow = 'annual-review' AND opened_by ->> 'trigger' = $1`,
      [`campaign:${launched.body.id}`],
    );
    expect(n).toBe(targets.length);

    // ---- firm A's branch: its review case, found by the branch clerk in its task list
    const orgId = h.region.anchors.firmAOrgId;
    const tasks = (await h.http().get('/api/v1/tasks').set(branchA)).body;
    const task = (Array.isArray(tasks) ? tasks : tasks.items).find(
      (t: any) => t.workflow === 'annual-review' && t.subject?.orgId === orgId,
    );
    const caseId: string = task?.id ?? task?.caseId;
    expect(caseId).toBeDefined();

    const full: { id: string }[] = await h.ds.query(
      `SELECT id FROM members WHERE org_id = $1 AND status = 'full' ORDER BY id`,
      [orgId],
    );
    expect(full.length).toBeGreaterThanOrEqual(4);
    const [alreadyOpen, unqualified, excellent] = full.map((m) => m.id);
    // one member already has a non-conforming case open
    const existing = await h
      .http()
      .post('/api/v1/cases')
      .set(branchA)
      .send({
        workflow: 'nonconforming',
        subject: { memberId: alreadyOpen },
        input: { grounds: '长期不参加组织生活' },
      });
    expect(existing.status).toBe(201);

    await ok(caseId, branchA, 'RECORD_SELF_ASSESSMENTS', { memberIds: full.map((m) => m.id) });
    await ok(caseId, branchA, 'RECORD_PEER_REVIEW', {});
    await ok(caseId, branchA, 'RECORD_MEETING', { heldOn: today(), branchComment: '支部讲评：整体良好' });
    await ok(caseId, city, 'RECORD_LEADER_COMMENT', { comment: '领导点评：继续加强' });
    const ratings = Object.fromEntries(
      full.map((m) => [
        m.id,
        m.id === alreadyOpen || m.id === unqualified ? 'unqualified' : m.id === excellent ? 'excellent' : 'qualified',
      ]),
    );
    await ok(caseId, branchA, 'SUBMIT_RATINGS', { ratings });
    // 述职 is the secretary's: refused while the branch has none on record, then given by the one registered
    const report = () =>
      h
        .http()
        .post(`/api/v1/cases/${caseId}/events`)
        .set(branchA)
        .send({ type: 'SUBMIT_REPORT', data: { summary: '书记述职报告' } });
    const noSecretary = await report();
    expect(noSecretary.status).toBe(422);
    expect(noSecretary.body.message).toContain('本组织尚未登记书记');
    const secretary = await h
      .http()
      .put(`/api/v1/orgs/${orgId}/secretary`)
      .set(branchA)
      .send({ secretaryId: excellent, electedOn: today() });
    expect(secretary.status).toBe(200);
    const reported = await report();
    expect(reported.status).toBe(200);
    expect(reported.body.context.report).toMatchObject({ reporterId: excellent });
    const scored = await ok(caseId, city, 'SCORE', { score: 90 });
    expect(scored).toMatchObject({ state: 'completed', status: 'closed' });
    // the campaign's progress counts it closed; the others are still at their first step
    const progress = (await h.http().get(`/api/v1/campaigns/${launched.body.id}`).set(city)).body.review;
    expect(progress).toEqual({
      cases: targets.length,
      closed: 1,
      overdue: 0,
      steps: [{ state: 'self_assessment', title: '个人自评', cases: targets.length - 1, overdue: 0 }],
    });

    // the follow-ups are recorded and reported on the case: one opened, one attached to the open case
    const byMember = Object.fromEntries(scored.followUps.map((f: any) => [f.subject.memberId, f]));
    expect(byMember[unqualified]).toMatchObject({
      workflow: 'nonconforming',
      outcome: 'opened',
      trigger: 'annual_rating',
    });
    expect(byMember[alreadyOpen]).toMatchObject({
      workflow: 'nonconforming',
      outcome: 'attached',
      followUpCaseId: existing.body.id,
    });
    const attachedTo = (await h.http().get(`/api/v1/cases/${existing.body.id}`).set(branchA)).body;
    expect(attachedTo.followUps.map((f: any) => f.caseId)).toContain(caseId);
    const openedCase = (await h.http().get(`/api/v1/cases/${byMember[unqualified].followUpCaseId}`).set(branchA)).body;
    expect(openedCase).toMatchObject({ workflow: 'nonconforming', subject: { memberId: unqualified }, status: 'open' });

    // ---- grades
    const grades = await h.http().get('/api/v1/reports/grades?year=2026').set(city);
    expect(grades.status).toBe(200);
    expect(grades.body.find((g: any) => g.orgId === orgId)).toMatchObject({
      grade: 'I',
      score: 90,
      caseId,
      year: 2026,
    });
    const sub = await h.http().get(`/api/v1/reports/grades?year=2026&orgId=${orgId}`).set(branchA);
    expect(sub.body.map((g: any) => g.orgId)).toEqual([orgId]);
    // firm B's clerk does not see firm A's grade
    const other = await h
      .http()
      .get('/api/v1/reports/grades?year=2026')
      .set(await h.as('branch-b'));
    expect(other.body.find((g: any) => g.orgId === orgId)).toBeUndefined();
    expect((await h.http().get('/api/v1/reports/grades?year=abc').set(city)).status).toBe(400);

    // ---- 七一 list
    const list = await h.http().get('/api/v1/reports/commendations?year=2026').set(city);
    expect(list.status).toBe(200);
    expect(list.body.members.map((m: any) => m.memberId)).toEqual([excellent]);
    expect(list.body.organizations.map((o: any) => o.orgId)).toEqual([orgId]);
    expect((await h.http().get('/api/v1/reports/commendations').set(city)).status).toBe(400);

    // ---- the firm's assessment: with a token in scope, and signed by the licensing system
    const firmId = h.region.anchors.firmAId;
    const firmLawyers: { id: string }[] = await h.ds.query(`SELECT id FROM members WHERE firm_id = $1`, [firmId]);
    const ofFirm = (r: string) =>
      Object.entries(ratings).filter(([id, v]) => v === r && firmLawyers.some((l) => l.id === id)).length;
    const expected = {
      firmId,
      year: 2026,
      partyOrgId: orgId,
      grade: 'I',
      ratings: {
        excellent: ofFirm('excellent'),
        qualified: ofFirm('qualified'),
        basic: 0,
        unqualified: ofFirm('unqualified'),
      },
    };
    const byToken = await h.http().get(`/api/v1/integrations/licensing/firms/${firmId}/assessment?year=2026`).set(city);
    expect(byToken.status).toBe(200);
    expect(byToken.body).toMatchObject(expected);
    expect(byToken.body.nonconformingOpen).toBeGreaterThanOrEqual(2);
    const path = `/api/v1/integrations/licensing/firms/${firmId}/assessment?year=2026`;
    const signed = await h
      .http()
      .get(path)
      .set('X-Signature', signLicensingBody(SECRET, `GET ${path}`));
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject(expected);
    // a signature for another year does not read this one
    const wrongYear = await h
      .http()
      .get(path)
      .set('X-Signature', signLicensingBody(SECRET, `GET ${path.replace('2026', '2025')}`));
    expect(wrongYear.status).toBe(401);
    expect((await h.http().get(path)).status).toBe(401);
    expect(
      (
        await h
          .http()
          .get(`/api/v1/integrations/licensing/firms/${firmId}/assessment?year=2026`)
          .set(await h.as('branch-b'))
      ).status,
    ).toBe(404);

    // ---- the member's timeline: the rating, the attached follow-up and the case events, oldest first
    const timeline = await h.http().get(`/api/v1/members/${alreadyOpen}/timeline`).set(branchA);
    expect(timeline.status).toBe(200);
    const kinds = timeline.body.entries.map((e: any) => e.kind);
    // the 入党日期 on record first, then the registration (the demo's, on the region's reference date)
    expect(kinds.slice(0, 2)).toEqual(['joined', 'registered']);
    expect(kinds).toEqual(expect.arrayContaining(['case_event', 'rating', 'follow_up']));
    // the case events in the definitions' Chinese (procedure: event), never an event key
    const events = timeline.body.entries.filter((e: any) => e.kind === 'case_event');
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((e: any) => /[A-Z_]{3,}/.test(e.title) || !e.title.includes('：'))).toEqual([]);
    expect(events.map((e: any) => e.title)).toEqual(expect.arrayContaining(['处置不合格党员：发起']));
    const ats = timeline.body.entries.map((e: any) => e.at);
    expect([...ats].sort()).toEqual(ats);
    expect(timeline.body.entries.find((e: any) => e.kind === 'rating').detail).toMatchObject({
      year: 2026,
      rating: 'unqualified',
    });
    expect(
      (
        await h
          .http()
          .get(`/api/v1/members/${alreadyOpen}/timeline`)
          .set(await h.as('branch-b'))
      ).status,
    ).toBe(404);
  });

  it('分类定级 → 晋位升级: a branch graded 后进 gets its upgrade task, followed to the next year’s grade', async () => {
    const orgId = h.region.anchors.firmBOrgId;
    const branchB = await h.as('branch-b');
    const full: { id: string }[] = await h.ds.query(
      `SELECT id FROM members WHERE org_id = $1 AND status = 'full' ORDER BY id`,
      [orgId],
    );
    expect(full.length).toBeGreaterThanOrEqual(1);
    const secretary = await h
      .http()
      .put(`/api/v1/orgs/${orgId}/secretary`)
      .set(branchB)
      .send({ secretaryId: full[0].id, electedOn: today() });
    expect(secretary.status).toBe(200);
    const review = async (year: number, score: number) => {
      const opened = await h
        .http()
        .post('/api/v1/cases')
        .set(city)
        .send({ workflow: 'annual-review', subject: { orgId }, input: { year } });
      expect(opened.status).toBe(201);
      const id = opened.body.id;
      await ok(id, branchB, 'RECORD_SELF_ASSESSMENTS', { memberIds: full.map((m) => m.id) });
      await ok(id, branchB, 'RECORD_PEER_REVIEW', {});
      await ok(id, branchB, 'RECORD_MEETING', { heldOn: today(), branchComment: '支部讲评' });
      await ok(id, city, 'RECORD_LEADER_COMMENT', { comment: '领导点评' });
      await ok(id, branchB, 'SUBMIT_RATINGS', { ratings: Object.fromEntries(full.map((m) => [m.id, 'qualified'])) });
      await ok(id, branchB, 'SUBMIT_REPORT', { summary: '书记述职报告' });
      return ok(id, city, 'SCORE', { score });
    };
    const report = async () => {
      const res = await h.http().get(`/api/v1/reports/grade-upgrades?year=2024&orgId=${orgId}`).set(city);
      expect(res.status).toBe(200);
      return res.body.items.find((i: any) => i.orgId === orgId);
    };

    // graded 后进 for 2024: the review's completion opens the branch's 晋位升级 case
    const graded = await review(2024, 62);
    const upgrade = graded.followUps.find((f: any) => f.workflow === 'grade-upgrade');
    expect(upgrade).toMatchObject({ outcome: 'opened', subject: { orgId } });
    const uid = upgrade.followUpCaseId;
    expect(await report()).toMatchObject({
      grade: 'III',
      score: 62,
      nextGrade: null,
      outcome: 'pending',
      case: { id: uid, state: 'plan', status: 'open', targetGrade: null },
    });
    // the target must be a better grade; the upper committee approves; progress, then 验收
    const same = await h
      .http()
      .post(`/api/v1/cases/${uid}/events`)
      .set(branchB)
      .send({ type: 'SUBMIT_PLAN', data: { measures: '规范组织生活', targetGrade: 'III' } });
    expect(same.status).toBe(400);
    await ok(uid, branchB, 'SUBMIT_PLAN', { measures: '按月开展主题党日，书记每季度讲党课', targetGrade: 'II' });
    await ok(uid, city, 'APPROVE_PLAN');
    await ok(uid, branchB, 'RECORD_PROGRESS', { on: today(), summary: '主题党日按月开展' });
    const accepted = await ok(uid, city, 'ACCEPT_RECTIFICATION', { summary: '整改到位' });
    expect(accepted).toMatchObject({ state: 'completed', status: 'closed' });

    // the next year's grade says whether the branch moved up
    await review(2025, 88);
    expect(await report()).toMatchObject({
      grade: 'III',
      nextGrade: 'I',
      nextScore: 88,
      outcome: 'upgraded',
      case: { id: uid, state: 'completed', status: 'closed', targetGrade: 'II' },
    });
    const others = await h
      .http()
      .get('/api/v1/reports/grade-upgrades?year=2024')
      .set(await h.as('branch-a'));
    expect(others.body.items.find((i: any) => i.orgId === orgId)).toBeUndefined();
    expect((await h.http().get('/api/v1/reports/grade-upgrades').set(city)).status).toBe(400);
  });
});
