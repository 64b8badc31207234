import { fullMembersOf, Harness, startHarness } from './support/harness';

/**
 * `GET /tasks` (issue 11, part B.2): computed in SQL from the parties and states the definitions declare,
 * and paged — the response stays an array; `page`/`pageSize` select the page and `X-Total-Count` tells the total.
 */
describe('tasks (e2e)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ROLE: 'api' });
  });
  afterAll(() => h.close());

  const tasks = async (user: string, query = '') =>
    h
      .http()
      .get(`/api/v1/tasks${query}`)
      .set(await h.as(user));

  it('pages the task list, ordered by the next deadline, with the total in X-Total-Count', async () => {
    const members = fullMembersOf(h.region, h.region.anchors.firmBOrgId).slice(0, 5);
    const opened: string[] = [];
    for (const m of members) {
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
      opened.push(res.body.id);
    }
    const all = await tasks('branch-b');
    expect(all.status).toBe(200);
    expect(Array.isArray(all.body)).toBe(true);
    const total = Number(all.headers['x-total-count']);
    expect(total).toBe(all.body.length);
    expect(all.body.map((t: any) => t.caseId)).toEqual(expect.arrayContaining(opened));

    const first = await tasks('branch-b', '?page=1&pageSize=2');
    const second = await tasks('branch-b', '?page=2&pageSize=2');
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(2);
    expect(first.headers).toMatchObject({ 'x-total-count': String(total), 'x-page': '1', 'x-page-size': '2' });
    expect(second.body).toHaveLength(2);
    // consecutive pages continue the same order, without overlap
    expect([...first.body, ...second.body].map((t: any) => t.caseId)).toEqual(
      all.body.slice(0, 4).map((t: any) => t.caseId),
    );
    // overdue tasks come first
    const overdue = all.body.map((t: any) => t.overdue);
    expect(overdue).toEqual([...overdue].sort((a: boolean, b: boolean) => Number(b) - Number(a)));
    // each task is one the user may act on now
    expect(all.body.every((t: any) => t.availableEvents.length > 0)).toBe(true);

    // the receiving branch has no task on these cases yet (it acts after the release and the letter)
    const other = await tasks('branch-a');
    expect(other.body.filter((t: any) => opened.includes(t.caseId))).toEqual([]);
    // bad paging is a 400
    expect((await tasks('branch-b', '?pageSize=0')).status).toBe(400);
    expect((await tasks('branch-b', '?pageSize=5000')).status).toBe(400);
  });
});
