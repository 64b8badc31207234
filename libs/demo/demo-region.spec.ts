import {
  buildDemoRegion,
  demoId,
  DemoMember,
  DemoOrg,
  DemoRegion,
  maskIdNumber,
  mulberry32,
  DEMO_REFERENCE_DATE,
} from './demo-region';
import { residentIdProblem } from '../common/resident-id';

/** The registry's own rule: demo members must pass it. */
const isValidIdNumber = (id: string) => residentIdProblem(id) === null;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('demo region', () => {
  let region: DemoRegion;
  let orgById: Map<string, DemoOrg>;
  let memberById: Map<string, DemoMember>;

  beforeAll(() => {
    region = buildDemoRegion();
    orgById = new Map(region.orgs.map((o) => [o.id, o]));
    memberById = new Map(region.members.map((m) => [m.id, m]));
  });

  /** ids of `rootId` and every org below it */
  const subtree = (rootId: string): Set<string> => {
    const out = new Set([rootId]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const o of region.orgs) {
        if (o.parentId && out.has(o.parentId) && !out.has(o.id)) {
          out.add(o.id);
          grew = true;
        }
      }
    }
    return out;
  };
  const fullMembersOf = (firmId: string, orgIds: Set<string>) =>
    region.members.filter((m) => m.firmId === firmId && m.status === 'full' && orgIds.has(m.orgId));

  it('is deterministic', () => {
    expect(buildDemoRegion()).toEqual(region);
    expect(JSON.stringify(buildDemoRegion())).toBe(JSON.stringify(region));
  });

  it('has a seeded PRNG and name-based ids', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    xs.forEach((x) => expect(x >= 0 && x < 1).toBe(true));
    expect(demoId('org', 'x')).toBe(demoId('org', 'x'));
    expect(demoId('org', 'x')).not.toBe(demoId('firm', 'x'));
    expect(demoId('org', 'x')).toMatch(UUID_RE);
  });

  it('has the expected sizes', () => {
    const counties = region.orgs.filter((o) => o.type === 'county_committee');
    expect(counties.length).toBeGreaterThanOrEqual(6);
    expect(region.firms.length).toBeGreaterThanOrEqual(40);
    expect(region.members.length).toBeGreaterThanOrEqual(300);
    const cov = (c: string) => region.firms.filter((f) => f.coverage === c).length;
    expect(cov('branch') / region.firms.length).toBeGreaterThan(0.45);
    expect(cov('joint_branch')).toBeGreaterThanOrEqual(8);
    expect(cov('instructor')).toBeGreaterThanOrEqual(5);
    expect(cov('none')).toBeGreaterThanOrEqual(1);
    expect(region.firms.some((f) => f.kind === 'branch_office')).toBe(true);
    expect(region.orgs.some((o) => o.type === 'general_branch')).toBe(true);
  });

  it('uses valid, unique UUIDs everywhere', () => {
    const ids = [...region.orgs.map((o) => o.id), ...region.firms.map((f) => f.id), ...region.members.map((m) => m.id)];
    ids.forEach((id) => expect(id).toMatch(UUID_RE));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses valid and unique resident ID numbers consistent with birth date and gender', () => {
    const seen = new Set<string>();
    const ref = Number(DEMO_REFERENCE_DATE.slice(0, 4));
    for (const m of region.members) {
      expect(isValidIdNumber(m.idNumber)).toBe(true);
      expect(m.idNumber.slice(0, 4)).toBe('3607');
      expect(m.idNumber.slice(6, 14)).toBe(m.birthDate.replace(/-/g, ''));
      expect(Number(m.idNumber[16]) % 2 === 1).toBe(m.gender === 'male');
      const age = ref - Number(m.birthDate.slice(0, 4));
      expect(age).toBeGreaterThanOrEqual(24);
      expect(age).toBeLessThanOrEqual(65);
      expect(seen.has(m.idNumber)).toBe(false);
      seen.add(m.idNumber);
    }
  });

  it('validates ID numbers', () => {
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('110105194912310021')).toBe(false); // wrong check digit
    expect(isValidIdNumber('11010519490231002X')).toBe(false); // 31 Feb... (0231)
    expect(isValidIdNumber('1101051949123100')).toBe(false);
    expect(isValidIdNumber('abc')).toBe(false);
  });

  it('uses unique licence numbers consistent with gender and firm county', () => {
    const lawyers = region.members.filter((m) => m.licenseNo);
    expect(lawyers.length).toBeGreaterThan(250);
    const firmById = new Map(region.firms.map((f) => [f.id, f]));
    const seen = new Set<string>();
    for (const m of lawyers) {
      const l = m.licenseNo!;
      expect(l).toMatch(/^1\d{16}$/);
      expect(l[11]).toBe(m.gender === 'male' ? '1' : '0');
      const year = Number(l.slice(7, 11));
      expect(year).toBeGreaterThanOrEqual(Number(m.birthDate.slice(0, 4)) + 22);
      expect(year).toBeLessThanOrEqual(2024);
      if (m.firmId) expect(l.slice(1, 7)).toBe(firmById.get(m.firmId)!.regionCode);
      expect(seen.has(l)).toBe(false);
      seen.add(l);
    }
    // staff members (no licence) exist too
    expect(region.members.some((m) => !m.licenseNo && m.firmId)).toBe(true);
  });

  it('has an intact org tree with a single root', () => {
    const roots = region.orgs.filter((o) => o.parentId === null);
    expect(roots).toHaveLength(1);
    expect(roots[0]).toMatchObject({ name: '江西省律师行业党委', type: 'provincial_committee', regionCode: '360000' });
    const seenSoFar = new Set<string>();
    for (const o of region.orgs) {
      if (o.parentId) {
        expect(orgById.has(o.parentId)).toBe(true);
        expect(seenSoFar.has(o.parentId)).toBe(true); // parents first
      }
      seenSoFar.add(o.id);
    }
    expect(subtree(roots[0].id).size).toBe(region.orgs.length);
    // firm organizations sit under their county org (sub-branches under their general branch)
    for (const o of region.orgs) {
      const parent = o.parentId ? orgById.get(o.parentId)! : null;
      if (o.type === 'county_committee') expect(parent!.type).toBe('city_committee');
      if (o.type === 'joint_branch' || o.type === 'general_branch') expect(parent!.type).toBe('county_committee');
      if (o.type === 'branch') expect(['county_committee', 'general_branch']).toContain(parent!.type);
      if (o.type === 'branch' || o.type === 'joint_branch' || o.type === 'general_branch') {
        const county = parent!.type === 'county_committee' ? parent! : orgById.get(parent!.parentId!)!;
        expect(o.county).toBe(county.county);
        expect(o.regionCode).toBe(county.regionCode);
      }
    }
    const city = region.orgs.find((o) => o.type === 'city_committee')!;
    expect(city).toMatchObject({ name: '赣州市律师行业党委', regionCode: '360700', parentId: roots[0].id });
    expect(region.orgs.find((o) => o.type === 'org_department')).toMatchObject({
      name: '中共赣州市委组织部',
      parentId: roots[0].id,
    });
    const codes = region.orgs.filter((o) => o.type === 'county_committee').map((o) => o.regionCode);
    expect(codes).toEqual(
      expect.arrayContaining(['360702', '360703', '360704', '360722', '360723', '360731', '360732', '360781']),
    );
  });

  it('places every member in an existing org, firm members in their firm organization', () => {
    const firmById = new Map(region.firms.map((f) => [f.id, f]));
    for (const m of region.members) {
      expect(orgById.has(m.orgId)).toBe(true);
      if (m.firmId) {
        const firm = firmById.get(m.firmId)!;
        expect(firm).toBeDefined();
        expect(subtree(firm.partyOrgId!).has(m.orgId)).toBe(true);
      } else {
        expect(orgById.get(m.orgId)!.type).toBe('city_committee');
      }
      if (m.status === 'full' || m.status === 'probationary') {
        expect(m.joinedOn).toBeDefined();
        expect(m.joinedOn! > m.birthDate).toBe(true);
        expect(m.joinedOn! <= DEMO_REFERENCE_DATE).toBe(true);
      } else {
        expect(m.joinedOn).toBeUndefined();
      }
    }
    expect(region.members.filter((m) => !m.firmId).length).toBeGreaterThanOrEqual(3);
    const statuses = new Set(region.members.map((m) => m.status));
    ['full', 'probationary', 'activist', 'applicant', 'candidate'].forEach((s) => expect(statuses).toContain(s));
    expect(region.members.filter((m) => m.status === 'full').length / region.members.length).toBeGreaterThan(0.7);
  });

  it('gives every branch-covered firm an organization with at least 3 full members', () => {
    for (const f of region.firms.filter((x) => x.coverage === 'branch')) {
      const org = orgById.get(f.partyOrgId!)!;
      expect(['branch', 'general_branch']).toContain(org.type);
      expect(fullMembersOf(f.id, subtree(org.id)).length).toBeGreaterThanOrEqual(3);
      if (org.type === 'general_branch') {
        const subs = region.orgs.filter((o) => o.parentId === org.id);
        expect(subs.length).toBeGreaterThanOrEqual(2);
        expect(region.members.filter((m) => m.firmId === f.id).length).toBeGreaterThanOrEqual(50);
        subs.forEach((s) => expect(fullMembersOf(f.id, new Set([s.id])).length).toBeGreaterThanOrEqual(3));
      }
    }
  });

  it('keeps joint branches to at most 5 firms with 1–2 full members each', () => {
    const jointFirms = region.firms.filter((f) => f.coverage === 'joint_branch');
    const byOrg = new Map<string, string[]>();
    for (const f of jointFirms) {
      const org = orgById.get(f.partyOrgId!)!;
      expect(org.type).toBe('joint_branch');
      expect(org.county).toBe(f.county);
      byOrg.set(org.id, [...(byOrg.get(org.id) ?? []), f.id]);
      const full = region.members.filter((m) => m.firmId === f.id && m.status === 'full');
      expect(full.length).toBeGreaterThanOrEqual(1);
      expect(full.length).toBeLessThanOrEqual(2);
      full.forEach((m) => expect(m.orgId).toBe(org.id));
    }
    for (const o of region.orgs.filter((x) => x.type === 'joint_branch')) {
      const fs = byOrg.get(o.id) ?? [];
      expect(fs.length).toBeGreaterThanOrEqual(2);
      expect(fs.length).toBeLessThanOrEqual(5);
      expect(region.members.filter((m) => m.orgId === o.id && m.status === 'full').length).toBeGreaterThanOrEqual(3);
    }
  });

  it('gives instructor firms an instructor and no members; uncovered firms have neither', () => {
    for (const f of region.firms.filter((x) => x.coverage === 'instructor' || x.coverage === 'none')) {
      expect(region.members.filter((m) => m.firmId === f.id)).toHaveLength(0);
      expect(f.partyOrgId).toBeUndefined();
      expect(f.directorMemberId).toBeUndefined();
      if (f.coverage === 'instructor') {
        const instructor = memberById.get(f.instructorId!)!;
        expect(instructor).toBeDefined();
        expect(instructor.status).toBe('full');
        expect(instructor.firmId).not.toBe(f.id);
      } else {
        expect(f.instructorId).toBeUndefined();
        expect(f.establishedOn >= '2025-01-01').toBe(true);
      }
    }
    const instructors = region.firms
      .filter((f) => f.coverage === 'instructor')
      .map((f) => memberById.get(f.instructorId!)!);
    expect(instructors.some((m) => !m.firmId)).toBe(true); // city committee staff
    expect(instructors.some((m) => !!m.firmId)).toBe(true); // lawyers of other firms
  });

  it('has consistent firm records', () => {
    const firmById = new Map(region.firms.map((f) => [f.id, f]));
    expect(new Set(region.firms.map((f) => f.name)).size).toBe(region.firms.length);
    const countyCodes = new Map(
      region.orgs.filter((o) => o.type === 'county_committee').map((o) => [o.county!, o.regionCode]),
    );
    region.firms.forEach((f, i) => {
      expect(f.name).toMatch(/律师事务所(.+分所)?$/);
      expect(countyCodes.get(f.county)).toBe(f.regionCode);
      expect(f.establishedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(f.directorName).toMatch(/^[\u4e00-\u9fa5]{2,4}$/);
      if (f.directorMemberId) {
        const d = memberById.get(f.directorMemberId)!;
        expect(d.firmId).toBe(f.id);
        expect(d.name).toBe(f.directorName);
      }
      if (f.headFirmId) {
        expect(f.kind).toBe('branch_office');
        const head = firmById.get(f.headFirmId)!;
        expect(head.kind).toBe('firm');
        expect(region.firms.indexOf(head)).toBeLessThan(i);
      }
    });
  });

  it('defines the demo users on existing orgs', () => {
    const byName = new Map(region.users.map((u) => [u.username, u]));
    expect([...byName.keys()].sort()).toEqual([
      'admin',
      'branch-a',
      'branch-b',
      'city',
      'county-zg',
      'joint-1',
      'orgdept',
      'supervisor',
    ]);
    for (const u of region.users) {
      expect(u.displayName).toMatch(/[\u4e00-\u9fa5]/);
      u.roles.forEach((r) => expect(orgById.has(r.orgId)).toBe(true));
    }
    const a = region.anchors;
    const role = (u: string) => byName.get(u)!.roles[0];
    expect(role('admin')).toEqual({ role: 'admin', orgId: a.provinceId });
    expect(role('supervisor')).toEqual({ role: 'supervisor', orgId: a.provinceId });
    expect(byName.get('supervisor')!.displayName).toBe('省律协党委督查员');
    expect(role('city')).toEqual({ role: 'clerk', orgId: a.cityId });
    expect(role('county-zg')).toEqual({ role: 'clerk', orgId: a.zhangGongCountyId });
    expect(role('branch-a')).toEqual({ role: 'clerk', orgId: a.firmAOrgId });
    expect(role('branch-b')).toEqual({ role: 'clerk', orgId: a.firmBOrgId });
    expect(role('joint-1')).toEqual({ role: 'clerk', orgId: a.jointBranch1Id });
    expect(role('orgdept')).toEqual({ role: 'orgdept', orgId: a.orgDeptId });
  });

  it('has correct anchors', () => {
    const a = region.anchors;
    const firmA = region.firms.find((f) => f.id === a.firmAId)!;
    const firmB = region.firms.find((f) => f.id === a.firmBId)!;
    expect(orgById.get(a.provinceId)!.type).toBe('provincial_committee');
    expect(orgById.get(a.cityId)!.name).toBe('赣州市律师行业党委');
    expect(orgById.get(a.orgDeptId)!.name).toBe('中共赣州市委组织部');
    expect(orgById.get(a.zhangGongCountyId)).toMatchObject({
      type: 'county_committee',
      county: '章贡区',
      regionCode: '360702',
    });

    expect(firmA).toMatchObject({ county: '章贡区', coverage: 'branch', partyOrgId: a.firmAOrgId });
    const orgA = orgById.get(a.firmAOrgId)!;
    expect(orgA).toMatchObject({ type: 'branch', parentId: a.zhangGongCountyId });
    expect(fullMembersOf(firmA.id, new Set([orgA.id])).length).toBeGreaterThanOrEqual(7);

    expect(firmB).toMatchObject({ county: '南康区', coverage: 'branch', partyOrgId: a.firmBOrgId });
    expect(orgById.get(a.firmBOrgId)).toMatchObject({ type: 'branch', county: '南康区' });
    expect(fullMembersOf(firmB.id, new Set([a.firmBOrgId])).length).toBeGreaterThanOrEqual(3);

    expect(orgById.get(a.jointBranch1Id)).toMatchObject({
      type: 'joint_branch',
      county: '章贡区',
      parentId: a.zhangGongCountyId,
    });
  });

  it('masks ID numbers: neither the birth date nor the sex digit shows', () => {
    expect(maskIdNumber('360702199001011234')).toBe('3607**********12*4');
    expect(maskIdNumber('36070219900101123X')).toBe('3607**********12*X');
    expect(maskIdNumber('1234')).toBe('****');
    expect(maskIdNumber('')).toBe('');
    for (const m of region.members.slice(0, 20)) {
      const masked = maskIdNumber(m.idNumber);
      expect(masked).toMatch(/^3607\*{10}\d\d\*[\dX]$/);
      expect(masked).not.toContain(m.birthDate.replace(/-/g, ''));
    }
  });
});
