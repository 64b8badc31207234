import { fullMembersOf, Harness, startHarness } from './support/harness';
import { AppProcess, CutProxy, freePort, startAppProcess, startCutProxy } from './support/processes';

/**
 * A connection to PostgreSQL that breaks while an event is written (issue 11 "Integrity"): the API process
 * reaches PostgreSQL through a proxy process (test/support/cut-proxy.ts) that cuts one connection either just
 * after the server answered the event's statement (committed, but the API never hears it) or just before the
 * statement reaches the server (nothing written). Either way the caller gets one answer and the case exactly
 * one history row for the event: never a second copy, never a refusal of an event that was applied.
 */
jest.setTimeout(120_000);

describe('an event whose database connection breaks (e2e)', () => {
  let h: Harness;
  let proxy: CutProxy;
  let api: AppProcess;
  let base: string;
  let branchA: { Authorization: string };
  let admin: { Authorization: string };
  let members: ReturnType<typeof fullMembersOf>;
  let used = 0;

  beforeAll(async () => {
    h = await startHarness({ ROLE: 'api' });
    branchA = await h.as('branch-a');
    admin = await h.as('admin');
    members = fullMembersOf(h.region, h.region.anchors.firmAOrgId);
    proxy = await startCutProxy(h.env.DATABASE_URL);
    const port = await freePort();
    api = await startAppProcess('api', { ...h.env, DATABASE_URL: proxy.url, PORT: String(port) });
    base = `http://127.0.0.1:${port}/api/v1`;
  });
  afterAll(async () => {
    await api?.stop();
    await proxy?.stop();
    await h?.close();
  });

  async function openTransfer(): Promise<string> {
    const opened = await h
      .http()
      .post('/api/v1/cases')
      .set(branchA)
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: members[used++].id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    expect(opened.status).toBe(201);
    return opened.body.id;
  }

  const approveRelease = (caseId: string) =>
    fetch(`${base}/cases/${caseId}/events`, {
      method: 'POST',
      headers: { ...branchA, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'APPROVE_RELEASE', comment: '同意转出' }),
    });

  async function historyTypes(caseId: string): Promise<string[]> {
    const rows = await h.ds.query(`SELECT type FROM case_history WHERE case_id = $1 ORDER BY seq`, [caseId]);
    return rows.map((r: { type: string }) => r.type);
  }

  async function chainVerifies(caseId: string) {
    const verified = await h.http().get(`/api/v1/audit/verify?caseId=${caseId}`).set(admin);
    expect(verified.status).toBe(200);
    expect(verified.body.ok).toBe(true);
  }

  it('cut after the commit: the event is answered as applied, once (no retry that repeats it or refuses it)', async () => {
    const caseId = await openTransfer();
    const before = proxy.cuts().length;
    await proxy.arm('after', 'pf_apply_event');
    const res = await approveRelease(caseId);
    const body = (await res.json()) as any;
    expect(proxy.cuts().slice(before)).toEqual(['after']);
    expect({ status: res.status, code: body.code }).toEqual({ status: 200, code: undefined });
    expect(body).toMatchObject({ id: caseId, version: 2 });
    expect(await historyTypes(caseId)).toEqual(['OPEN', 'APPROVE_RELEASE']);
    await chainVerifies(caseId);
  });

  it('cut before the statement reaches the server: nothing was written, so it is sent again and applied once', async () => {
    const caseId = await openTransfer();
    // the API process has this case's record in its cache now: the retry must still write it exactly once
    expect((await fetch(`${base}/cases/${caseId}`, { headers: branchA })).status).toBe(200);
    const before = proxy.cuts().length;
    await proxy.arm('before', 'pf_apply_event');
    const res = await approveRelease(caseId);
    const body = (await res.json()) as any;
    expect(proxy.cuts().slice(before)).toEqual(['before']);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ id: caseId, version: 2 });
    expect(await historyTypes(caseId)).toEqual(['OPEN', 'APPROVE_RELEASE']);
    await chainVerifies(caseId);
  });
});
