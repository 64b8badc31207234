import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { signLicensingBody } from '../libs/licensing/signature';
import { fullMembersOf, Harness, startHarness } from './support/harness';
import { beijingDay } from './support/dates';

const SECRET = 'supervision-test-secret';

/**
 * The supervisors' and administrators' read side end to end: a case replayed at each history row, the
 * overdue and recruitment dashboards against the case list, the policies in effect with each deadline's
 * source, refused licensing events with their reasons and the resend of a failed status delivery.
 */
describe('supervision endpoints (e2e)', () => {
  jest.setTimeout(60_000);
  let h: Harness;
  let port: number;
  let receiver: Server | undefined;
  const received: any[] = [];
  const as = (u: string) => h.as(u);
  const today = () => beijingDay();
  const future = (days: number) => beijingDay(days);
  const send = async (id: string, user: string, body: Record<string, unknown>) => {
    const res = await h
      .http()
      .post(`/api/v1/cases/${id}/events`)
      .set(await as(user))
      .send(body);
    if (res.status !== 200) throw new Error(`${String(body.type)}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const get = async (path: string, user: string) =>
    h
      .http()
      .get(path)
      .set(await as(user));

  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    h = await startHarness({
      LICENSING_WEBHOOK_SECRET: SECRET,
      LICENSING_CALLBACK_URL: `http://127.0.0.1:${port}/licensing/callback`,
    });
  });
  afterAll(async () => {
    if (receiver) await new Promise((r) => receiver!.close(r));
    await h.close();
  });

  it('replays a transfer case at every history row, and the last one matches the case', async () => {
    const member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[0];
    const opened = await h
      .http()
      .post('/api/v1/cases')
      .set(await as('branch-a'))
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    const id = opened.body.id;
    await send(id, 'branch-a', { type: 'APPROVE_RELEASE', comment: '同意' });
    await send(id, 'city', { type: 'ISSUE_LETTER', data: { letterNo: '赣律党转〔2026〕7号', validUntil: future(30) } });
    await send(id, 'branch-b', { type: 'ACCEPT' });

    const at = async (seq?: number) =>
      (await get(`/api/v1/audit/cases/${id}/replay${seq ? `?seq=${seq}` : ''}`, 'supervisor')).body;
    const first = await at(1);
    expect(first).toMatchObject({ seq: 1, type: 'OPEN', state: 'release_review', stateTitle: '转出审核', lastSeq: 4 });
    expect(first.context.letterNo).toBeUndefined();
    const second = await at(2);
    // the release guard read a registry fact at the time (no open non-conforming case): history keeps no facts
    expect(second).toMatchObject({ state: 'letter_pending', fidelity: 'facts_assumed', comment: '同意' });
    expect(second.context.releaseApprovedOn).toBe(today());
    const third = await at(3);
    expect(third).toMatchObject({ state: 'acceptance_review', fidelity: 'exact', eventTitle: '开具组织关系介绍信' });
    expect(third.context).toMatchObject({ letterNo: '赣律党转〔2026〕7号', validUntil: future(30) });
    expect(third.actor).toMatchObject({ username: 'city', role: 'clerk' });
    expect(third.matchesCurrent).toBeNull();
    const last = await at();
    expect(last).toMatchObject({ seq: 4, state: 'awaiting_report', matchesCurrent: true });
    expect(last.steps.map((s: any) => s.type)).toEqual(['OPEN', 'APPROVE_RELEASE', 'ISSUE_LETTER', 'ACCEPT']);

    const beyond = await get(`/api/v1/audit/cases/${id}/replay?seq=9`, 'supervisor');
    expect(beyond.status).toBe(400);
    expect(beyond.body.code).toBe('VALIDATION_FAILED');
    expect((await get(`/api/v1/audit/cases/${id}/replay?seq=abc`, 'supervisor')).status).toBe(400);
    expect((await get(`/api/v1/audit/cases/${id}/replay`, 'joint-1')).status).toBe(404);
  });

  it('counts the recruitment pipeline by stage as the case list does', async () => {
    const applicant = h.region.members.find(
      (m) => m.status === 'applicant' && m.orgId === h.region.anchors.firmAOrgId,
    )!;
    const before = (await get('/api/v1/reports/recruitment-pipeline', 'city')).body;
    const opened = await h
      .http()
      .post('/api/v1/cases')
      .set(await as('branch-a'))
      .send({
        workflow: 'recruitment',
        subject: { memberId: applicant.id },
        input: { appliedOn: today(), birthDate: applicant.birthDate },
      });
    expect(opened.status).toBe(201);
    const after = (await get('/api/v1/reports/recruitment-pipeline', 'city')).body;
    expect(after.stages.map((s: any) => s.title)).toEqual([
      '申请入党',
      '入党积极分子的确定和培养教育',
      '发展对象的确定和考察',
      '预备党员的接收',
      '预备党员的教育考察和转正',
    ]);
    const stageOf = (r: any) => r.stages[0].steps.find((s: any) => s.state === opened.body.state).cases;
    expect(stageOf(after)).toBe(stageOf(before) + 1);
    // Hunan: favour young core lawyers — the same cases by age band at the application, and how many practise
    const age = (d: string) => {
      const [y, m, dd] = d.split('-').map(Number);
      const [ty, tm, td] = today().split('-').map(Number);
      return ty - y - (tm < m || (tm === m && td < dd) ? 1 : 0);
    };
    const bandKey = (a: number) => (a < 35 ? 'under_35' : a < 45 ? '35_to_44' : '45_and_over');
    const band = (r: any) => r.ageBands.find((b: any) => b.band === bandKey(age(applicant.birthDate)));
    expect(after.ageBands.map((b: any) => b.band)).toEqual(['under_35', '35_to_44', '45_and_over']);
    expect(band(after).open).toBe(band(before).open + 1);
    expect(band(after).stages[0].cases).toBe(band(before).stages[0].cases + 1);
    expect(band(after).openLawyers - band(before).openLawyers).toBe(applicant.licenseNo ? 1 : 0);
    expect(after.ageBands.reduce((n: number, b: any) => n + b.open, 0)).toBe(after.open);
    const list = (await get('/api/v1/cases?workflow=recruitment&status=open&pageSize=1', 'city')).body;
    expect(after.open).toBe(list.total);
    // a branch of another county does not see 章贡区's applicant
    const other = (await get('/api/v1/reports/recruitment-pipeline', 'branch-b')).body;
    expect(stageOf(other)).toBe(0);
  });

  it('reports overdue cases by owing organization and procedure, equal to the case list', async () => {
    const none = (await get('/api/v1/reports/overdue', 'city')).body;
    expect(none.total).toBe((await get('/api/v1/cases?overdue=true&pageSize=1', 'city')).body.total);
    // the release review is due in 5 working days: a month later the sending branch owes it
    const member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[1];
    const opened = await h
      .http()
      .post('/api/v1/cases')
      .set(await as('branch-a'))
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    expect(opened.status).toBe(201);
    const moved = await h
      .http()
      .post('/api/v1/_clock')
      .set(await as('admin'))
      .send({ advance: 'P30D' });
    expect(moved.status).toBe(200);

    for (const user of ['city', 'supervisor', 'branch-a', 'branch-b']) {
      const report = (await get('/api/v1/reports/overdue', user)).body;
      const list = (await get('/api/v1/cases?overdue=true&pageSize=1', user)).body;
      expect(report.total).toBe(list.total);
      expect(report.byWorkflow.reduce((n: number, w: any) => n + w.cases, 0)).toBe(report.total);
    }
    const report = (await get('/api/v1/reports/overdue', 'city')).body;
    const row = report.items.find((i: any) => i.caseIds.includes(opened.body.id));
    expect(row).toMatchObject({
      orgId: h.region.anchors.firmAOrgId,
      workflow: 'membership-transfer',
      workflowTitle: expect.stringContaining('组织关系接转'),
      county: '章贡区',
    });
    expect(row.daysOverdue).toBeGreaterThanOrEqual(20);
    const asB = (await get('/api/v1/reports/overdue', 'branch-b')).body;
    expect(asB.items.some((i: any) => i.caseIds.includes(opened.body.id))).toBe(true); // receiving side sees it
    expect((await get('/api/v1/reports/overdue?orgId=not-a-uuid', 'city')).status).toBe(400);
  });

  it('shows the policies in effect for the region and each deadline with its source', async () => {
    const res = await get('/api/v1/policies', 'city');
    expect(res.status).toBe(200);
    expect(res.body.region).toBe('360700');
    expect(res.body.chain[res.body.chain.length - 1]).toBe(res.body.inEffect);
    expect(res.body.versions.filter((v: any) => v.inEffect)).toHaveLength(1);
    const transfer = res.body.workflows.find((w: any) => w.workflow === 'membership-transfer');
    expect(transfer.params).toMatchObject({ letterMaxValidityMonths: 3, licensingSyncMonths: 6 });
    const release = transfer.deadlines.find((d: any) => d.key === 'release_review.due');
    expect(release).toMatchObject({ state: 'release_review', stateTitle: '转出审核', unit: 'wd' });
    expect(release.rule).toBe(`${release.amount} 个工作日（自进入该环节起）`);
    expect(['policy', 'definition']).toContain(release.source.kind);
    expect((await get('/api/v1/policies?region=abc', 'city')).status).toBe(400);
    expect((await get('/api/v1/policies?region=110000', 'city')).body.region).toBe('110000');
  });

  it('lists refused licensing events with their reasons, and resends a failed delivery once the receiver is up', async () => {
    const body = JSON.stringify({
      eventId: `sv-${randomUUID()}`,
      type: 'practice.applied',
      occurredAt: new Date().toISOString(),
      applicationRef: `SV-${randomUUID().slice(0, 8)}`,
      lawyer: { licenseNo: '99999999999999999', name: '无此人', idNumber: '360702199001011234', isPartyMember: true },
      toFirmId: randomUUID(),
    });
    const refused = await h
      .http()
      .post('/api/v1/integrations/licensing/events')
      .set('Content-Type', 'application/json')
      .set('X-Signature', signLicensingBody(SECRET, body))
      .send(body);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const events = await get('/api/v1/integrations/licensing/events?status=rejected', 'admin');
    expect(events.status).toBe(200);
    const mine = events.body.items.find((e: any) => e.eventId === JSON.parse(body).eventId);
    expect(mine).toMatchObject({ status: 'rejected', code: refused.body.code, reason: refused.body.message });
    expect(mine.reason).toMatch(/[\u4e00-\u9fa5]/);
    expect((await get('/api/v1/integrations/licensing/events', 'branch-a')).status).toBe(403);

    // a status change whose delivery fails: the receiver is down. The lawyer must have no open transfer:
    // the tests above opened transfers for the branch's first two full members, and one member has at most
    // one open transfer, so a licensing application for them would attach instead of opening a case.
    const taken = fullMembersOf(h.region, h.region.anchors.firmAOrgId)
      .slice(0, 2)
      .map((m) => m.id);
    const lawyer = h.region.members.find(
      (m) => m.firmId === h.region.anchors.firmAId && m.status === 'full' && m.licenseNo && !taken.includes(m.id),
    )!;
    const ref = `SV-${randomUUID().slice(0, 8)}`;
    const applied = JSON.stringify({
      eventId: `sv-${randomUUID()}`,
      type: 'firm-transfer.applied',
      occurredAt: new Date().toISOString(),
      applicationRef: ref,
      lawyer: { licenseNo: lawyer.licenseNo, name: lawyer.name, idNumber: lawyer.idNumber, isPartyMember: true },
      fromFirmId: h.region.anchors.firmAId,
      toFirmId: h.region.anchors.firmBId,
    });
    const accepted = await h
      .http()
      .post('/api/v1/integrations/licensing/events')
      .set('Content-Type', 'application/json')
      .set('X-Signature', signLicensingBody(SECRET, applied))
      .send(applied);
    expect(accepted.status).toBe(202);
    const deliveryOf = async () => {
      const list = await get(`/api/v1/integrations/licensing/deliveries?applicationRef=${ref}`, 'admin');
      return list.body.items[0];
    };
    const resend = async (id: string) => {
      // the worker may be attempting the same row at this instant (409): ask again
      for (let i = 0; ; i++) {
        const res = await h
          .http()
          .post(`/api/v1/integrations/licensing/deliveries/${id}/resend`)
          .set(await as('admin'));
        if (res.status !== 409 || i > 20) return res;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const pending = await deliveryOf();
    expect(pending).toMatchObject({ status: 'pending', partyTransfer: 'pending' });
    const failed = await resend(pending.id);
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ id: pending.id, outcome: 'retry' });
    expect(failed.body.error).toMatch(/无法连接接收方/);
    expect((await post403(pending.id)).status).toBe(403);

    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => receiver!.listen(port, '127.0.0.1', () => r()));
    const ok = await resend(pending.id);
    // the worker's own retry may have got there first: then the row is delivered and a resend is refused
    if (ok.status === 422) expect(ok.body.message).toContain('已送达');
    else expect(ok.body).toMatchObject({ outcome: 'delivered', error: null });
    expect(await deliveryOf()).toMatchObject({ status: 'delivered' });
    expect(received.some((r) => r.applicationRef === ref)).toBe(true);
    const again = await resend(pending.id);
    expect(again.status).toBe(422);
    expect((await resend('999999999')).status).toBe(404);
    expect((await resend('abc')).status).toBe(404);
  });

  const post403 = async (id: string) =>
    h
      .http()
      .post(`/api/v1/integrations/licensing/deliveries/${id}/resend`)
      .set(await as('city'));
});
