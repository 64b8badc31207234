import { DemoCaseSeeder } from '../libs/demo/demo-case-seeder';
import { Harness, startHarness } from './support/harness';

/**
 * The demo shows work: booted like `npm run demo` (demo region, then the demo cases driven through the
 * engine with the clock moved on), every clerk's inbox holds cases in several states, part of the demo is
 * overdue, and the history hash chain of everything the seeder did verifies.
 */
describe('demo cases (e2e)', () => {
  let h: Harness;
  const clerks = ['city', 'county-zg', 'branch-a', 'branch-b', 'joint-1'];

  beforeAll(async () => {
    h = await startHarness();
    const opened = await h.app.get(DemoCaseSeeder).seedIfNoCases();
    expect(opened).toBeGreaterThan(10);
  }, 60_000);
  afterAll(() => h.close());

  const tasksOf = async (username: string) => {
    const res = await h
      .http()
      .get('/api/v1/tasks')
      .set(await h.as(username));
    expect(res.status).toBe(200);
    return res.body as { state: string; workflow: string; overdue: boolean }[];
  };

  it('gives every clerk an inbox with cases in at least two states', async () => {
    const inboxes: Record<string, string[]> = {};
    for (const username of clerks)
      inboxes[username] = [...new Set((await tasksOf(username)).map((t) => `${t.workflow}:${t.state}`))].sort();
    // names the clerks whose inbox shows fewer than two distinct states
    expect(Object.entries(inboxes).filter(([, states]) => states.length < 2)).toEqual([]);
  });

  it('gives every clerk overdue work, and the organization department a filing (备案) to do', async () => {
    const late: Record<string, number> = {};
    for (const username of clerks) late[username] = (await tasksOf(username)).filter((t) => t.overdue).length;
    // names the clerks with nothing overdue
    expect(Object.entries(late).filter(([, n]) => n < 1)).toEqual([]);
    // the one step of the organization department in any procedure: filing an approved admission. It has no
    // deadline in the procedure, so it is never overdue
    const orgdept = await tasksOf('orgdept');
    expect(orgdept.map((t) => `${t.workflow}:${t.state}`)).toEqual(['recruitment:admission_filing']);
  });

  it('has overdue work in the inboxes and in the supervisor’s overdue list', async () => {
    const overdue = (await Promise.all(clerks.map(tasksOf))).flat().filter((t) => t.overdue);
    expect(overdue.length).toBeGreaterThan(0);
    const list = await h
      .http()
      .get('/api/v1/cases?overdue=true')
      .set(await h.as('supervisor'));
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    // the supervisor acts on no step: the escalations of the overdue cases are its visible work
    const notes = await h
      .http()
      .get('/api/v1/notifications')
      .set(await h.as('supervisor'));
    expect(notes.body.items.some((n: { kind: string }) => n.kind === 'escalation')).toBe(true);
  });

  it('leaves the history hash chain intact', async () => {
    const verify = await h
      .http()
      .get('/api/v1/audit/verify')
      .set(await h.as('supervisor'));
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(true);
    expect(verify.body.checked).toBeGreaterThan(20);
  });

  it('seeds only once', async () => {
    expect(await h.app.get(DemoCaseSeeder).seedIfNoCases()).toBe(0);
  });
});
