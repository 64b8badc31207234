import { randomBytes, randomUUID } from 'node:crypto';
import { ConfigError } from '../config/app-config';
import { residentIdCheckChar } from '../libs/common/resident-id';
import { RedactingLogger } from '../libs/common/redacting-logger';
import { prepareIdNumbersAtRest } from '../libs/registry/id-numbers-at-rest';
import { MemberIdNumbersRepository } from '../libs/registry/member-id-numbers.repository';
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
  const stored = async (id: string) =>
    (await h.ds.query(`SELECT id_number, id_number_blind_index FROM members WHERE id = $1`, [id]))[0] as {
      id_number: string;
      id_number_blind_index: string | null;
    };
  const residentId = (born: string, seq: number) => {
    const first17 = `360702${born.replace(/-/g, '')}${String(seq).padStart(3, '0')}`;
    return first17 + residentIdCheckChar(first17);
  };

  describe('ID numbers at rest', () => {
    it('are stored sealed (AES-GCM), never as the number, with a blind index; users still read them as before', async () => {
      const m = member();
      const row = await stored(m.id);
      expect(row.id_number).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
      expect(row.id_number).not.toContain(m.idNumber);
      expect(row.id_number).not.toContain(m.idNumber.slice(6, 14));
      expect(row.id_number_blind_index).toMatch(/^[0-9a-f]{64}$/);
      // the whole registry: no row is left in plaintext or without its index (the demo seeder seals too)
      const [{ n }] = await h.ds.query(
        `SELECT count(*)::int AS n FROM members WHERE id_number !~ '^v1\\.' OR id_number_blind_index IS NULL`,
      );
      expect(n).toBe(0);
      // one number sealed twice looks different at rest: equal ciphertexts would tell equal numbers apart
      const created = await h
        .http()
        .post('/api/v1/members')
        .set(await h.as('admin'))
        .send({
          name: '密文检查',
          idNumber: residentId('1991-02-03', 211),
          birthDate: '1991-02-03',
          orgId: h.region.anchors.firmAOrgId,
          status: 'applicant',
        });
      expect(created.status).toBe(201);
      expect(created.body.idNumber).toBe(residentId('1991-02-03', 211));
      const fresh = await stored(created.body.id);
      expect(fresh.id_number).not.toContain(residentId('1991-02-03', 211));
      expect(
        (await h.ds.query(`SELECT count(*)::int AS n FROM members WHERE id_number = $1`, [fresh.id_number]))[0].n,
      ).toBe(1);
    });

    it('stay unique through the blind index: 409 in scope, and the database refuses a second row of one number', async () => {
      const idNumber = residentId('1988-07-09', 313);
      const body = { name: '唯一性', idNumber, birthDate: '1988-07-09', orgId: h.region.anchors.firmAOrgId };
      const first = await h
        .http()
        .post('/api/v1/members')
        .set(await h.as('branch-a'))
        .send({ ...body, status: 'applicant' });
      expect(first.status).toBe(201);
      const again = await h
        .http()
        .post('/api/v1/members')
        .set(await h.as('branch-a'))
        .send({ ...body, name: '唯一性二', status: 'applicant' });
      expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'DUPLICATE' });
      // the unique index itself: the same blind index for a second live row is refused by PostgreSQL
      const row = await stored(first.body.id);
      await expect(
        h.ds.query(
          `INSERT INTO members (name, id_number, id_number_blind_index, birth_date, org_id, status)
           VALUES ('绕过服务', $1, $2, '1988-07-09', $3, 'applicant')`,
          [row.id_number, row.id_number_blind_index, h.region.anchors.firmAOrgId],
        ),
      ).rejects.toMatchObject({ driverError: { code: '23505' } });
    });

    it('are found by the whole number (GET /members?q=), within the caller’s scope only', async () => {
      const m = member();
      const find = async (user: string, q: string) =>
        (
          await h
            .http()
            .get('/api/v1/members')
            .query({ q })
            .set(await h.as(user))
        ).body.items.map((x: any) => x.id);
      expect(await find('city', m.idNumber)).toEqual([m.id]);
      expect(await find('admin', m.idNumber.toLowerCase())).toEqual([m.id]);
      expect(await find('branch-b', m.idNumber)).toEqual([]);
      // a number nobody has finds nobody (the index is not a prefix match)
      expect(await find('city', residentId('1970-01-01', 999))).toEqual([]);
    });

    it('at start, plaintext rows are sealed, a rotation re-seals, and a wrong key stops the start with a clear error', async () => {
      const repo = h.app.get(MemberIdNumbersRepository);
      const key = h.env.PII_KEY;
      const m = member();
      const whole = async () =>
        (
          await h
            .http()
            .get(`/api/v1/members/${m.id}`)
            .set(await h.as('admin'))
        ).body.idNumber;
      // a row from before encryption (or written around the application)
      await h.ds.query(`UPDATE members SET id_number = $2, id_number_blind_index = NULL WHERE id = $1`, [
        m.id,
        m.idNumber,
      ]);
      await prepareIdNumbersAtRest({ PII_KEY: key }, repo);
      expect((await stored(m.id)).id_number).toMatch(/^v1\./);
      expect(await whole()).toBe(m.idNumber);

      // a wrong key: refused, naming the setting, and nothing is written
      const before = await stored(m.id);
      const wrong = prepareIdNumbersAtRest({ PII_KEY: randomBytes(32).toString('base64') }, repo);
      await expect(wrong).rejects.toThrow(ConfigError);
      await expect(wrong).rejects.toThrow(/PII_KEY/);
      expect(await stored(m.id)).toEqual(before);

      // rotation: the new key with the old one as PII_KEY_PREVIOUS re-seals every row; back again the same way
      const next = randomBytes(32).toString('hex');
      const rotated = await prepareIdNumbersAtRest({ PII_KEY: next, PII_KEY_PREVIOUS: key }, repo);
      const [{ other }] = await h.ds.query(`SELECT count(*)::int AS other FROM members WHERE id_number NOT LIKE $1`, [
        `v1.${rotated.keyId}.%`,
      ]);
      expect(other).toBe(0);
      expect((await stored(m.id)).id_number_blind_index).toBe(rotated.blindIndex(m.idNumber));
      // the old key alone no longer starts
      await expect(prepareIdNumbersAtRest({ PII_KEY: key }, repo)).rejects.toThrow(/PII_KEY/);
      await prepareIdNumbersAtRest({ PII_KEY: key, PII_KEY_PREVIOUS: next }, repo);
      expect(await whole()).toBe(m.idNumber);
      expect((await stored(m.id)).id_number_blind_index).toBe(before.id_number_blind_index);
    });
  });

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
