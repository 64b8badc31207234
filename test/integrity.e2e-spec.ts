import { fullMembersOf, Harness, startHarness } from './support/harness';

/**
 * Integrity (issue 11 "Integrity"): identifiers reach hashes and queries in one spelling, and a procedure
 * that allows one open case per subject gets exactly one, also under concurrent openings.
 */
describe('integrity of identifiers and open cases (e2e)', () => {
  let h: Harness;
  let branchA: { Authorization: string };
  let admin: { Authorization: string };
  let members: ReturnType<typeof fullMembersOf>;

  beforeAll(async () => {
    h = await startHarness();
    branchA = await h.as('branch-a');
    admin = await h.as('admin');
    members = fullMembersOf(h.region, h.region.anchors.firmAOrgId);
  });
  afterAll(() => h.close());

  const openTransfer = (memberId: string) =>
    h
      .http()
      .post('/api/v1/cases')
      .set(branchA)
      .send({
        workflow: 'membership-transfer',
        subject: { memberId },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });

  it('an event sent to /cases/<ID IN UPPER CASE>/events keeps the hash chain verifiable', async () => {
    const opened = await openTransfer(members[0].id.toUpperCase());
    expect(opened.status).toBe(201);
    expect(opened.body.subject.memberId).toBe(members[0].id);
    const id: string = opened.body.id;
    const sent = await h
      .http()
      .post(`/api/v1/cases/${id.toUpperCase()}/events`)
      .set(branchA)
      .send({ type: 'APPROVE_RELEASE', comment: '同意转出' });
    expect(sent.status).toBe(200);
    expect(sent.body.id).toBe(id);
    const one = await h.http().get(`/api/v1/audit/verify?caseId=${id.toUpperCase()}`).set(admin);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ ok: true, checked: 2 });
    const all = await h.http().get('/api/v1/audit/verify').set(admin);
    expect(all.body.ok).toBe(true);
    // the history shows one spelling
    const history = await h.http().get(`/api/v1/cases/${id.toUpperCase()}/history`).set(branchA);
    expect(history.status).toBe(200);
    const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM case_history WHERE data::text ~ '[A-F]{4}'`);
    expect(n).toBe(0);
  });

  it('one open transfer per member: a second opening is 409 DUPLICATE naming the open case; after it closes, a new one opens', async () => {
    const memberId = members[1].id;
    const first = await openTransfer(memberId);
    expect(first.status).toBe(201);
    for (const spelling of [memberId, memberId.toUpperCase()]) {
      const second = await openTransfer(spelling);
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({ code: 'DUPLICATE', details: { caseId: first.body.id } });
    }
    // once it is closed (set directly: the procedure's own way to an end is long), the member may move again
    const [{ n: openBefore }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM cases WHERE subject_member_id = $1 AND status = 'open'`,
      [memberId],
    );
    expect(openBefore).toBe(1);
    await h.ds.query(`UPDATE cases SET status = 'closed', closed_at = now() WHERE id = $1`, [first.body.id]);
    const again = await openTransfer(memberId);
    expect(again.status).toBe(201);
  });

  it('fifty concurrent openings for one member open exactly one case, and the database refuses a second open row', async () => {
    const memberId = members[2].id;
    const results = await Promise.all(Array.from({ length: 50 }, () => openTransfer(memberId)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    const [{ n }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM cases WHERE workflow = 'membership-transfer' AND subject_member_id = $1 AND status = 'open'`,
      [memberId],
    );
    expect(n).toBe(1);
    // behind the engine's back: the unique index itself refuses a copy of the open case
    await expect(
      h.ds.query(
        `INSERT INTO cases (workflow, definition_version, policy_version, state, state_paths, snapshot, status, version, head_hash, entered, subject, subject_member_id, parties, scope_org_ids, opened_by, opened_at, updated_at, open_key)
         SELECT workflow, definition_version, policy_version, state, state_paths, snapshot, status, version, head_hash, entered, subject, subject_member_id, parties, scope_org_ids, opened_by, opened_at, updated_at, open_key
           FROM cases WHERE workflow = 'membership-transfer' AND subject_member_id = $1 AND status = 'open'`,
        [memberId],
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('procedures without the rule still open several cases per subject (annual reviews per year)', async () => {
    const city = await h.as('city');
    const org = h.region.anchors.firmAOrgId;
    for (const year of [2025, 2026]) {
      const res = await h
        .http()
        .post('/api/v1/cases')
        .set(city)
        .send({ workflow: 'annual-review', subject: { orgId: org }, input: { year } });
      expect({ year, status: res.status }).toEqual({ year, status: 201 });
    }
  });
});
