import ExcelJS from 'exceljs';
import type { Response } from 'supertest';
import { AuditService } from '../libs/audit/audit.service';
import { ClockSync } from '../libs/engine/clock-sync.service';
import { fullMembersOf, Harness, startHarness } from './support/harness';
import { beijingDay } from './support/dates';
import { fileOrJson } from './support/binary';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HEADERS = [
  '序号',
  '时间',
  '流程',
  '案件编号',
  '办理对象',
  '环节（前→后）',
  '事项',
  '办理人',
  '角色',
  '所在组织',
  '意见/说明',
  '哈希',
];

/** The ledger workbook a response carries, its sheets as arrays of row values (1-based rows, like Excel). */
async function readLedger(res: Response) {
  expect(res.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.body as any);
  const rows = (name: string) => {
    const ws = wb.getWorksheet(name)!;
    const out: any[][] = [];
    // rich text (the title) as its plain text
    ws.eachRow(
      { includeEmpty: true },
      (row, n) =>
        (out[n] = (row.values as any[])
          .slice(1)
          .map((v) => (v?.richText ? v.richText.map((t: any) => t.text).join('') : v))),
    );
    return out;
  };
  return { wb, ledger: rows('台帐'), check: rows('校验') };
}

/** `2026-03-02 10:05` in Asia/Shanghai (UTC+8, no daylight saving). */
const shanghai = (iso: string) =>
  new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

/**
 * `GET /audit/export`: the ledger (台帐) of the audit log as an `.xlsx` workbook, end to end on real
 * PostgreSQL and Redis — the same filter and scope as `GET /audit/events`, Chinese titles and names,
 * hashes as the history shows them, the chain verification sheet, the row cap and bad filters.
 */
describe('audit ledger export (e2e)', () => {
  let h: Harness;
  let branchA: { Authorization: string };
  let city: { Authorization: string };
  let supervisor: { Authorization: string };
  let members: ReturnType<typeof fullMembersOf>;
  let caseId: string;
  let history: any[];
  const future = (days: number) => beijingDay(days);

  const exportAs = (headers: { Authorization: string }, query = '') =>
    h.http().get(`/api/v1/audit/export${query}`).set(headers).buffer(true).parse(fileOrJson);
  const send = (id: string, headers: { Authorization: string }, body: Record<string, unknown>) =>
    h.http().post(`/api/v1/cases/${id}/events`).set(headers).send(body);
  const open = async (memberId: string) => {
    const res = await h
      .http()
      .post('/api/v1/cases')
      .set(branchA)
      .send({
        workflow: 'membership-transfer',
        subject: { memberId },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    h = await startHarness();
    branchA = await h.as('branch-a');
    city = await h.as('city');
    supervisor = await h.as('supervisor');
    members = fullMembersOf(h.region, h.region.anchors.firmAOrgId);
    caseId = await open(members[0].id);
    expect((await send(caseId, branchA, { type: 'APPROVE_RELEASE', comment: '同意转出，请接收' })).status).toBe(200);
    expect(
      (
        await send(caseId, city, {
          type: 'ISSUE_LETTER',
          data: { letterNo: '赣律党转〔2026〕7号', validUntil: future(60) },
        })
      ).status,
    ).toBe(200);
    history = (await h.http().get(`/api/v1/cases/${caseId}/history`).set(city)).body;
    expect(history.map((r) => r.type)).toEqual(['OPEN', 'APPROVE_RELEASE', 'ISSUE_LETTER']);
  });
  afterAll(() => h.close());

  it('exports the ledger as an .xlsx attachment with a Chinese file name', async () => {
    const res = await exportAs(supervisor, '?workflow=membership-transfer');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX);
    const disposition = /^attachment; filename\*=UTF-8''([^;\s]+)$/.exec(res.headers['content-disposition']);
    expect(disposition).not.toBeNull();
    expect(decodeURIComponent(disposition![1])).toMatch(/^律师行业党建流程台帐_\d{8}-\d{4}\.xlsx$/);
    expect(Number(res.headers['content-length'])).toBe((res.body as Buffer).length);
    const { wb } = await readLedger(res);
    expect(wb.worksheets.map((ws) => ws.name)).toEqual(['台帐', '校验']);
  });

  it('lists the case’s events in order, in Chinese, with the hashes of its history', async () => {
    const res = await exportAs(supervisor, '?workflow=membership-transfer');
    const { wb, ledger } = await readLedger(res);
    const sheet = wb.getWorksheet('台帐')!;
    // title row: the ledger's name, the filter and the export time; then the header row, frozen, with an auto filter
    expect(ledger[1][0]).toContain('律师行业党建流程台帐');
    expect(ledger[1][0]).toContain('流程：组织关系接转');
    expect(ledger[1][0]).toMatch(/导出时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）/);
    expect(ledger[2]).toEqual(HEADERS);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(sheet.autoFilter).toBeTruthy();
    expect(sheet.getColumn(12).width).toBeGreaterThanOrEqual(64);

    const body = ledger.slice(3);
    body.forEach((r, i) => expect(r[0]).toBe(i + 1));
    // every event is named by its Chinese title, never by its raw type
    body.forEach((r) => expect(r[6]).toMatch(/[\u4e00-\u9fa5]/));

    const mine = body.filter((r) => r[3] === caseId);
    const orgName = (id: string) => h.region.orgs.find((o) => o.id === id)!.name;
    const displayName = (u: string) => h.region.users.find((x) => x.username === u)!.displayName;
    expect(mine.map((r) => r[6])).toEqual(['发起流程', '同意转出', '开具组织关系介绍信']);
    expect(mine.map((r) => r[11])).toEqual(history.map((r) => r.hash));
    expect(mine.map((r) => r[1])).toEqual(history.map((r) => shanghai(r.at)));
    mine.forEach((r) => {
      expect(r[2]).toBe('组织关系接转');
      expect(r[4]).toBe(members[0].name);
    });
    expect(mine[0].slice(5, 10)).toEqual([
      '— → 转出审核',
      '发起流程',
      displayName('branch-a'),
      '党务干事',
      orgName(h.region.anchors.firmAOrgId),
    ]);
    expect(mine[1].slice(5, 11)).toEqual([
      '转出审核 → 开具组织关系介绍信',
      '同意转出',
      displayName('branch-a'),
      '党务干事',
      orgName(h.region.anchors.firmAOrgId),
      '同意转出，请接收',
    ]);
    expect(mine[2].slice(5, 10)).toEqual([
      '开具组织关系介绍信 → 接收审核',
      '开具组织关系介绍信',
      displayName('city'),
      '党务干事',
      orgName(h.region.anchors.cityId),
    ]);

    // the same rows, in the same order, as GET /audit/events with the same filter
    const events = await h
      .http()
      .get('/api/v1/audit/events?workflow=membership-transfer&pageSize=1000')
      .set(supervisor);
    expect(body.map((r) => r[11])).toEqual(events.body.items.map((e: any) => e.hash));
  });

  it('GET /audit/events names whose case each event is, as the ledger’s 办理对象 does', async () => {
    const events = await h
      .http()
      .get('/api/v1/audit/events?workflow=membership-transfer&pageSize=1000')
      .set(supervisor);
    expect(events.status).toBe(200);
    const mine = events.body.items.filter((e: { caseId: string }) => e.caseId === caseId);
    expect(mine.map((e: { subject: unknown; subjectName: string }) => [e.subject, e.subjectName])).toEqual(
      history.map(() => [{ memberId: members[0].id }, members[0].name]),
    );
    const { ledger } = await readLedger(await exportAs(supervisor, '?workflow=membership-transfer'));
    const named = new Map(ledger.slice(3).map((r) => [r[3], r[4]]));
    for (const e of events.body.items)
      expect({ caseId: e.caseId, name: named.get(e.caseId) }).toEqual({
        caseId: e.caseId,
        name: expect.stringContaining(e.subjectName),
      });
  });

  it('the 校验 sheet reports the chain of every exported case intact', async () => {
    const { check } = await readLedger(await exportAs(supervisor, '?workflow=membership-transfer'));
    const fact = (k: string) => check.find((r) => r?.[0] === k)?.[1];
    expect(fact('结论')).toMatch(/^完整/);
    expect(fact('校验案件数')).toBeGreaterThanOrEqual(1);
    const row = check.find((r) => r?.[1] === caseId)!;
    expect(row.slice(2, 6)).toEqual(['组织关系接转', members[0].name, 3, '完整']);
  });

  it('applies the filter: an event type, a time window', async () => {
    const approvals = await readLedger(await exportAs(supervisor, '?type=APPROVE_RELEASE'));
    expect(approvals.ledger[1][0]).toContain('事项：同意转出');
    const rows = approvals.ledger.slice(3);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    rows.forEach((r) => expect(r[6]).toBe('同意转出'));

    const later = await readLedger(
      await exportAs(supervisor, `?workflow=membership-transfer&from=${encodeURIComponent(history[2].at)}`),
    );
    expect(
      later.ledger
        .slice(3)
        .filter((r) => r[3] === caseId)
        .map((r) => r[6]),
    ).toEqual(['开具组织关系介绍信']);
    const none = await readLedger(await exportAs(supervisor, '?workflow=membership-transfer&to=2000-01-01'));
    expect(none.ledger.slice(3)).toEqual([]);
    expect(none.check.find((r) => r?.[0] === '结论')?.[1]).toMatch(/^无记录/);
  });

  it('a clerk gets only the events in its scope, as from GET /audit/events', async () => {
    // the receiving branch sees the case; a joint branch and the organization department do not
    const branchB = await readLedger(await exportAs(await h.as('branch-b'), '?workflow=membership-transfer'));
    expect(branchB.ledger.slice(3).filter((r) => r[3] === caseId)).toHaveLength(3);
    for (const user of ['joint-1', 'orgdept']) {
      const headers = await h.as(user);
      const { ledger, check } = await readLedger(await exportAs(headers, '?workflow=membership-transfer'));
      const events = await h.http().get('/api/v1/audit/events?workflow=membership-transfer&pageSize=1000').set(headers);
      expect(ledger.slice(3).map((r) => r[11])).toEqual(events.body.items.map((e: any) => e.hash));
      expect(ledger.slice(3).some((r) => r[3] === caseId)).toBe(false);
      expect(check.some((r) => r?.[1] === caseId)).toBe(false);
    }
    // an organization outside the clerk's scope: nothing, and its name is not disclosed in the title
    const outside = await readLedger(await exportAs(await h.as('joint-1'), `?orgId=${h.region.anchors.firmAOrgId}`));
    expect(outside.ledger.slice(3)).toEqual([]);
    expect(outside.ledger[1][0]).toContain(h.region.anchors.firmAOrgId);
    expect(outside.ledger[1][0]).not.toContain(h.region.orgs.find((o) => o.id === h.region.anchors.firmAOrgId)!.name);
  });

  it('bad filter values are 400, never 500; no token is 401', async () => {
    for (const q of [
      '?from=garbage',
      '?from=2026-02-30',
      '?to=2026-13-01',
      '?orgId=not-a-uuid',
      '?userId=1',
      '?page=2',
    ]) {
      const res = await exportAs(supervisor, q);
      expect({ q, status: res.status, code: res.body.code }).toEqual({ q, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await h.http().get('/api/v1/audit/export')).status).toBe(401);
  });

  it('refuses more rows than the cap with a 422 asking to narrow the filter', async () => {
    const audit = h.app.get(AuditService);
    const cap = audit.exportMaxRows;
    audit.exportMaxRows = 2;
    try {
      const res = await exportAs(supervisor, '?workflow=membership-transfer');
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('RULE_VIOLATION');
      expect(res.body.message).toMatch(/超过单次导出上限 2 条，请缩小筛选范围/);
      expect(res.body.details).toMatchObject({ limit: 2 });
      expect((await exportAs(supervisor, `?workflow=membership-transfer&type=ISSUE_LETTER`)).status).toBe(200);
    } finally {
      audit.exportMaxRows = cap;
    }
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = await h.http().get('/docs-json');
    const op = doc.body.paths['/api/v1/audit/export']?.get;
    expect(op).toBeDefined();
    expect(op.tags).toEqual(['audit']);
    expect(Object.keys(op.responses['200'].content)).toEqual([XLSX]);
    expect(op.parameters.map((p: any) => p.name).sort()).toEqual(['from', 'orgId', 'to', 'type', 'userId', 'workflow']);
  });

  it('the 校验 sheet shows a case whose history was altered behind the engine', async () => {
    const id = await open(members[1].id);
    await send(id, branchA, { type: 'APPROVE_RELEASE', comment: '原始意见' });
    await h.ds.transaction(async (em) => {
      await em.query(`SET LOCAL session_replication_role = replica`);
      await em.query(`UPDATE case_history SET comment = '篡改后的意见' WHERE case_id = $1 AND seq = 2`, [id]);
    });
    const { check } = await readLedger(await exportAs(supervisor, '?workflow=membership-transfer'));
    expect(check.find((r) => r?.[0] === '结论')?.[1]).toMatch(/^发现异常：1 件案件/);
    expect(check.find((r) => r?.[1] === id)!.slice(5, 7)).toEqual(['异常', 2]);
    expect(check.find((r) => r?.[1] === caseId)![5]).toBe('完整');
  });

  it('date-only from/to are Beijing days: an event at 01:00 Beijing belongs to that day, in the search and the ledger', async () => {
    // last in this suite: the engine clock only moves forward
    const day = future(40);
    const dayAfter = (d: string, n: number) =>
      new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
    await h.app.get(ClockSync).moveTo(new Date(`${day}T01:00:00+08:00`)); // 17:00 UTC the day before
    const id = await open(members[2].id);
    const search = async (query: string) => {
      const res = await h
        .http()
        .get(`/api/v1/audit/events?workflow=membership-transfer&pageSize=1000${query}`)
        .set(supervisor);
      expect(res.status).toBe(200);
      return res.body.items.filter((e: any) => e.caseId === id).map((e: any) => e.type);
    };
    expect(await search(`&from=${day}&to=${dayAfter(day, 1)}`)).toEqual(['OPEN']);
    expect(await search(`&from=${day}`)).toEqual(['OPEN']);
    expect(await search(`&to=${day}`)).toEqual([]);
    expect(await search(`&from=${dayAfter(day, -1)}&to=${day}`)).toEqual([]);
    // an instant with its offset is taken as it is
    expect(await search(`&from=${encodeURIComponent(`${day}T00:30:00+08:00`)}&to=${day}T01:30:00%2B08:00`)).toEqual([
      'OPEN',
    ]);

    const { ledger } = await readLedger(await exportAs(supervisor, `?from=${day}&to=${dayAfter(day, 1)}`));
    const rows = ledger.slice(3).filter((r) => r[3] === id);
    expect(rows.map((r) => [r[1], r[6]])).toEqual([[`${day} 01:00`, '发起流程']]);
    const before = await readLedger(await exportAs(supervisor, `?to=${day}`));
    expect(before.ledger.slice(3).some((r) => r[3] === id)).toBe(false);
  });
});
