import { fullMembersOf, Harness, startHarness } from './support/harness';

/**
 * Keyset pagination of `GET /audit/events` and `GET /cases` (issue 11, scale): following `nextCursor` page by
 * page yields every row once, in order, also across rows that tie on the timestamp (to the microsecond, which a
 * JavaScript Date cannot hold); counts stop at the cap; a cursor this list did not make and a page number past
 * the cap are 400s, not 500s.
 */
describe('keyset pagination (e2e)', () => {
  let h: Harness;
  const caseIds: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ ROLE: 'api' });
    for (const m of fullMembersOf(h.region, h.region.anchors.firmBOrgId).slice(0, 5)) {
      const res = await h
        .http()
        .post('/api/v1/cases')
        .set(await h.as('branch-b'))
        .send({
          workflow: 'membership-transfer',
          subject: { memberId: m.id },
          input: { toOrgId: h.region.anchors.firmAOrgId },
        });
      expect(res.status).toBe(201);
      caseIds.push(res.body.id);
    }
  });
  afterAll(() => h.close());

  const get = async (user: string, path: string) =>
    h
      .http()
      .get(path)
      .set(await h.as(user));

  /** Every page of a list, following nextCursor from the first. */
  async function follow(user: string, path: string) {
    const pages: any[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(user, `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      pages.push(res.body);
      cursor = res.body.nextCursor;
    } while (cursor && pages.length < 50);
    return pages;
  }

  it('audit events: cursor pages give every event once, in (at, case, seq) order, ties included', async () => {
    // history rows that tie on `at` across cases, and two a microsecond apart (written directly: only their order matters here)
    const stamps = ['2026-01-05T08:00:00Z', '2026-01-05T08:00:00.000001Z', '2026-01-05T08:00:00.000002Z'];
    for (const [i, caseId] of caseIds.entries())
      for (let k = 0; k < 3; k++)
        await h.ds.query(
          `INSERT INTO case_history (case_id, seq, at, actor, type, to_state, prev_hash, hash)
           VALUES ($1, $2, $3, '{"username":"test"}', 'KEYSET_TIE', '"x"', 'p', 'h')`,
          [caseId, 100 + k, stamps[(i + k) % (i % 2 ? 1 : 3)]],
        );
    const expected = (
      await h.ds.query(
        `SELECT case_id AS "caseId", seq FROM case_history WHERE type = 'KEYSET_TIE' ORDER BY at, case_id, seq`,
      )
    ).map((r: any) => `${r.caseId}#${r.seq}`);
    expect(expected).toHaveLength(15);

    const pages = await follow('supervisor', '/api/v1/audit/events?type=KEYSET_TIE&pageSize=4');
    expect(pages.map((p) => p.items.length)).toEqual([4, 4, 4, 3]);
    expect(pages.flatMap((p) => p.items.map((e: any) => `${e.caseId}#${e.seq}`))).toEqual(expected);
    expect(pages[0]).toMatchObject({ total: 15, totalCapped: false, page: 1, pageSize: 4 });
    expect(pages[1].page).toBeNull();
    expect(pages[3].nextCursor).toBeNull();
    // page numbers still work within the cap, in the same order
    const second = await get('supervisor', '/api/v1/audit/events?type=KEYSET_TIE&pageSize=4&page=2');
    expect(second.body.items.map((e: any) => `${e.caseId}#${e.seq}`)).toEqual(expected.slice(4, 8));
    // the organization filter (a supervisor's scope search) finds the same events
    const byOrg = await follow(
      'supervisor',
      `/api/v1/audit/events?type=KEYSET_TIE&orgId=${h.region.anchors.firmBOrgId}&pageSize=6`,
    );
    expect(byOrg.flatMap((p) => p.items.map((e: any) => `${e.caseId}#${e.seq}`))).toEqual(expected);
  });

  it('cases: cursor pages newest change first, every case once across ties of updated_at', async () => {
    await h.ds.query(`UPDATE cases SET updated_at = '2026-02-01T00:00:00.000001Z' WHERE id = ANY($1::uuid[])`, [
      caseIds.slice(0, 3),
    ]);
    await h.ds.query(`UPDATE cases SET updated_at = '2026-02-01T00:00:00.000002Z' WHERE id = ANY($1::uuid[])`, [
      caseIds.slice(3),
    ]);
    const expected = (
      await h.ds.query(`SELECT id FROM cases WHERE id = ANY($1::uuid[]) ORDER BY updated_at DESC, id DESC`, [caseIds])
    ).map((r: any) => r.id);
    const pages = await follow('branch-b', '/api/v1/cases?workflow=membership-transfer&pageSize=2');
    const seen = pages.flatMap((p) => p.items.map((c: any) => c.id));
    expect(seen.filter((id: string) => caseIds.includes(id))).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages[0]).toMatchObject({ total: seen.length, totalCapped: false, page: 1 });
  });

  it('a cursor the list did not make, and a page past the counted rows, are 400 with the field named', async () => {
    for (const cursor of [
      'nope',
      Buffer.from('["x",1]').toString('base64url'),
      Buffer.from('{}').toString('base64url'),
    ]) {
      const res = await get('supervisor', `/api/v1/audit/events?cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(JSON.stringify(res.body)).toContain('cursor');
      const cases = await get('supervisor', `/api/v1/cases?cursor=${cursor}`);
      expect(cases.status).toBe(400);
    }
    const deep = await get('supervisor', '/api/v1/cases?page=100&pageSize=20');
    expect(deep.status).toBe(400);
    expect(JSON.stringify(deep.body)).toContain('page');
  });
});
