import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { CAMPAIGNS_QUEUE, CampaignsService } from '../libs/campaigns/campaigns.service';
import { CAMPAIGN_TARGET_TYPES } from '../libs/campaigns/campaigns.repository';
import { Harness, startHarness } from './support/harness';

/**
 * Annual-review campaigns (年度考核) through HTTP on real PostgreSQL and Redis: a launch over the demo city
 * opens one case per branch, joint branch and general branch, in the background, with progress; a second
 * launch continues the same campaign and opens nothing twice (the database refuses a second case for one
 * organization and year, whoever tries); cancelling stops what is pending and a relaunch finishes it; work
 * that Redis lost is put back from PostgreSQL by the relay.
 */
jest.setTimeout(60_000);

describe('annual-review campaigns (e2e)', () => {
  let h: Harness;
  let city: { Authorization: string };
  let queue: Queue;
  const targets = () =>
    h.region.orgs.filter(
      (o) =>
        CAMPAIGN_TARGET_TYPES.includes(o.type) &&
        h.region.orgs.some((c) => c.id === h.region.anchors.cityId) &&
        isUnder(o.id, h.region.anchors.cityId),
    );
  const isUnder = (orgId: string, ancestorId: string): boolean => {
    let o = h.region.orgs.find((x) => x.id === orgId);
    while (o?.parentId) {
      if (o.parentId === ancestorId) return true;
      o = h.region.orgs.find((x) => x.id === o!.parentId);
    }
    return false;
  };

  beforeAll(async () => {
    h = await startHarness();
    city = await h.as('city');
    queue = h.app.get(CAMPAIGNS_QUEUE);
  });
  afterAll(async () => {
    await queue.resume();
    await h.close();
  });

  const launch = (year: number, headers = city, orgId = h.region.anchors.cityId) =>
    h.http().post('/api/v1/campaigns/annual-review').set(headers).send({ year, orgId });
  const get = async (id: string) => (await h.http().get(`/api/v1/campaigns/${id}`).set(city)).body;
  const until = async (id: string, status: string) => {
    const seen: any[] = [];
    for (let i = 0; i < 300; i++) {
      const c = await get(id);
      seen.push(c);
      if (c.status === status) return { final: c, seen };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`campaign ${id} never reached ${status}: ${JSON.stringify(seen.at(-1))}`);
  };
  const reviews = async (year: number) =>
    (
      await h.ds.query(
        `SELECT subject_org_id AS "orgId" FROM cases WHERE workflow = 'annual-review' AND (snapshot #>> '{context,year}')::int = $1`,
        [year],
      )
    ).map((r: { orgId: string }) => r.orgId);

  it('opens one case per branch, joint branch and general branch of the city, with progress, and never twice', async () => {
    const expected = targets()
      .map((o) => o.id)
      .sort();
    expect(expected.length).toBeGreaterThan(5);
    // one organization already has its 2026 review, opened by hand: the campaign skips it
    const first = expected[0];
    const byHand = await h
      .http()
      .post('/api/v1/cases')
      .set(city)
      .send({ workflow: 'annual-review', subject: { orgId: first }, input: { year: 2026 } });
    expect(byHand.status).toBe(201);

    const res = await launch(2026);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ kind: 'annual-review', year: 2026, orgId: h.region.anchors.cityId });
    expect(res.body.total).toBe(expected.length);
    const { final } = await until(res.body.id, 'completed');
    expect(final).toMatchObject({ total: expected.length, opened: expected.length - 1, skipped: 1, failed: 0 });
    expect(final.finishedAt).toBeDefined();
    expect((await reviews(2026)).sort()).toEqual(expected);
    // the review itself: every case, the skipped one too, at its first step, none late (due next January)
    const atSelfAssessment = {
      cases: expected.length,
      closed: 0,
      overdue: 0,
      steps: [{ state: 'self_assessment', title: '个人自评', cases: expected.length, overdue: 0 }],
    };
    expect(final.review).toEqual(atSelfAssessment);

    // launching again returns the same campaign and opens nothing new
    const again = await launch(2026);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(res.body.id);
    await until(res.body.id, 'completed');
    expect((await reviews(2026)).length).toBe(expected.length);

    // by hand: a clear 409 naming the existing case
    const dup = await h
      .http()
      .post('/api/v1/cases')
      .set(city)
      .send({ workflow: 'annual-review', subject: { orgId: expected[1] }, input: { year: 2026 } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('DUPLICATE');
    expect(dup.body.details.caseId).toMatch(/^[0-9a-f-]{36}$/);

    // the database itself refuses a second case with the same key (whatever code path writes it)
    await expect(
      h.ds.query(
        `INSERT INTO cases (workflow, definition_version, policy_version, state, state_paths, snapshot, status, version, head_hash, entered, subject, parties, scope_org_ids, opened_by, opened_at, updated_at, once_key)
         SELECT workflow, definition_version, policy_version, state, state_paths, snapshot, status, version, head_hash, entered, subject, parties, scope_org_ids, opened_by, opened_at, updated_at, once_key
         FROM cases WHERE subject_org_id = $1 AND workflow = 'annual-review'`,
        [expected[2]],
      ),
    ).rejects.toThrow(/cases_once_key_idx/);

    // listed for the city, filterable by year
    const list = await h.http().get('/api/v1/campaigns?kind=annual-review&year=2026').set(city);
    expect(list.status).toBe(200);
    expect(list.body.map((c: any) => c.id)).toEqual([res.body.id]);
    expect(list.body[0].review).toEqual(atSelfAssessment);
    expect((await h.http().get('/api/v1/campaigns?year=2099').set(city)).body).toEqual([]);
  });

  it('only a committee clerk launches, over an organization in scope; bad input is a 400', async () => {
    expect((await launch(2027, await h.as('branch-a'), h.region.anchors.firmAOrgId)).status).toBe(403);
    expect((await launch(2027, await h.as('county-zg'), h.region.anchors.cityId)).status).toBe(403);
    expect((await launch(2027, await h.as('supervisor'))).status).toBe(403);
    const bad = await h.http().post('/api/v1/campaigns/annual-review').set(city).send({ year: 'x', orgId: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await h.http().get('/api/v1/campaigns/not-a-uuid').set(city)).status).toBe(404);
    // a branch clerk does not see the city's campaigns
    expect(
      (
        await h
          .http()
          .get('/api/v1/campaigns')
          .set(await h.as('branch-a'))
      ).body,
    ).toEqual([]);
  });

  it('cancels what is still pending; launching again continues; batches Redis lost are put back from PostgreSQL', async () => {
    const total = targets().length;
    // hold the workers: the campaign is launched but no batch is processed yet
    await queue.pause();
    const res = await launch(2028);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'running', opened: 0, total });
    // the review is counted once the cases are open, not on every poll of the launch
    expect(res.body.review).toBeNull();
    const cancelled = await h.http().post(`/api/v1/campaigns/${res.body.id}/cancel`).set(city);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', opened: 0 });
    expect((await h.http().post(`/api/v1/campaigns/${res.body.id}/cancel`).set(city)).status).toBe(409);
    // the jobs already queued find nothing to do once the workers run
    await queue.resume();
    await new Promise((r) => setTimeout(r, 300));
    expect(await reviews(2028)).toEqual([]);

    // relaunch while Redis is empty: the relay (not the launch) must bring the batches back
    await queue.pause();
    const again = await launch(2028);
    expect(again.body).toMatchObject({ id: res.body.id, status: 'running' });
    await queue.obliterate({ force: true });
    expect(await queue.count()).toBe(0);
    const relayed = await h.app.get(CampaignsService).relayOnce();
    expect(relayed).toBeGreaterThan(0);
    await queue.resume();
    const { final, seen } = await until(res.body.id, 'completed');
    expect(final).toMatchObject({ total, opened: total, failed: 0 });
    // progress was visible on the way (opened only ever grows)
    const opened = seen.map((c) => c.opened);
    expect([...opened].sort((a, b) => a - b)).toEqual(opened);
    expect((await reviews(2028)).length).toBe(total);
  });

  it('counts a late campaign’s reviews overdue, step by step: the 2025 review of a county, due in January 2026', async () => {
    const res = await launch(2025, city, h.region.anchors.zhangGongCountyId);
    expect(res.status).toBe(202);
    const { final } = await until(res.body.id, 'completed');
    const n = final.opened;
    expect(n).toBeGreaterThan(0);
    expect(final.review).toEqual({
      cases: n,
      closed: 0,
      overdue: n,
      steps: [{ state: 'self_assessment', title: '个人自评', cases: n, overdue: n }],
    });

    // its step lists the cases it counts: not the city's 2026 reviews at the same step
    const step = '/api/v1/cases?workflow=annual-review&status=open&state=self_assessment&pageSize=200';
    const everyReview = await h.http().get(step).set(city);
    expect(everyReview.status).toBe(200);
    expect(everyReview.body.total).toBeGreaterThan(n);
    const mine = await h.http().get(`${step}&campaignId=${res.body.id}`).set(city);
    expect(mine.status).toBe(200);
    expect(mine.body.total).toBe(n);
    const ids = mine.body.items.map((c: { id: string }) => c.id);
    const years: { year: number }[] = await h.ds.query(
      `SELECT (snapshot #>> '{context,year}')::int AS year FROM cases WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    expect(years.map((r) => r.year)).toEqual(ids.map(() => 2025));
    for (const c of mine.body.items) expect(isUnder(c.subject.orgId, h.region.anchors.zhangGongCountyId)).toBe(true);
    // its closed ones: none yet
    const closed = await h.http().get(`/api/v1/cases?status=closed&campaignId=${res.body.id}`).set(city);
    expect(closed.body.total).toBe(0);

    // an unknown campaign or one out of scope is not found; a malformed id is a 400
    const unknown = await h.http().get(`/api/v1/cases?campaignId=${randomUUID()}`).set(city);
    expect(unknown.status).toBe(404);
    const outOfScope = await h
      .http()
      .get(`/api/v1/cases?campaignId=${res.body.id}`)
      .set(await h.as('branch-a'));
    expect(outOfScope.status).toBe(404);
    const malformed = await h.http().get('/api/v1/cases?campaignId=nope').set(city);
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('VALIDATION_FAILED');
  });
});
