import { OrganizationsRepository } from '../../libs/registry/organizations.repository';
import { inScope, scopePrefixes } from '../../libs/registry/scope';
import { startDatabase, TestDatabase } from '../support/database';

describe('OrganizationsRepository (real PostgreSQL)', () => {
  let db: TestDatabase;
  let orgs: OrganizationsRepository;

  beforeAll(async () => {
    db = await startDatabase([OrganizationsRepository]);
    orgs = db.get(OrganizationsRepository);
  }, 30_000);
  afterAll(() => db.close());

  const city = () => db.region.orgs.find((o) => o.id === db.region.anchors.cityId)!;
  const county = () => db.region.orgs.find((o) => o.id === db.region.anchors.zhangGongCountyId)!;

  it('finds the city committee of any region code of its city', async () => {
    const c = city();
    expect((await orgs.cityCommitteeOf(c.regionCode))?.id).toBe(c.id);
    expect((await orgs.cityCommitteeOf(county().regionCode))?.id).toBe(c.id);
    expect(await orgs.cityCommitteeOf('110100')).toBeUndefined();
  });

  it('finds the county committee by region code, else by county name', async () => {
    const k = county();
    expect((await orgs.countyCommitteeOf({ regionCode: k.regionCode }))?.id).toBe(k.id);
    expect((await orgs.countyCommitteeOf({ county: k.county ?? null }))?.id).toBe(k.id);
    expect((await orgs.countyCommitteeOf({ regionCode: '000000', county: k.county ?? null }))?.id).toBe(k.id);
    expect(await orgs.countyCommitteeOf({ regionCode: '000000', county: '无此县' })).toBeUndefined();
  });

  it('refuses a second committee for a region (unique index), and prefers a region-code match by county', async () => {
    const c = city();
    const k = county();
    const province = db.region.orgs.find((o) => o.id === db.region.anchors.provinceId)!;
    const provincePath = (await orgs.findById(province.id))!.path;
    // one city committee per region code: the database refuses a second one (lookups have one answer)
    await expect(
      db.ds.transaction((em) =>
        orgs.insertChild(
          em,
          { name: '重复市委', type: 'city_committee', regionCode: c.regionCode, county: null },
          { id: province.id, path: provincePath },
        ),
      ),
    ).rejects.toThrow(/orgs_one_committee_per_region_idx/);
    for (let i = 0; i < 5; i++) expect((await orgs.cityCommitteeOf(c.regionCode))?.id).toBe(c.id);
    // a county committee named like the county but of another region code: the region-code match wins
    const cityPath = (await orgs.findById(c.id))!.path;
    const other = await db.ds.transaction((em) =>
      orgs.insertChild(
        em,
        { name: '同名县委', type: 'county_committee', regionCode: '360799', county: k.county ?? null },
        {
          id: c.id,
          path: cityPath,
        },
      ),
    );
    expect((await orgs.countyCommitteeOf({ regionCode: k.regionCode, county: k.county ?? null }))?.id).toBe(k.id);
    expect((await orgs.countyCommitteeOf({ regionCode: '360799', county: k.county ?? null }))?.id).toBe(other);
    await db.ds.query(`DELETE FROM orgs WHERE id = ANY($1::uuid[])`, [[other]]);
  });

  it('inserts a child with its materialized path and lists subtrees', async () => {
    const k = county();
    const kPath = (await orgs.findById(k.id))!.path;
    const id = await db.ds.transaction((em) =>
      orgs.insertChild(
        em,
        { name: '测试支部', type: 'branch', regionCode: k.regionCode, county: k.county ?? null },
        {
          id: k.id,
          path: kPath,
        },
      ),
    );
    const row = await orgs.findById(id);
    expect(row).toMatchObject({ name: '测试支部', parentId: k.id, path: `${kPath}${id}/` });
    const subtree = await orgs.inSubtrees([`${kPath}%`]);
    expect(subtree[0].id).toBe(k.id);
    expect(subtree.map((o) => o.id)).toContain(id);
    expect(subtree.every((o) => o.path.startsWith(kPath))).toBe(true);
  });

  it('returns ancestors of the named orgs and every organization department in one call', async () => {
    const rows = await db.ds.transaction((em) => orgs.withAncestorsAndDepartments(em, [db.region.anchors.firmAOrgId]));
    const ids = rows.filter((r) => !r.dept).map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([db.region.anchors.provinceId, db.region.anchors.cityId, db.region.anchors.firmAOrgId]),
    );
    expect(rows.filter((r) => r.dept).map((r) => r.id)).toContain(db.region.anchors.orgDeptId);
  });

  it('scope prefixes match what SQL LIKE would', async () => {
    const principal = {
      userId: 'u',
      username: 'u',
      displayName: 'u',
      roles: [{ role: 'clerk' as const, orgId: county().id }],
    };
    const prefixes = await scopePrefixes(orgs, principal as any);
    const kPath = (await orgs.findById(county().id))!.path;
    expect(prefixes).toEqual([`${kPath}%`]);
    expect(inScope(`${kPath}abc/`, prefixes)).toBe(true);
    expect(inScope((await orgs.findById(city().id))!.path, prefixes)).toBe(false);
    expect(inScope('/anything/', ['%'])).toBe(true);
  });

  it('tells upper committees and joint branches apart', async () => {
    expect(await orgs.anyUpperCommittee([db.region.anchors.firmAOrgId])).toBe(false);
    expect(await orgs.anyUpperCommittee([db.region.anchors.firmAOrgId, db.region.anchors.cityId])).toBe(true);
    const n = await db.ds.transaction((em) => orgs.jointBranchUnitCount(em, db.region.anchors.jointBranch1Id));
    expect(n).toBeGreaterThan(0);
    expect(await db.ds.transaction((em) => orgs.jointBranchUnitCount(em, db.region.anchors.firmAOrgId))).toBeNull();
  });
});
