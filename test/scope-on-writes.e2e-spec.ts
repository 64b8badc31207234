import { randomUUID } from 'node:crypto';
import { residentIdCheckChar } from '../libs/common/resident-id';
import { signLicensingBody } from '../libs/licensing/signature';
import { fullMembersOf, Harness, startHarness } from './support/harness';

const SECRET = 'scope-test-licensing-secret';

/** A valid resident ID number born on the given day (sequence picks the person). */
const residentId = (born: string, seq: number) => {
  const first17 = `360702${born.replace(/-/g, '')}${String(seq).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
};

/**
 * Scope on writes (issue 11, item 5): what a clerk names in a write must lie in their scope, and the
 * answers must not reveal what lies outside it.
 */
describe('scope on writes (e2e)', () => {
  let h: Harness;
  const a = () => h.region.anchors;
  beforeAll(async () => {
    // a callback URL so that status deliveries exist; nothing listens there (port 9 on loopback)
    h = await startHarness({
      LICENSING_WEBHOOK_SECRET: SECRET,
      LICENSING_CALLBACK_URL: 'http://127.0.0.1:9/licensing/callback',
      WEBHOOK_ALLOW_CIDRS: '127.0.0.0/8',
    });
  }, 60_000);
  afterAll(() => h.close());

  const post = async (user: string, path: string, body: object) =>
    h
      .http()
      .post(`/api/v1${path}`)
      .set(await h.as(user))
      .send(body);
  const get = async (user: string, path: string) =>
    h
      .http()
      .get(`/api/v1${path}`)
      .set(await h.as(user));

  it('a transfer cannot name another organization as the sending one', async () => {
    const [member] = fullMembersOf(h.region, a().firmAOrgId);
    const res = await post('branch-a', '/cases', {
      workflow: 'membership-transfer',
      subject: { memberId: member.id },
      input: { toOrgId: a().firmBOrgId, fromOrgId: a().jointBranch1Id },
    });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'RULE_VIOLATION' });
    expect(
      (await h.ds.query(`SELECT count(*)::int AS n FROM cases WHERE subject_member_id = $1`, [member.id]))[0].n,
    ).toBe(0);
  });

  it('an opening or an event cannot name an organization outside the caller’s scope (same answer as an unknown one)', async () => {
    // the organization department hangs under the province: outside the city committee's subtree
    const branchOffice = h.region.firms.find((f) => f.kind === 'branch_office' && !f.partyOrgId)!;
    const outside = await post('city', '/cases', {
      workflow: 'branch-formation',
      subject: { firmId: branchOffice.id },
      input: { trigger: 'branch_office_established', headFirmOrgId: a().orgDeptId },
    });
    const unknown = await post('city', '/cases', {
      workflow: 'branch-formation',
      subject: { firmId: branchOffice.id },
      input: { trigger: 'branch_office_established', headFirmOrgId: randomUUID() },
    });
    for (const res of [outside, unknown])
      expect({ status: res.status, code: res.body.code, details: res.body.details }).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
        details: [{ field: 'input.headFirmOrgId', errors: ['组织不存在或不在您的管辖范围内'] }],
      });
    expect(outside.body.message).toBe(unknown.body.message);
  });

  it('a member cannot be registered into a firm outside the clerk’s scope', async () => {
    const res = await post('branch-b', '/members', {
      name: '范围外律师',
      idNumber: residentId('1990-03-04', 101),
      birthDate: '1990-03-04',
      firmId: a().firmAId,
      orgId: a().firmBOrgId,
      status: 'applicant',
    });
    expect({ status: res.status, code: res.body.code, details: res.body.details }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      details: [{ field: 'firmId', errors: ['律师事务所不存在'] }],
    });
    const own = await post('branch-b', '/members', {
      name: '本所律师',
      idNumber: residentId('1990-03-04', 103),
      birthDate: '1990-03-04',
      firmId: a().firmBId,
      orgId: a().firmBOrgId,
      status: 'applicant',
    });
    expect(own.status).toBe(201);
  });

  it('POST /members does not reveal an ID number registered outside the clerk’s scope; admins see the duplicate', async () => {
    const elsewhere = fullMembersOf(h.region, a().firmAOrgId)[1];
    const body = {
      name: '重名者',
      idNumber: elsewhere.idNumber,
      birthDate: elsewhere.birthDate,
      orgId: a().firmBOrgId,
      status: 'applicant',
    };
    const res = await post('branch-b', '/members', body);
    expect(res.status).toBe(201);
    expect(res.body).not.toHaveProperty('duplicateOf');
    // inside the clerk's scope a duplicate is still a 409 (now the one just registered, too)
    expect((await post('branch-a', '/members', { ...body, orgId: a().firmAOrgId })).status).toBe(409);
    expect((await post('branch-b', '/members', body)).status).toBe(409);
    const dups = await get('admin', '/members?duplicates=true');
    expect(dups.body.items).toEqual([expect.objectContaining({ id: res.body.id, duplicateOf: elsewhere.id })]);
    expect((await get('branch-b', '/members?duplicates=true')).status).toBe(403);
  });

  it('committees: one per type and region, and only the kinds the table allows under each parent', async () => {
    const county = await post('county-zg', '/orgs', {
      name: '章贡区第二党委',
      type: 'county_committee',
      parentId: a().zhangGongCountyId,
    });
    expect({ status: county.status, code: county.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const city = await post('city', '/orgs', { name: '又一个市委', type: 'city_committee', parentId: a().cityId });
    expect(city.status).toBe(400);
    const second = await post('city', '/orgs', {
      name: '章贡区律师行业党委（重复）',
      type: 'county_committee',
      parentId: a().cityId,
      regionCode: '360702',
    });
    expect({ status: second.status, code: second.body.code }).toEqual({ status: 409, code: 'DUPLICATE' });
    const foreign = await post('city', '/orgs', {
      name: '南昌某区党委',
      type: 'county_committee',
      parentId: a().cityId,
      regionCode: '360102',
    });
    expect(foreign.status).toBe(400);
    // the database refuses a second committee for a region even when the service's check is bypassed
    await expect(
      h.ds.query(
        `INSERT INTO orgs (name, type, parent_id, path, region_code) VALUES ('x', 'city_committee', $1, '/x/', '360700')`,
        [a().provinceId],
      ),
    ).rejects.toThrow(/orgs_one_committee_per_region_idx/);
    const branch = await post('county-zg', '/orgs', {
      name: '章贡区新设支部',
      type: 'branch',
      parentId: a().zhangGongCountyId,
    });
    expect(branch.status).toBe(201);
  });

  it('licensing applications and deliveries are visible only to the city they concern', async () => {
    // a second city with its own committee clerk
    const nanchang = await post('admin', '/orgs', {
      name: '南昌市律师行业党委',
      type: 'city_committee',
      parentId: a().provinceId,
      regionCode: '360100',
    });
    expect(nanchang.status).toBe(201);
    const user = await post('admin', '/users', {
      username: 'nanchang',
      displayName: '南昌市党务干事',
      password: 'nanchang-pass-1',
      roles: [{ role: 'clerk', orgId: nanchang.body.id }],
    });
    expect(user.status).toBe(201);
    const login = await h.http().post('/api/v1/auth/token').send({ username: 'nanchang', password: 'nanchang-pass-1' });
    const nc = { Authorization: `Bearer ${login.body.accessToken}` };

    const m = h.region.members.filter((x) => x.firmId === a().firmAId && x.status === 'full' && x.licenseNo)[3];
    const ref = `SC-${randomUUID().slice(0, 8)}`;
    const raw = JSON.stringify({
      eventId: `scope-${randomUUID()}`,
      type: 'firm-transfer.applied',
      occurredAt: new Date().toISOString(),
      lawyer: { licenseNo: m.licenseNo, name: m.name, idNumber: m.idNumber, isPartyMember: true },
      fromFirmId: a().firmAId,
      toFirmId: a().firmBId,
      applicationRef: ref,
    });
    const applied = await h
      .http()
      .post('/api/v1/integrations/licensing/events')
      .set('Content-Type', 'application/json')
      .set('X-Signature', signLicensingBody(SECRET, raw))
      .send(raw);
    expect(applied.status).toBe(202);
    // withdraw it: a status change, so a delivery row exists
    const withdrawn = JSON.stringify({
      eventId: `scope-${randomUUID()}`,
      type: 'firm-transfer.withdrawn',
      occurredAt: new Date().toISOString(),
      lawyer: { licenseNo: m.licenseNo, name: m.name, idNumber: m.idNumber, isPartyMember: true },
      applicationRef: ref,
    });
    await h
      .http()
      .post('/api/v1/integrations/licensing/events')
      .set('Content-Type', 'application/json')
      .set('X-Signature', signLicensingBody(SECRET, withdrawn))
      .send(withdrawn);

    expect((await get('city', `/integrations/licensing/applications/${ref}`)).status).toBe(200);
    const foreign = await h.http().get(`/api/v1/integrations/licensing/applications/${ref}`).set(nc);
    expect({ status: foreign.status, code: foreign.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });

    const mine = await get('city', `/integrations/licensing/deliveries?applicationRef=${ref}`);
    expect(mine.body.items.length).toBeGreaterThan(0);
    const theirs = await h.http().get(`/api/v1/integrations/licensing/deliveries?applicationRef=${ref}`).set(nc);
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
    const events = await h.http().get('/api/v1/integrations/licensing/events').set(nc);
    expect(events.body.items.filter((e: any) => e.applicationRef === ref)).toEqual([]);
    const cityEvents = await get('city', '/integrations/licensing/events');
    expect(cityEvents.body.items.filter((e: any) => e.applicationRef === ref).length).toBe(2);
  });
});
