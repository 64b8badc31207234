import { randomUUID } from 'node:crypto';
import { AuditEventsRepository, AuditEventsQuery } from '../../libs/audit/audit-events.repository';
import { CaseRecord, CasesRepository } from '../../libs/engine/cases.repository';
import { startDatabase, TestDatabase } from '../support/database';

describe('AuditEventsRepository (real PostgreSQL)', () => {
  let db: TestDatabase;
  let history: AuditEventsRepository;
  let cases: CasesRepository;
  // a workflow name of this suite only: its events are exactly the ones opened here
  const workflow = `audit-test-${Date.now()}`;
  const at = new Date('2026-03-02T01:00:00.123456Z');

  beforeAll(async () => {
    db = await startDatabase([AuditEventsRepository, CasesRepository]);
    history = db.get(AuditEventsRepository);
    cases = db.get(CasesRepository);
  }, 30_000);
  afterAll(() => db.close());

  /** A case opened at `when` (history row 1 at that instant) in the scope of `orgId`. */
  async function open(when: Date, orgId: string, userId: string | null = null): Promise<string> {
    const r: CaseRecord = {
      id: randomUUID(),
      workflow,
      definitionVersion: 1,
      policyVersion: 'default',
      state: 'a',
      statePaths: ['a'],
      snapshot: { value: 'a', context: {}, status: 'active' },
      status: 'open',
      version: 1,
      headHash: 'h1',
      entered: { a: { at: when.toISOString(), version: 1 } },
      subject: { orgId },
      parties: { from: orgId },
      scopeOrgIds: [orgId],
      openedBy: { username: 'test' },
      openedAt: when,
      updatedAt: when,
      closedAt: null,
    };
    const actor = { userId, username: 'test', role: null, orgId: null };
    await db.ds.transaction((em) => cases.insertOpened(em, r, { actor, data: {}, prevHash: 'genesis' }, []));
    return r.id;
  }

  const all = (over: Partial<AuditEventsQuery> = {}): AuditEventsQuery => ({ scopeOrgIds: null, workflow, ...over });

  it('pages in (at, case, seq) order after a cursor, every event once across ties of at', async () => {
    const a = db.region.anchors;
    // five events at the same microsecond, one a second later
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await open(at, a.firmAOrgId));
    const later = await open(new Date(at.getTime() + 1000), a.firmBOrgId);
    const seen: string[] = [];
    let after: (string | number)[] | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await history.page(all(), { after, limit: 2, offset: 0 });
      seen.push(...page.map((r) => r.caseId));
      if (page.length < 2) break;
      const last = page[page.length - 1];
      // the cursor keeps PostgreSQL's microseconds (a JS Date would round them and skip or repeat ties)
      expect(last.cursorAt).toMatch(/\.\d{6}Z$/);
      after = [last.cursorAt, last.caseId, last.seq];
    }
    expect(seen).toEqual([...[...ids].sort(), later]);
    // an offset page sees the same order
    expect((await history.page(all(), { limit: 3, offset: 2 })).map((r) => r.caseId)).toEqual(seen.slice(2, 5));
  });

  it('filters by scope, organization, actor and a Beijing day; counts capped and uncapped', async () => {
    const a = db.region.anchors;
    const userId = randomUUID();
    // 2026-03-05 16:30 UTC is already 3-06 in Beijing
    const beijingNextDay = await open(new Date('2026-03-05T16:30:00Z'), a.jointBranch1Id, userId);
    expect((await history.page(all({ userId }), { limit: 10, offset: 0 })).map((r) => r.caseId)).toEqual([
      beijingNextDay,
    ]);
    expect(await history.count(all({ from: '2026-03-06', to: '2026-03-07' }))).toBe(1);
    expect(await history.count(all({ from: '2026-03-05', to: '2026-03-06' }))).toBe(0);
    expect(await history.count(all({ scopeOrgIds: [a.jointBranch1Id] }))).toBe(1);
    expect(await history.count(all({ orgId: a.firmBOrgId }))).toBe(1);
    expect(await history.countCapped(all())).toBe(await history.count(all()));
    const rows = await history.ledgerEvents(all({ orgId: a.jointBranch1Id }), 10);
    expect(rows).toEqual([
      expect.objectContaining({ caseId: beijingNextDay, seq: 1, type: 'OPEN', definitionVersion: 1, hash: 'h1' }),
    ]);
  });

  it('reads the chains and the cases a verification covers', async () => {
    const a = db.region.anchors;
    const id = await open(new Date('2026-04-01T00:00:00Z'), a.firmBOrgId);
    const rows = await history.chainRows([id]);
    expect(rows).toEqual([
      expect.objectContaining({ case_id: id, seq: 1, prev_hash: 'genesis', hash: 'h1', head_hash: 'h1', version: 1 }),
    ]);
    expect(await history.caseIds([a.firmBOrgId])).toContain(id);
    expect(await history.caseIds([a.jointBranch1Id])).not.toContain(id);
    expect(await history.caseIds(null)).toContain(id);
    expect(await history.actorNames(['city', 'nobody'])).toEqual([{ id: 'city', name: expect.any(String) }]);
  });
});
