import { randomUUID } from 'node:crypto';
import { RedactingLogger } from '../libs/common/redacting-logger';
import { maskIdNumber } from '../libs/registry/id-number';
import { signLicensingBody } from '../libs/licensing/signature';
import { RetentionService } from '../libs/retention/retention.service';
import { fullMembersOf, Harness, startHarness } from './support/harness';

const SECRET = 'personal-data-licensing-secret';

/**
 * Issue 11 "Personal data": a non-admin who sees an ID number masked does not get the birth date and gender
 * it encodes either (members, the transfer letter's data, the licensing events' bodies); the licensing
 * system's stored bodies lose whole ID numbers after RETENTION_LICENSING_ID_NUMBERS_DAYS; logs never carry one.
 */
describe('personal data (e2e)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LICENSING_WEBHOOK_SECRET: SECRET });
  }, 60_000);
  afterAll(() => h.close());

  const member = () => fullMembersOf(h.region, h.region.anchors.firmAOrgId)[0];

  it('members: non-admins get the ID number masked (birth date and sex digit hidden) and no birth date or gender', async () => {
    const m = member();
    for (const user of ['city', 'branch-a', 'supervisor']) {
      const one = await h
        .http()
        .get(`/api/v1/members/${m.id}`)
        .set(await h.as(user));
      expect({ user, status: one.status }).toEqual({ user, status: 200 });
      expect(one.body).toMatchObject({ idNumber: maskIdNumber(m.idNumber), birthDate: null, gender: null });
      expect(one.body.idNumber).not.toContain(m.birthDate.replace(/-/g, ''));
      expect(one.body.idNumber[16]).toBe('*'); // the sex digit
      const page = await h
        .http()
        .get('/api/v1/members')
        .query({ q: m.name, pageSize: 200 })
        .set(await h.as(user));
      const listed = page.body.items.find((x: any) => x.id === m.id);
      expect(listed).toMatchObject({ idNumber: maskIdNumber(m.idNumber), birthDate: null, gender: null });
    }
    const admin = await h
      .http()
      .get(`/api/v1/members/${m.id}`)
      .set(await h.as('admin'));
    expect(admin.body).toMatchObject({ idNumber: m.idNumber, birthDate: m.birthDate });
  });

  it('licensing events: committees see the bodies with ID numbers masked, admins whole; past retention the stored bodies are scrubbed', async () => {
    const lawyer = h.region.members.filter(
      (x) => x.firmId === h.region.anchors.firmAId && x.status === 'full' && x.licenseNo,
    )[1];
    const body = {
      eventId: `pd-${randomUUID()}`,
      type: 'firm-transfer.applied',
      occurredAt: new Date().toISOString(),
      lawyer: { licenseNo: lawyer.licenseNo, name: lawyer.name, idNumber: lawyer.idNumber, isPartyMember: true },
      fromFirmId: h.region.anchors.firmAId,
      toFirmId: h.region.anchors.firmBId,
      applicationRef: `PD-${randomUUID().slice(0, 8)}`,
    };
    const raw = JSON.stringify(body);
    const posted = await h
      .http()
      .post('/api/v1/integrations/licensing/events')
      .set('Content-Type', 'application/json')
      .set('X-Signature', signLicensingBody(SECRET, raw))
      .send(raw);
    expect(posted.status).toBe(202);

    const seen = async (user: string) =>
      (
        await h
          .http()
          .get('/api/v1/integrations/licensing/events')
          .query({ pageSize: 200 })
          .set(await h.as(user))
      ).body.items.find((e: any) => e.eventId === body.eventId);
    expect((await seen('city')).body.lawyer.idNumber).toBe(maskIdNumber(lawyer.idNumber));
    expect(JSON.stringify(await seen('city'))).not.toContain(lawyer.idNumber);
    expect((await seen('admin')).body.lawyer.idNumber).toBe(lawyer.idNumber);

    // within the retention period the stored body stays as received; past it, its ID number is masked
    const retention = h.app.get(RetentionService);
    await retention.runOnce();
    const stored = async () =>
      (await h.ds.query(`SELECT raw_body, raw FROM licensing_events WHERE event_id = $1`, [body.eventId]))[0] as {
        raw_body: string;
        raw: any;
      };
    expect((await stored()).raw_body).toBe(raw);
    await h.ds.query(`UPDATE licensing_events SET received_at = now() - interval '31 days' WHERE event_id = $1`, [
      body.eventId,
    ]);
    const counts = await retention.runOnce();
    expect(counts.licensingBodiesScrubbed).toBeGreaterThanOrEqual(1);
    const after = await stored();
    expect(after.raw_body).not.toContain(lawyer.idNumber);
    expect(after.raw_body).toBe(raw.replace(lawyer.idNumber, maskIdNumber(lawyer.idNumber)));
    expect(after.raw.lawyer.idNumber).toBe(maskIdNumber(lawyer.idNumber));
    expect(after.raw.applicationRef).toBe(body.applicationRef);
    // a second pass finds nothing left to scrub
    expect((await retention.runOnce()).licensingBodiesScrubbed).toBe(0);
  });
});

describe('logs', () => {
  it('never carry a whole ID number: messages, stacks and objects are masked', () => {
    const id = '360702199001011234';
    const written: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
      written.push(String(chunk));
      return true;
    });
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const logger = new RedactingLogger('Test');
      logger.log(`member ${id} registered`);
      logger.warn({ lawyer: { idNumber: id } });
      const e = new Error(`duplicate key: Key (id_number)=(${id}) already exists`);
      logger.error(e.message, e.stack);
      logger.error(e);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const all = written.join('');
    expect(all).toContain(maskIdNumber(id));
    expect(all).not.toContain(id);
    expect(all).toContain('member');
  });
});
