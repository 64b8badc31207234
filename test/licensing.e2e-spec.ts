import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import type { DemoMember } from '../libs/demo/demo-region';
import { OutboxDeliveryService } from '../libs/outbox/outbox-delivery';
import { deliverPendingLicensingCallbacks } from '../libs/licensing/licensing-callback.handler';
import { applicationStatusSigningString } from '../libs/licensing/licensing.service';
import { signLicensingBody, verifyLicensingSignature } from '../libs/licensing/signature';
import { Harness, startHarness } from './support/harness';
import { beijingDay } from './support/dates';

const SECRET = 'licensing-test-secret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: any;
}

/** A real local HTTP receiver on a fixed port, started only when the test says so (down until then). */
class Receiver {
  readonly received: Received[] = [];
  private server?: Server;
  constructor(readonly port: number) {}
  static async freePort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    return port;
  }
  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
  }
  async stop() {
    if (this.server) await new Promise((r) => this.server!.close(r));
  }
}

/**
 * The licensing integration end to end on real PostgreSQL and Redis: the signed webhook under malformed,
 * replayed, concurrent, reordered and wrongly signed input; the mapping of every event type onto the
 * procedures; the status for gating; and the signed callbacks through the outbox to a receiver that is
 * down first and up later.
 */
describe('licensing integration (e2e)', () => {
  let h: Harness;
  let receiver: Receiver;
  let firmALawyers: DemoMember[];
  let firmBLawyers: DemoMember[];
  const firmByName = (name: string) => h.region.firms.find((f) => f.name === name)!;

  beforeAll(async () => {
    receiver = new Receiver(await Receiver.freePort());
    h = await startHarness({
      LICENSING_WEBHOOK_SECRET: SECRET,
      LICENSING_CALLBACK_URL: `http://127.0.0.1:${receiver.port}/licensing/callback`,
    });
    const lawyers = (firmId: string) =>
      h.region.members.filter((m) => m.firmId === firmId && m.status === 'full' && m.licenseNo);
    firmALawyers = lawyers(h.region.anchors.firmAId).slice(1); // not the director
    firmBLawyers = lawyers(h.region.anchors.firmBId).slice(1);
  });
  afterAll(async () => {
    await receiver.stop();
    await h.close();
  });

  let seq = 0;
  const eventId = (tag: string) => `it-${tag}-${++seq}-${randomUUID().slice(0, 8)}`;
  const lawyer = (m: DemoMember, isPartyMember = true) => ({
    licenseNo: m.licenseNo!,
    name: m.name,
    idNumber: m.idNumber,
    isPartyMember,
  });
  const post = (body: unknown, opts: { signature?: string | null; raw?: string } = {}) => {
    const raw = opts.raw ?? JSON.stringify(body);
    const req = h.http().post('/api/v1/integrations/licensing/events').set('Content-Type', 'application/json');
    if (opts.signature !== null) req.set('X-Signature', opts.signature ?? signLicensingBody(SECRET, raw));
    return req.send(raw);
  };
  const event = (type: string, fields: Record<string, unknown>) => ({
    eventId: eventId(type),
    type,
    occurredAt: new Date().toISOString(),
    ...fields,
  });
  const status = async (ref: string) =>
    (
      await h
        .http()
        .get(`/api/v1/integrations/licensing/applications/${ref}`)
        .set(await h.as('city'))
    ).body;
  const send = async (caseId: string, user: string, body: object) => {
    const res = await h
      .http()
      .post(`/api/v1/cases/${caseId}/events`)
      .set(await h.as(user))
      .send(body);
    expect(res.status).toBe(200);
    return res.body;
  };
  const countEvents = async () => (await h.ds.query(`SELECT count(*)::int AS n FROM licensing_events`))[0].n as number;
  const casesOf = async (memberId: string) =>
    h.ds.query(
      `SELECT id, state, status FROM cases WHERE workflow = 'membership-transfer' AND subject_member_id = $1 ORDER BY opened_at`,
      [memberId],
    );

  // ------------------------------------------------------------------ the callback path first: the receiver is down

  it('firm transfer → transfer case → completion → status completed → signed callbacks, delivered once the receiver is up', async () => {
    const m = firmALawyers[0];
    const ref = `ZS-${randomUUID().slice(0, 8)}`;
    const applied = await post(
      event('firm-transfer.applied', {
        lawyer: lawyer(m),
        fromFirmId: h.region.anchors.firmAId,
        toFirmId: h.region.anchors.firmBId,
        applicationRef: ref,
      }),
    );
    expect(applied.status).toBe(202);
    expect(applied.body).toMatchObject({
      accepted: true,
      outcome: 'transfer_opened',
      partyTransfer: 'pending',
      memberId: m.id,
    });
    expect(applied.body.caseIds).toHaveLength(1);
    const caseId = applied.body.caseIds[0];
    const opened = (
      await h
        .http()
        .get(`/api/v1/cases/${caseId}`)
        .set(await h.as('branch-a'))
    ).body;
    expect(opened).toMatchObject({
      workflow: 'membership-transfer',
      state: 'release_review',
      subject: { memberId: m.id },
    });
    expect(opened.context).toMatchObject({
      licensingRef: ref,
      trigger: 'firm_transfer',
      toOrgId: h.region.anchors.firmBOrgId,
    });
    expect(await status(ref)).toMatchObject({ applicationRef: ref, partyTransfer: 'pending', caseId });

    // the clerks complete the transfer
    const validUntil = beijingDay(30);
    await send(caseId, 'branch-a', { type: 'APPROVE_RELEASE' });
    await send(caseId, 'city', { type: 'ISSUE_LETTER', data: { letterNo: '赣律党转〔2026〕101号', validUntil } });
    await send(caseId, 'branch-b', { type: 'ACCEPT' });
    const done = await send(caseId, 'branch-b', {
      type: 'RECORD_REPORT',
      data: { reportedOn: beijingDay() },
    });
    expect(done).toMatchObject({ state: 'completed', status: 'closed' });
    expect(await status(ref)).toMatchObject({ partyTransfer: 'completed', caseId });

    // receiver down: the attempts fail and are recorded (the worker's relay may attempt too: at least once)
    const delivery = h.app.get(OutboxDeliveryService);
    const rowsOf = () =>
      h.ds.query(
        `SELECT id, status, attempts, last_error, delivered_at, payload FROM outbox WHERE topic = 'licensing.status' AND payload->>'applicationRef' = $1 ORDER BY id`,
        [ref],
      );
    await deliverPendingLicensingCallbacks(delivery);
    let rows = await rowsOf();
    expect(rows.map((r: any) => r.payload.partyTransfer)).toEqual(['pending', 'completed']);
    expect(rows[0]).toMatchObject({ status: 'pending', delivered_at: null });
    expect(rows[0].attempts).toBeGreaterThanOrEqual(1);
    expect(rows[0].last_error).toMatch(/^无法连接接收方（ECONNREFUSED/);
    const deliveries = await h
      .http()
      .get(`/api/v1/integrations/licensing/deliveries?applicationRef=${ref}`)
      .set(await h.as('city'));
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.items[deliveries.body.items.length - 1]).toMatchObject({
      applicationRef: ref,
      partyTransfer: 'pending',
      status: 'pending',
    });
    expect(deliveries.body.items[deliveries.body.items.length - 1].attemptLog[0]).toMatchObject({
      attempt: 1,
      ok: false,
    });
    expect(receiver.received).toHaveLength(0);
    // only committee clerks and admins see the deliveries
    expect(
      (
        await h
          .http()
          .get('/api/v1/integrations/licensing/deliveries')
          .set(await h.as('branch-a'))
      ).status,
    ).toBe(403);

    // receiver up: delivered at the next attempt (backoff), each notification exactly once, in order
    await receiver.start();
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      await deliverPendingLicensingCallbacks(delivery);
      rows = await rowsOf();
      if (rows.every((r: any) => r.status === 'delivered')) break;
      await sleep(500);
    }
    expect(rows.map((r: any) => r.status)).toEqual(['delivered', 'delivered']);
    await sleep(1500); // let a late relay job show itself if it were to deliver twice
    const mine = receiver.received.filter((r) => r.body.applicationRef === ref);
    expect(mine.map((r) => r.body.partyTransfer)).toEqual(['pending', 'completed']);
    expect(new Set(mine.map((r) => r.body.deliveryId)).size).toBe(2);
    for (const r of mine) {
      expect(verifyLicensingSignature(SECRET, r.raw, r.headers['x-signature'] as string)).toBe(true);
      expect(r.body).toMatchObject({ applicationRef: ref, caseId });
    }
    const log = (
      await h
        .http()
        .get(`/api/v1/integrations/licensing/deliveries?applicationRef=${ref}`)
        .set(await h.as('admin'))
    ).body.items;
    for (const d of log) {
      expect(d.deliveredAt).toBeTruthy();
      expect(d.attemptLog[d.attemptLog.length - 1].ok).toBe(true);
      expect(d.attempts).toBe(d.attemptLog.length);
    }
  }, 90_000);

  // ------------------------------------------------------------------ webhook hygiene

  it('refuses a bad or missing signature with 401 and stores nothing', async () => {
    const before = await countEvents();
    const body = event('practice.applied', {
      lawyer: lawyer(firmALawyers[1]),
      toFirmId: h.region.anchors.firmBId,
      applicationRef: 'SIG-1',
    });
    const wrong = await post(body, { signature: signLicensingBody('not-the-secret', JSON.stringify(body)) });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ statusCode: 401, code: 'INVALID_SIGNATURE' });
    expect(typeof wrong.body.message).toBe('string');
    expect((await post(body, { signature: null })).status).toBe(401);
    expect((await post(body, { signature: 'sha256=zz' })).status).toBe(401);
    // signed over other bytes than those sent (a tampered body)
    const tampered = await post(body, {
      raw: JSON.stringify({ ...body, toFirmId: h.region.anchors.firmAId }),
      signature: signLicensingBody(SECRET, JSON.stringify(body)),
    });
    expect(tampered.status).toBe(401);
    expect(await countEvents()).toBe(before);
    expect(await casesOf(firmALawyers[1].id)).toHaveLength(0);
  });

  it('answers 503 LICENSING_NOT_CONFIGURED without a webhook secret', async () => {
    const config = h.app.get(AppConfig);
    config.LICENSING_WEBHOOK_SECRET = undefined;
    try {
      const res = await post(event('practice.applied', { applicationRef: 'X' }));
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('LICENSING_NOT_CONFIGURED');
    } finally {
      config.LICENSING_WEBHOOK_SECRET = SECRET;
    }
  });

  it('rejects malformed and unknown input with 400/422 and a clear reason', async () => {
    const bad = await post(null, { raw: '{"eventId": "x", ' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('MALFORMED_JSON');

    const noId = await post({ type: 'practice.applied', occurredAt: new Date().toISOString(), applicationRef: 'R' });
    expect(noId.status).toBe(400);
    expect(noId.body.code).toBe('VALIDATION_FAILED');
    expect(noId.body.details.map((d: any) => d.field)).toEqual(expect.arrayContaining(['eventId', 'lawyer']));

    const unknownType = await post(event('practice.teleported', { applicationRef: 'R' }));
    expect(unknownType.status).toBe(422);
    expect(unknownType.body.code).toBe('UNKNOWN_EVENT_TYPE');

    const badLawyer = await post(
      event('firm-transfer.applied', {
        lawyer: { licenseNo: '12', name: '某', idNumber: 'abc', isPartyMember: 'yes' },
        applicationRef: 'R2',
      }),
    );
    expect(badLawyer.status).toBe(400);
    expect(badLawyer.body.details.map((d: any) => d.field)).toEqual(
      expect.arrayContaining(['lawyer.licenseNo', 'lawyer.idNumber', 'lawyer.isPartyMember', 'toFirmId']),
    );

    const array = await post([1, 2]);
    expect(array.status).toBe(400);

    // an array where an object belongs, dates that do not exist or are not full ISO times: 400, nothing processed
    for (const [field, body] of [
      [
        'lawyer',
        event('firm-transfer.applied', { lawyer: [], toFirmId: h.region.anchors.firmBId, applicationRef: 'R3' }),
      ],
      ['firm', event('firm-establishment.applied', { firmId: randomUUID(), firm: [], applicationRef: 'R4' })],
      [
        'occurredAt',
        {
          ...event('discipline.imposed', { lawyer: lawyer(firmALawyers[0]), discipline: { sanction: '训诫' } }),
          occurredAt: '2026-02-30T10:00:00Z',
        },
      ],
      [
        'occurredAt',
        {
          ...event('discipline.imposed', { lawyer: lawyer(firmALawyers[0]), discipline: { sanction: '训诫' } }),
          occurredAt: '20260101T000000Z',
        },
      ],
      [
        'occurredAt',
        {
          ...event('discipline.imposed', { lawyer: lawyer(firmALawyers[0]), discipline: { sanction: '训诫' } }),
          occurredAt: '2026-123',
        },
      ],
      [
        'discipline.decidedOn',
        event('discipline.imposed', {
          lawyer: lawyer(firmALawyers[0]),
          discipline: { sanction: '训诫', decidedOn: '2026-13-01' },
        }),
      ],
    ] as const) {
      const res = await post(body);
      expect({ field, status: res.status, code: res.body.code }).toEqual({
        field,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.details.map((d: any) => d.field)).toContain(field);
    }
  });

  it('keeps a refused event (unknown firm, 422) and processes it when re-sent corrected with the same eventId', async () => {
    const m = firmALawyers[2];
    const body = event('firm-transfer.applied', {
      lawyer: lawyer(m),
      toFirmId: randomUUID(),
      applicationRef: `UNK-${seq}`,
    });
    const refused = await post(body);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'UNKNOWN_REFERENCE', details: { field: 'toFirmId' } });
    const [stored] = await h.ds.query(
      `SELECT status, http_status, raw_body FROM licensing_events WHERE event_id = $1`,
      [body.eventId],
    );
    expect(stored).toMatchObject({ status: 'rejected', http_status: 422, raw_body: JSON.stringify(body) });
    expect(await casesOf(m.id)).toHaveLength(0);

    const fixed = await post({ ...body, toFirmId: h.region.anchors.firmBId });
    expect(fixed.status).toBe(202);
    expect(fixed.body.caseIds).toHaveLength(1);
    const [after] = await h.ds.query(`SELECT status, attempts FROM licensing_events WHERE event_id = $1`, [
      body.eventId,
    ]);
    expect(after).toMatchObject({ status: 'processed', attempts: 2 });
  });

  it('processes an eventId once: replays (sequential and concurrent) return the first result and open nothing', async () => {
    const m = firmALawyers[3];
    const body = event('practice.applied', {
      lawyer: lawyer(m),
      toFirmId: h.region.anchors.firmBId,
      applicationRef: `RP-${seq}`,
    });
    const first = await post(body);
    expect(first.status).toBe(202);
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(again.headers['x-replay']).toBe('true');
    expect(again.body).toEqual(first.body);
    // a replay with a different body still answers the first result (and is flagged in the ledger)
    const changed = await post({ ...body, toFirmId: h.region.anchors.firmAId });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual(first.body);
    expect(await casesOf(m.id)).toHaveLength(1);
    const [row] = await h.ds.query(`SELECT replays, replay_mismatch FROM licensing_events WHERE event_id = $1`, [
      body.eventId,
    ]);
    expect(row).toMatchObject({ replays: 2, replay_mismatch: true });

    // 6 identical deliveries at once: one 202, five 200, one case
    const m2 = firmALawyers[4];
    const burst = event('practice.applied', {
      lawyer: lawyer(m2),
      toFirmId: h.region.anchors.firmBId,
      applicationRef: `RP-${seq}`,
    });
    const results = await Promise.all(Array.from({ length: 6 }, () => post(burst)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 202]);
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(await casesOf(m2.id)).toHaveLength(1);
  });

  // ------------------------------------------------------------------ mapping

  it('records an approval while the transfer is open (6-month rule), a withdrawal cancels it', async () => {
    const m = firmALawyers[5];
    const ref = `AP-${seq}`;
    const applied = await post(
      event('firm-transfer.applied', { lawyer: lawyer(m), toFirmId: h.region.anchors.firmBId, applicationRef: ref }),
    );
    const caseId = applied.body.caseIds[0];
    // approved three days ago, notified only now: the rule runs from the approval
    const approvedAt = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const approved = await post({
      ...event('firm-transfer.approved', {
        lawyer: lawyer(m),
        toFirmId: h.region.anchors.firmBId,
        applicationRef: ref,
      }),
      occurredAt: approvedAt,
    });
    expect(approved.status).toBe(202);
    expect(approved.body).toMatchObject({
      outcome: 'approval_recorded',
      caseIds: [caseId],
      openedCaseIds: [],
      partyTransfer: 'pending',
    });
    const view = (
      await h
        .http()
        .get(`/api/v1/cases/${caseId}`)
        .set(await h.as('city'))
    ).body;
    expect(view.context.licensingApprovedAt).toBe(approvedAt);
    expect(view.context.sixMonthDueAt).toBeTruthy();
    expect(view.deadlines.some((d: any) => d.key === 'transfer.six_month_rule')).toBe(true);
    expect(await status(ref)).toMatchObject({ sixMonthDueAt: view.context.sixMonthDueAt, assessmentDeferred: false });
    const [member] = await h.ds.query(`SELECT firm_id FROM members WHERE id = $1`, [m.id]);
    expect(member.firm_id).toBe(h.region.anchors.firmBId);
    // a second approval (another eventId) changes nothing
    const twice = await post(
      event('firm-transfer.approved', { lawyer: lawyer(m), toFirmId: h.region.anchors.firmBId, applicationRef: ref }),
    );
    expect(twice.body).toMatchObject({ outcome: 'duplicate_approval', caseIds: [] });

    const withdrawn = await post(event('firm-transfer.withdrawn', { lawyer: lawyer(m), applicationRef: ref }));
    expect(withdrawn.body).toMatchObject({
      outcome: 'transfer_cancelled',
      caseIds: [caseId],
      partyTransfer: 'not_required',
    });
    const history = (
      await h
        .http()
        .get(`/api/v1/cases/${caseId}/history`)
        .set(await h.as('city'))
    ).body;
    expect(history.map((r: any) => r.type)).toEqual(['OPEN', 'LICENSING_APPROVED', 'LICENSING_WITHDRAWN']);
    expect(history[1].actor).toMatchObject({ username: 'system' });
    expect(history[0].data.trigger).toMatch(/^licensing:/);
    expect(history[2].to).toBe('cancelled');
  });

  it('handles approved-before-applied: opens the transfer and records the approval; the late application opens nothing', async () => {
    const m = firmALawyers[6];
    const ref = `OO-${seq}`;
    // to a firm with neither branch nor joint branch: the city committee receives the relationship — the lawyer
    // leaves firm A's branch even though every branch of the city lies below the city committee (it used to be
    // answered not_required: "already there")
    const [uncovered] = await h.ds.query(
      `SELECT id FROM firms WHERE coverage IN ('instructor', 'none') AND status = 'active' AND region_code LIKE '3607%' ORDER BY name LIMIT 1`,
    );
    expect(uncovered).toBeDefined();
    // approved seven months ago: the transfer is past its six months, so the lawyer's assessment is deferred
    const approvedAt = new Date(Date.now() - 214 * 86_400_000).toISOString();
    const approved = await post({
      ...event('practice.approved', { lawyer: lawyer(m), toFirmId: uncovered.id, applicationRef: ref }),
      occurredAt: approvedAt,
    });
    expect(approved.status).toBe(202);
    expect(approved.body).toMatchObject({
      outOfOrder: 'approved_before_applied',
      outcome: 'transfer_opened',
      partyTransfer: 'pending',
    });
    const caseId = approved.body.openedCaseIds[0];
    const view = (
      await h
        .http()
        .get(`/api/v1/cases/${caseId}`)
        .set(await h.as('city'))
    ).body;
    expect(view.context.sixMonthDueAt).toBeTruthy();
    expect(view.context.toOrgId).toBe(h.region.anchors.cityId);
    expect(await status(ref)).toMatchObject({ partyTransfer: 'pending', assessmentDeferred: true });
    const late = await post(
      event('practice.applied', { lawyer: lawyer(m), toFirmId: uncovered.id, applicationRef: ref }),
    );
    expect(late.status).toBe(202);
    expect(late.body).toMatchObject({
      outOfOrder: 'applied_after_approval',
      outcome: 'duplicate_application',
      caseIds: [],
    });
    expect(await casesOf(m.id)).toHaveLength(1);
    const [ev] = await h.ds.query(`SELECT out_of_order FROM licensing_events WHERE event_id = $1`, [
      approved.body.eventId,
    ]);
    expect(ev.out_of_order).toBe('approved_before_applied');
  });

  it('handles withdrawn-before-applied: remembered, the late application opens nothing, status not_required', async () => {
    const m = firmALawyers[7];
    const ref = `WB-${seq}`;
    const withdrawn = await post(event('practice.withdrawn', { lawyer: lawyer(m), applicationRef: ref }));
    expect(withdrawn.body).toMatchObject({
      outOfOrder: 'withdrawn_before_applied',
      partyTransfer: 'not_required',
      caseIds: [],
    });
    const late = await post(
      event('practice.applied', { lawyer: lawyer(m), toFirmId: h.region.anchors.firmBId, applicationRef: ref }),
    );
    expect(late.body).toMatchObject({
      outOfOrder: 'applied_after_withdrawal',
      outcome: 'withdrawn_before_applied',
      caseIds: [],
    });
    expect(await casesOf(m.id)).toHaveLength(0);
    expect(await status(ref)).toMatchObject({ partyTransfer: 'not_required' });
    expect((await status(ref)).caseId).toBeUndefined();
  });

  it('needs no transfer for a non-member, nor between two firms of the same joint branch', async () => {
    const nonMember = {
      licenseNo: '13607022019054321',
      name: '王某某',
      idNumber: '360702199204051239',
      isPartyMember: false,
    };
    const res = await post(
      event('practice.applied', { lawyer: nonMember, toFirmId: h.region.anchors.firmBId, applicationRef: `NM-${seq}` }),
    );
    expect(res.body).toMatchObject({ outcome: 'not_required', partyTransfer: 'not_required', caseIds: [] });

    const tongtian = firmByName('江西通天律师事务所');
    const zhangjiang = firmByName('江西章江律师事务所');
    const jm = h.region.members.find((x) => x.firmId === tongtian.id && x.licenseNo)!;
    const same = await post(
      event('firm-transfer.applied', {
        lawyer: lawyer(jm),
        fromFirmId: tongtian.id,
        toFirmId: zhangjiang.id,
        applicationRef: `JB-${seq}`,
      }),
    );
    expect(same.body).toMatchObject({ outcome: 'not_required', partyTransfer: 'not_required' });
    expect(same.body.notes.join()).toMatch(/无需接转/);
  });

  it('creates an unknown lawyer who declares membership pending verification, and opens the transfer', async () => {
    const unknown = {
      licenseNo: '13607032021167890',
      name: '钟新来',
      idNumber: '36070319950607123X',
      isPartyMember: true,
    };
    const res = await post(
      event('practice.applied', { lawyer: unknown, toFirmId: h.region.anchors.firmBId, applicationRef: `NEW-${seq}` }),
    );
    expect(res.status).toBe(202);
    expect(res.body.outcome).toBe('transfer_opened');
    const [m] = await h.ds.query(
      `SELECT id, name, pending_verification, org_id, status, birth_date::text AS birth FROM members WHERE license_no = $1`,
      [unknown.licenseNo],
    );
    expect(m).toMatchObject({
      name: '钟新来',
      pending_verification: true,
      org_id: h.region.anchors.cityId,
      status: 'full',
      birth: '1995-06-07',
    });
    expect(res.body.memberId).toBe(m.id);
    const [c] = await casesOf(m.id);
    expect(c.state).toBe('release_review');
  });

  it('opens a transfer out of the sector when practice is cancelled', async () => {
    const m = firmBLawyers[0];
    const res = await post(event('practice.cancelled', { lawyer: lawyer(m), applicationRef: `CX-${seq}` }));
    expect(res.body).toMatchObject({ outcome: 'transfer_opened', partyTransfer: 'pending' });
    const view = (
      await h
        .http()
        .get(`/api/v1/cases/${res.body.caseIds[0]}`)
        .set(await h.as('city'))
    ).body;
    expect(view.context).toMatchObject({ trigger: 'practice_cancelled', toOrgId: h.region.anchors.cityId });
    const [row] = await h.ds.query(`SELECT firm_id FROM members WHERE id = $1`, [m.id]);
    expect(row.firm_id).toBeNull();
  });

  it('records a discipline on the member and opens a non-conforming case', async () => {
    const m = firmBLawyers[1];
    const res = await post(
      event('discipline.imposed', {
        lawyer: lawyer(m),
        discipline: { sanction: '公开谴责', reason: '违规收费', authority: '赣州市律师协会', decidedOn: '2026-03-01' },
      }),
    );
    expect(res.status).toBe(202);
    expect(res.body.outcome).toBe('nonconforming_opened');
    const [d] = await h.ds.query(
      `SELECT member_id, sanction, case_id, decided_on::text AS on FROM member_disciplines WHERE event_id = $1`,
      [res.body.eventId],
    );
    expect(d).toMatchObject({ member_id: m.id, sanction: '公开谴责', case_id: res.body.caseIds[0], on: '2026-03-01' });
    const view = (
      await h
        .http()
        .get(`/api/v1/cases/${d.case_id}`)
        .set(await h.as('city'))
    ).body;
    expect(view).toMatchObject({ workflow: 'nonconforming', context: { trigger: 'discipline' } });
    expect(view.context.grounds).toMatch(/公开谴责/);
    // a second discipline while that case is open is recorded into it
    const second = await post(event('discipline.imposed', { lawyer: lawyer(m), discipline: { sanction: '训诫' } }));
    expect(second.body).toMatchObject({ outcome: 'discipline_recorded', caseIds: [] });
  });

  it('opens branch formation for a firm under establishment review, once, and tracks its establishment', async () => {
    const firmId = randomUUID();
    const ref = `SL-${seq}`;
    const firm = { name: '江西红旗律师事务所', kind: 'firm', county: '章贡区', directorName: '刘建新' };
    const applied = await post(event('firm-establishment.applied', { firmId, firm, applicationRef: ref }));
    expect(applied.status).toBe(202);
    expect(applied.body).toMatchObject({ outcome: 'formation_opened', firmId });
    const [pending] = await h.ds.query(`SELECT status, coverage, region_code FROM firms WHERE id = $1`, [firmId]);
    expect(pending).toMatchObject({ status: 'pending', coverage: 'none', region_code: '360702' });
    const caseId = applied.body.caseIds[0];
    const view = (
      await h
        .http()
        .get(`/api/v1/cases/${caseId}`)
        .set(await h.as('county-zg'))
    ).body;
    expect(view).toMatchObject({
      workflow: 'branch-formation',
      state: 'survey',
      context: { trigger: 'firm_establishment_applied' },
    });

    const established = await post(event('firm.established', { firmId, applicationRef: ref }));
    // nothing opened; the running case receives the establishment date (its 3-month deadline starts)
    expect(established.body).toMatchObject({ outcome: 'formation_already_open', caseIds: [caseId], openedCaseIds: [] });
    const [active] = await h.ds.query(`SELECT status, established_on, uncovered_since FROM firms WHERE id = $1`, [
      firmId,
    ]);
    expect(active.status).toBe('active');
    expect(active.uncovered_since).toBeTruthy();
    expect(await status(ref)).toMatchObject({ partyTransfer: 'not_required', caseId });

    // established before applied (reordered): the firm is created active with its case; the late application opens nothing
    const otherId = randomUUID();
    const first = await post(
      event('firm.established', { firmId: otherId, firm: { ...firm, name: '江西朝阳律师事务所' } }),
    );
    expect(first.body).toMatchObject({ outcome: 'formation_opened' });
    const late = await post(
      event('firm-establishment.applied', {
        firmId: otherId,
        firm: { ...firm, name: '江西朝阳律师事务所' },
        applicationRef: `SL2-${seq}`,
      }),
    );
    expect(late.body).toMatchObject({
      outOfOrder: 'applied_after_established',
      outcome: 'formation_already_open',
      caseIds: [],
    });

    // a branch office of a firm with its own branch records the head firm's organization as its guide
    const bo = await post(
      event('branch-office.established', {
        firm: {
          name: '江西章贡律师事务所于都分所',
          kind: 'branch_office',
          headFirmId: h.region.anchors.firmAId,
          county: '于都县',
          directorName: '陈志明',
        },
      }),
    );
    expect(bo.body.outcome).toBe('formation_opened');
    const boView = (
      await h
        .http()
        .get(`/api/v1/cases/${bo.body.caseIds[0]}`)
        .set(await h.as('city'))
    ).body;
    expect(boView.context).toMatchObject({
      trigger: 'branch_office_established',
      guideOrgId: h.region.anchors.firmAOrgId,
    });
    // a firm that already has its own branch needs no formation
    const covered = await post(event('firm.established', { firmId: h.region.anchors.firmBId }));
    expect(covered.body).toMatchObject({ outcome: 'formation_not_needed', caseIds: [] });
  });

  it('gives the status to a signed request of the licensing system and hides it from users out of scope', async () => {
    const m = firmBLawyers[2];
    const ref = `GS-${seq}`;
    await post(
      event('firm-transfer.applied', { lawyer: lawyer(m), toFirmId: h.region.anchors.firmAId, applicationRef: ref }),
    );
    const signed = await h
      .http()
      .get(`/api/v1/integrations/licensing/applications/${ref}`)
      .set('X-Signature', signLicensingBody(SECRET, applicationStatusSigningString(ref)));
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ applicationRef: ref, partyTransfer: 'pending' });
    expect(
      (
        await h
          .http()
          .get(`/api/v1/integrations/licensing/applications/${ref}`)
          .set('X-Signature', 'sha256=' + '0'.repeat(64))
      ).status,
    ).toBe(401);
    expect((await h.http().get(`/api/v1/integrations/licensing/applications/${ref}`)).status).toBe(401);
    expect(
      (
        await h
          .http()
          .get(`/api/v1/integrations/licensing/applications/${ref}`)
          .set(await h.as('branch-b'))
      ).status,
    ).toBe(200);
    expect(
      (
        await h
          .http()
          .get(`/api/v1/integrations/licensing/applications/${ref}`)
          .set(await h.as('joint-1'))
      ).status,
    ).toBe(404);
    expect(
      (
        await h
          .http()
          .get(`/api/v1/integrations/licensing/applications/NOPE-${seq}`)
          .set(await h.as('admin'))
      ).status,
    ).toBe(404);
  });

  it('reports coverage per city and county, scoped, with the uncovered firms and how long', async () => {
    const asCity = await h
      .http()
      .get('/api/v1/reports/coverage')
      .set(await h.as('city'));
    expect(asCity.status).toBe(200);
    const r = asCity.body;
    expect(r.cities).toHaveLength(1);
    const ganzhou = r.cities[0];
    expect(ganzhou).toMatchObject({ regionCode: '360700', name: '赣州市律师行业党委' });
    expect(ganzhou.firms).toBe(ganzhou.branch + ganzhou.jointBranch + ganzhou.instructor + ganzhou.none);
    expect(ganzhou.coveragePct).toBeCloseTo(
      (100 * (ganzhou.branch + ganzhou.jointBranch + ganzhou.instructor)) / ganzhou.firms,
      0,
    );
    expect(r.goal.met).toBe(false);
    const zg = ganzhou.counties.find((c: any) => c.county === '章贡区');
    expect(zg.branch).toBeGreaterThanOrEqual(8);
    const mingzhu = r.uncovered.find((u: any) => u.name === '江西明珠律师事务所');
    expect(mingzhu.daysUncovered).toBeGreaterThan(0);
    expect(mingzhu.uncoveredSince.slice(0, 10)).toBe('2025-03-18');
    // a county clerk sees only the county
    const asCounty = (
      await h
        .http()
        .get('/api/v1/reports/coverage')
        .set(await h.as('county-zg'))
    ).body;
    expect(asCounty.cities[0].counties.map((c: any) => c.county)).toEqual(['章贡区']);
    expect(asCounty.uncovered.every((u: any) => u.county === '章贡区')).toBe(true);
    // the supervisor sees everything
    expect(
      (
        await h
          .http()
          .get('/api/v1/reports/coverage')
          .set(await h.as('supervisor'))
      ).body.totals.firms,
    ).toBe(r.totals.firms);
  });
});
