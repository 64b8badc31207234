import ExcelJS from 'exceljs';
import { randomUUID } from 'node:crypto';
import { ROSTER_HEADERS } from '../libs/registry/member-roster';
import { fileOrJson } from './support/binary';
import { Harness, startHarness } from './support/harness';

/**
 * The member roster (党员名册, GET /members/export) on real PostgreSQL: the members the list shows for the same
 * filter, all of them, in its order and masked as it masks them; the caller's scope only; bad filters are 4xx.
 */
describe('member roster export (e2e)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(() => h.close());

  const exportAs = async (user: string, query = '') =>
    h
      .http()
      .get(`/api/v1/members/export${query}`)
      .set(await h.as(user))
      .buffer(true)
      .parse(fileOrJson);
  /** The roster sheet as arrays of cell values, Excel's 1-based rows. */
  const sheet = async (body: Buffer) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as any);
    const ws = wb.getWorksheet('党员名册')!;
    const rows: unknown[][] = [];
    ws.eachRow({ includeEmpty: true }, (row, n) => (rows[n] = (row.values as unknown[]).slice(1)));
    return rows;
  };
  const list = async (user: string, query: string) =>
    (
      await h
        .http()
        .get(`/api/v1/members?pageSize=500${query}`)
        .set(await h.as(user))
    ).body.items;

  it('holds the members the list shows for the filter, masked as the list masks them, titled by the organization', async () => {
    const { firmAOrgId } = h.region.anchors;
    const res = await exportAs('city', `?orgId=${firmAOrgId}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const orgName = h.region.orgs.find((o) => o.id === firmAOrgId)!.name;
    expect(res.headers['content-disposition']).toContain(encodeURIComponent(`党员名册_${orgName}_`));
    const rows = await sheet(res.body);
    expect(rows[1][0]).toBe(`党员名册（${orgName}）`);
    const shown = await list('city', `&orgId=${firmAOrgId}`);
    expect(String(rows[2][0])).toContain(`共 ${shown.length} 名`);
    expect(rows[3]).toEqual([...ROSTER_HEADERS]);
    const body = rows.slice(4);
    expect(body.map((r) => [r[0], r[1], r[5], r[6]])).toEqual(
      shown.map((m: any, i: number) => [i + 1, m.name, m.idNumber, orgName]),
    );
    // masked: the ID numbers with asterisks, gender and birth date withheld and said so
    expect(body.every((r) => String(r[5]).includes('*') && r[2] === '已隐藏' && r[3] === '已隐藏')).toBe(true);
  });

  it('gives an administrator the full ID numbers, genders and birth dates; a branch only its own members', async () => {
    const { firmAOrgId, firmBOrgId } = h.region.anchors;
    const admin = await sheet((await exportAs('admin', `?orgId=${firmBOrgId}&status=full`)).body);
    const full = h.region.members.filter((m) => m.orgId === firmBOrgId && m.status === 'full');
    expect(
      admin
        .slice(4)
        .map((r) => r[5])
        .sort(),
    ).toEqual(full.map((m) => m.idNumber).sort());
    expect(
      admin.slice(4).every((r) => (r[2] === '男' || r[2] === '女') && /^\d{4}-\d{2}-\d{2}$/.test(String(r[3]))),
    ).toBe(true);
    expect(admin.slice(4).every((r) => r[4] === '正式党员')).toBe(true);

    // branch-b's whole scope: its own members, none of firm A's
    const mine = await sheet((await exportAs('branch-b')).body);
    expect(mine[1][0]).toBe('党员名册（管辖范围内全部党员）');
    const names = mine.slice(4).map((r) => r[1]);
    expect(names.sort()).toEqual(
      h.region.members
        .filter((m) => m.orgId === firmBOrgId)
        .map((m) => m.name)
        .sort(),
    );
    // another branch's organization is not found for it, rather than an empty roster
    const other = await exportAs('branch-b', `?orgId=${firmAOrgId}`);
    expect(other.status).toBe(404);
  });

  it('answers a bad filter with a 400 and an unknown organization with a 404', async () => {
    const bad = await exportAs('city', '?status=nobody');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await exportAs('city', '?orgId=not-a-uuid')).status).toBe(400);
    expect((await exportAs('city', `?orgId=${randomUUID()}`)).status).toBe(404);
  });
});
