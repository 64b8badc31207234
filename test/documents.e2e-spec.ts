import { maskIdNumber } from '../libs/registry/id-number';
import { DocumentsService } from '../libs/documents/documents.service';
import { CjkFonts } from '../libs/documents/cjk-font';
import { drawnGlyphIds, pdfFonts, pdfText, renderPages } from './support/pdf';
import { fullMembersOf, Harness, startHarness } from './support/harness';
import { beijingDay } from './support/dates';
import { fileOrJson } from './support/binary';

/**
 * Printable documents (`GET /cases/:id/documents/:kind`) end to end: the transfer letter, its receipt and the
 * annual-review summary come out as PDFs with an embedded CJK font, poppler extracts the Chinese text and
 * renders every page (kept under screenshots/ to look at), and no character is drawn as the empty glyph.
 */
describe('printable documents (e2e)', () => {
  jest.setTimeout(90_000);
  let h: Harness;
  let branchA: { Authorization: string };
  let branchB: { Authorization: string };
  let city: { Authorization: string };
  let supervisor: { Authorization: string };
  let member: ReturnType<typeof fullMembersOf>[number];
  let transferId: string;
  const LETTER_NO = '赣律党转〔2026〕88号';
  const today = () => beijingDay();
  const future = (days: number) => beijingDay(days);

  const get = (path: string, headers: { Authorization: string }) =>
    h.http().get(path).set(headers).buffer(true).parse(fileOrJson);
  const send = async (id: string, headers: { Authorization: string }, body: Record<string, unknown>) => {
    const res = await h.http().post(`/api/v1/cases/${id}/events`).set(headers).send(body);
    if (res.status !== 200) throw new Error(`${String(body.type)}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  /** A PDF response checked the way a reader would: fonts embedded, no empty glyphs, pages with ink. */
  function checkPdf(body: Buffer, name: string) {
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const fonts = pdfFonts(body);
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.every((f) => f.embedded && /NotoSerifCJKsc/.test(f.name))).toBe(true);
    const glyphs = drawnGlyphIds(body);
    expect(glyphs.length).toBeGreaterThan(50);
    expect(glyphs.filter((g) => g === 0)).toEqual([]);
    const pages = renderPages(body, name);
    expect(pages.length).toBeGreaterThan(0);
    expect(pages[0].inkShare).toBeGreaterThan(0.005);
    for (const p of pages) expect(p.inkShare).toBeGreaterThan(0);
    return pdfText(body).replace(/[ \t]+/g, ' ');
  }

  beforeAll(async () => {
    h = await startHarness();
    [branchA, branchB, city, supervisor] = await Promise.all(
      ['branch-a', 'branch-b', 'city', 'supervisor'].map((u) => h.as(u)),
    );
    member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[0];
    const opened = await h
      .http()
      .post('/api/v1/cases')
      .set(branchA)
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    expect(opened.status).toBe(201);
    transferId = opened.body.id;
  });
  afterAll(() => h.close());

  it('has no letter before the committee issues it, then prints it in the national layout', async () => {
    const before = await get(`/api/v1/cases/${transferId}/documents/transfer-letter`, branchA);
    expect(before.status).toBe(404);
    expect(before.body).toMatchObject({ code: 'DOCUMENT_NOT_AVAILABLE', message: '上级党组织尚未开具介绍信' });
    const list = await get(`/api/v1/cases/${transferId}/documents`, branchA);
    expect(list.body).toEqual([
      expect.objectContaining({ kind: 'transfer-letter', available: false }),
      expect.objectContaining({ kind: 'transfer-receipt', available: false }),
    ]);

    await send(transferId, branchA, { type: 'APPROVE_RELEASE' });
    await send(transferId, city, { type: 'ISSUE_LETTER', data: { letterNo: LETTER_NO, validUntil: future(59) } });

    const res = await get(`/api/v1/cases/${transferId}/documents/transfer-letter`, city);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toContain(encodeURIComponent('党员组织关系介绍信'));
    const text = checkPdf(res.body, 'document-transfer-letter');
    const orgName = (id: string) => h.region.orgs.find((o) => o.id === id)!.name;
    // stub, letter and receipt each carry the letter number, and so do the two cut lines (骑缝)
    expect(text.split(LETTER_NO).length - 1).toBe(5);
    expect(text).toContain('中国共产党党员组织关系介绍信');
    expect(text).toContain('（存根）');
    expect(text).toContain('介绍信回执');
    expect(text).toContain(member.name);
    expect(text).toContain(member.idNumber); // the clerk prints the whole ID number
    expect(text).toContain(orgName(h.region.anchors.firmBOrgId));
    expect(text).toContain(orgName(h.region.anchors.firmAOrgId));
    expect(text).toContain(orgName(h.region.anchors.cityId)); // the issuing committee signs
    expect(text).toContain('有效期 60 天');
    expect(text).toContain('（盖章）');

    // a supervisor reading along gets the letter with the ID number masked
    const asSupervisor = await get(`/api/v1/cases/${transferId}/documents/transfer-letter`, supervisor);
    expect(asSupervisor.status).toBe(200);
    const masked = pdfText(asSupervisor.body);
    expect(masked).not.toContain(member.idNumber);
    expect(masked).toContain(maskIdNumber(member.idNumber));
  });

  it('fills the receipt in once the member has reported', async () => {
    expect((await get(`/api/v1/cases/${transferId}/documents/transfer-receipt`, branchB)).status).toBe(404);
    await send(transferId, branchB, { type: 'ACCEPT' });
    await send(transferId, branchB, { type: 'RECORD_REPORT', data: { reportedOn: today() } });
    const res = await get(`/api/v1/cases/${transferId}/documents/transfer-receipt`, branchB);
    expect(res.status).toBe(200);
    const text = checkPdf(res.body, 'document-transfer-receipt');
    const [y, m, d] = today().split('-').map(Number);
    expect(text).toContain('中国共产党党员组织关系介绍信回执');
    expect(text).toContain(LETTER_NO);
    expect(text).toContain(`${member.name} 同志的党员组织关系已转达我处，特此回执。`);
    expect(text).toContain(`${y}年${m}月${d}日`);
  });

  it('prints the annual-review summary of an organization once it is graded', async () => {
    const orgId = h.region.anchors.firmAOrgId;
    const full = (await h.ds.query(`SELECT id, name FROM members WHERE org_id = $1 AND status = 'full' ORDER BY name`, [
      orgId,
    ])) as {
      id: string;
      name: string;
    }[];
    const opened = await h
      .http()
      .post('/api/v1/cases')
      .set(city)
      .send({ workflow: 'annual-review', subject: { orgId }, input: { year: 2025 } });
    expect(opened.status).toBe(201);
    const id = opened.body.id;
    expect((await get(`/api/v1/cases/${id}/documents/annual-review-summary`, city)).body.code).toBe(
      'DOCUMENT_NOT_AVAILABLE',
    );
    await send(id, branchA, { type: 'RECORD_SELF_ASSESSMENTS', data: { memberIds: full.map((m) => m.id) } });
    await send(id, branchA, { type: 'RECORD_PEER_REVIEW', data: {} });
    await send(id, branchA, {
      type: 'RECORD_MEETING',
      data: { heldOn: today(), branchComment: '支部班子团结，组织生活规范，党员作用发挥明显。' },
    });
    await send(id, city, { type: 'RECORD_LEADER_COMMENT', data: { comment: '继续加强党员教育管理。' } });
    const ratings = Object.fromEntries(full.map((m, i) => [m.id, i === 0 ? 'excellent' : 'qualified']));
    await send(id, branchA, { type: 'SUBMIT_RATINGS', data: { ratings } });
    const secretary = await h
      .http()
      .put(`/api/v1/orgs/${orgId}/secretary`)
      .set(branchA)
      .send({ secretaryId: full[0].id, electedOn: today() });
    expect(secretary.status).toBe(200);
    await send(id, branchA, { type: 'SUBMIT_REPORT', data: { summary: '全年召开支部党员大会四次，完成党费收缴。' } });
    await send(id, city, { type: 'SCORE', data: { score: 88 } });

    const res = await get(`/api/v1/cases/${id}/documents/annual-review-summary`, supervisor);
    expect(res.status).toBe(200);
    const text = checkPdf(res.body, 'document-annual-review-summary');
    expect(text).toContain('2025年度基层党组织考核评议情况汇总表');
    expect(text).toContain(h.region.orgs.find((o) => o.id === orgId)!.name);
    expect(text).toContain('88 分');
    expect(text).toContain('先进（一类）');
    expect(text).toContain(`优秀 1 名，合格 ${full.length - 1} 名`);
    for (const m of full) expect(text).toContain(m.name);
    expect(text).toContain('全年召开支部党员大会四次');
  });

  it('answers 404 for unknown kinds, other procedures and cases out of scope', async () => {
    const unknown = await get(`/api/v1/cases/${transferId}/documents/birth-certificate`, city);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    const other = await get(`/api/v1/cases/${transferId}/documents/annual-review-summary`, city);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('DOCUMENT_NOT_AVAILABLE');
    // branch-b of 南康区 ... but a clerk of an unrelated joint branch does not see the case at all
    const outsider = await get(`/api/v1/cases/${transferId}/documents/transfer-letter`, await h.as('joint-1'));
    expect(outsider.status).toBe(404);
    expect(outsider.body.code).toBe('NOT_FOUND');
    expect((await get(`/api/v1/cases/not-a-uuid/documents/transfer-letter`, city)).status).toBe(404);
  });

  it('answers 503 PDF_FONT_UNAVAILABLE when the server has no CJK font', async () => {
    const service = h.app.get(DocumentsService);
    const real = (service as any).fonts;
    (service as any).fonts = new CjkFonts(['/nonexistent/fonts']);
    try {
      const res = await get(`/api/v1/cases/${transferId}/documents/transfer-letter`, city);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'PDF_FONT_UNAVAILABLE' });
      expect(res.body.message).toContain('fonts-noto-cjk');
    } finally {
      (service as any).fonts = real;
    }
  });
});
