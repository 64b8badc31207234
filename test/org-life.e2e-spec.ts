import ExcelJS from 'exceljs';
import { fullMembersOf, Harness, startHarness } from './support/harness';

/**
 * Organizational-life records through HTTP on real PostgreSQL: meetings with attendance and absences and
 * dues by month, entered by a branch clerk within scope; imports from csv and xlsx that are all-or-nothing
 * and report each refused row; the quarterly compliance report's numbers; hostile input answered 4xx.
 */
describe('organizational life: records, import, compliance (e2e)', () => {
  let h: Harness;
  let branchA: { Authorization: string };
  let orgA: string;
  let members: ReturnType<typeof fullMembersOf>;
  const header = '类型,日期,会议类型,主题,身份证号,姓名,出席,缺席原因,金额';

  beforeAll(async () => {
    h = await startHarness();
    branchA = await h.as('branch-a');
    orgA = h.region.anchors.firmAOrgId;
    members = fullMembersOf(h.region, orgA);
    expect(members.length).toBeGreaterThanOrEqual(3);
  });
  afterAll(() => h.close());

  const meeting = (body: Record<string, unknown>, who = branchA) =>
    h.http().post('/api/v1/org-life/meetings').set(who).send(body);
  const counts = async () =>
    (
      await h.ds.query(
        `SELECT (SELECT count(*)::int FROM org_meetings) AS meetings, (SELECT count(*)::int FROM org_meeting_participants) AS participants,
                (SELECT count(*)::int FROM dues_payments) AS dues`,
      )
    )[0];
  const upload = (content: Buffer, name: string, orgId = orgA, who = branchA) =>
    h.http().post('/api/v1/org-life/import').query({ orgId }).set(who).attach('file', content, name);

  it('a branch clerk records a meeting with attendance and an absence with its reason; the same meeting twice is 409', async () => {
    const body = {
      orgId: orgA,
      kind: 'member_meeting',
      heldOn: '2026-07-10',
      topic: '学习党章第九条',
      attendees: [members[0].id, members[1].id],
      absences: [{ memberId: members[2].id, reason: '出差在外，已请假' }],
    };
    const res = await meeting(body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ orgId: orgA, kind: 'member_meeting', attendees: 2, absences: 1 });
    const again = await meeting(body);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('DUPLICATE');

    const record = await h.http().get(`/api/v1/members/${members[2].id}/org-life`).set(branchA);
    expect(record.status).toBe(200);
    expect(record.body.meetings).toEqual([
      expect.objectContaining({
        kind: 'member_meeting',
        kindTitle: '党员大会',
        attended: false,
        absenceReason: '出差在外，已请假',
      }),
    ]);
  });

  it('members must belong to the branch on the day; clerks only of organizations in scope; supervisors only read', async () => {
    const other = h.region.members.find((m) => m.orgId !== orgA && m.status === 'full')!;
    const res = await meeting({
      orgId: orgA,
      kind: 'lecture',
      heldOn: '2026-07-11',
      topic: '党课',
      attendees: [members[0].id, other.id],
      absences: [],
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('RULE_VIOLATION');
    expect(res.body.message).toContain(`${other.name} 在 2026-07-11 不属于本组织`);

    const body = {
      orgId: orgA,
      kind: 'lecture',
      heldOn: '2026-07-11',
      topic: '党课',
      attendees: [members[0].id],
      absences: [],
    };
    expect((await meeting(body, await h.as('branch-b'))).status).toBe(404);
    expect((await meeting(body, await h.as('supervisor'))).status).toBe(403);
    // a committee above the branch may record for it
    expect((await meeting(body, await h.as('city'))).status).toBe(201);
    // a committee is not where organizational life is recorded
    expect((await meeting({ ...body, orgId: h.region.anchors.cityId }, await h.as('city'))).status).toBe(422);
  });

  it('hostile or malformed input is 4xx with a stable code, and nothing is written', async () => {
    const before = await counts();
    const ok = {
      orgId: orgA,
      kind: 'committee',
      heldOn: '2026-07-12',
      topic: '支委会',
      attendees: [members[0].id],
      absences: [],
    };
    const bad: [Record<string, unknown>, number][] = [
      [{ ...ok, kind: 'tea_party' }, 400],
      [{ ...ok, heldOn: '2026-02-30' }, 400],
      [{ ...ok, heldOn: '2999-01-01' }, 422],
      [{ ...ok, topic: 'x'.repeat(10_000) }, 400],
      [{ ...ok, orgId: 'not-a-uuid' }, 400],
      [{ ...ok, attendees: [members[0].id, members[0].id] }, 400],
      [{ ...ok, absences: [{ memberId: members[0].id, reason: '病假' }] }, 400],
      [{ ...ok, absences: [{ memberId: members[1].id }] }, 400],
      [{ ...ok, attendees: 'everyone' }, 400],
      [{ ...ok, orgId: '00000000-0000-4000-8000-000000000000' }, 404],
      [{ ...ok, extra: 1 }, 400],
    ];
    for (const [body, status] of bad) {
      const res = await meeting(body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(res.body.code).toMatch(/^[A-Z_]+$/);
    }
    const dues = (body: Record<string, unknown>) => h.http().post('/api/v1/org-life/dues').set(branchA).send(body);
    for (const body of [
      { orgId: orgA, month: '2026-13', paid: [{ memberId: members[0].id, amount: 50 }] },
      { orgId: orgA, month: '2026-07', paid: [{ memberId: members[0].id, amount: -1 }] },
      { orgId: orgA, month: '2026-07', paid: [{ memberId: members[0].id, amount: 1.234 }] },
      { orgId: orgA, month: '2026-07', paid: [{ memberId: members[0].id, amount: 'fifty' }] },
    ])
      expect((await dues(body)).status).toBe(400);
    expect(
      (await dues({ orgId: orgA, month: '2030-01', paid: [{ memberId: members[0].id, amount: 50 }] })).status,
    ).toBe(422);
    expect((await upload(Buffer.from('\x00\x01binary'), 'x.bin')).status).toBe(400);
    expect((await upload(Buffer.from('PK\x03\x04not really a zip'), 'x.xlsx')).status).toBe(400);
    expect((await upload(Buffer.from('a,b\n1,2\n'), 'x.csv')).body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await h.http().post('/api/v1/org-life/import').query({ orgId: orgA }).set(branchA).send({})).status).toBe(
      400,
    );
    expect(await counts()).toEqual(before);
  });

  it('dues by month; the same member and month twice is 409', async () => {
    const res = await h
      .http()
      .post('/api/v1/org-life/dues')
      .set(branchA)
      .send({ orgId: orgA, month: '2026-07', paid: members.slice(0, 2).map((m) => ({ memberId: m.id, amount: 50 })) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ month: '2026-07', recorded: 2 });
    const again = await h
      .http()
      .post('/api/v1/org-life/dues')
      .set(branchA)
      .send({ orgId: orgA, month: '2026-07', paid: [{ memberId: members[0].id, amount: 50 }] });
    expect(again.status).toBe(409);
  });

  it('an import with bad rows writes nothing and lists every refused row with its reason; the corrected file imports', async () => {
    const [a, b, c] = members;
    const other = h.region.members.find((m) => m.orgId !== orgA && m.status === 'full')!;
    const good = [
      `会议,2026-08-05,支委会,八月支委会,${a.idNumber},${a.name},出席,,`,
      `会议,2026-08-05,支委会,八月支委会,${b.idNumber},${b.name},缺席,外地开庭,`,
      `党费,2026-08,,,${a.idNumber},${a.name},,,50`,
      `党费,2026-08,,,${b.idNumber},${b.name},,,30.5`,
    ];
    const bad = [
      `会议,2026-08-05,支委会,八月支委会,${other.idNumber},${other.name},出席,,`, // row 6: another branch
      `党费,2026-08,,,${c.idNumber},错误姓名,,,50`, // row 7: name does not match
      `党费,2026-07,,,${a.idNumber},${a.name},,,50`, // row 8: already recorded through the API
      `党费,2026-08,,,${a.idNumber},${a.name},,,50`, // row 9: twice in the file
      `会议,2026-08-06,茶话会,闲谈,${a.idNumber},${a.name},出席,,`, // row 10: unknown kind
    ];
    const before = await counts();
    const res = await upload(Buffer.from([header, ...good, ...bad].join('\n')), '八月.csv');
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('RULE_VIOLATION');
    expect(res.body.details).toMatchObject({ imported: false, format: 'csv', rows: 9 });
    expect(res.body.details.refused).toEqual([
      { row: 6, reason: `${other.name} 在 2026-08-05 不属于本组织` },
      { row: 7, reason: '姓名“错误姓名”与信息库中该身份证号的姓名不符' },
      { row: 8, reason: '该党员 2026-07 的党费已登记' },
      { row: 9, reason: '该党员 2026-08 的党费在文件中重复出现' },
      { row: 10, reason: '会议类型“茶话会”无法识别（党员大会、支委会、党小组会、党课、主题党日）' },
    ]);
    expect(await counts()).toEqual(before);

    const ok = await upload(Buffer.from([header, ...good].join('\n')), '八月.csv');
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      imported: true,
      rows: 4,
      accepted: 4,
      refused: [],
      meetings: 1,
      attendances: 1,
      absences: 1,
      duesPayments: 2,
    });
    const after = await counts();
    expect(after).toEqual({
      meetings: before.meetings + 1,
      participants: before.participants + 2,
      dues: before.dues + 2,
    });
    // the same file again: every row refused as a duplicate, nothing doubled
    const again = await upload(Buffer.from([header, ...good].join('\n')), '八月.csv');
    expect(again.status).toBe(422);
    expect(again.body.details.refused.map((r: { row: number }) => r.row)).toEqual([2, 3, 4, 5]);
    expect(await counts()).toEqual(after);
  });

  it('imports an xlsx workbook with dates typed as dates', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('组织生活');
    ws.addRow(header.split(','));
    for (const m of members.slice(0, 3))
      ws.addRow([
        '会议',
        new Date(Date.UTC(2026, 8, 8)),
        '主题党日',
        '九月主题党日',
        m.idNumber,
        m.name,
        '出席',
        '',
        '',
      ]);
    const res = await upload(Buffer.from(await wb.xlsx.writeBuffer()), '九月.xlsx');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ imported: true, format: 'xlsx', meetings: 1, attendances: 3 });
  });

  it('the compliance report compares the quarter with the requirements', async () => {
    const res = await h
      .http()
      .get('/api/v1/reports/org-life')
      .query({ year: 2026, quarter: 3, orgId: orgA })
      .set(branchA);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ year: 2026, quarter: 3 });
    const [branch] = res.body.branches;
    expect(branch.orgId).toBe(orgA);
    const kind = (k: string) => branch.meetings.find((x: { kind: string }) => x.kind === k);
    expect(kind('member_meeting')).toMatchObject({ held: 1, required: 1, met: true, missing: [] });
    // one lecture (recorded by the city clerk in July)
    expect(kind('lecture')).toMatchObject({ held: 1, met: true });
    // theme day only in September; the monthly requirement misses July and August
    expect(kind('theme_day')).toMatchObject({ held: 1, required: 3, met: false, missing: ['2026-07', '2026-08'] });
    expect(branch.duesMonthsPaid).toEqual(['2026-07', '2026-08']);
    expect(branch.compliant).toBe(false);
    expect(branch.behindOn).toEqual(expect.arrayContaining(['theme_day']));
    // behind with records, unlike a branch that entered nothing for the quarter (perhaps not keeping them here)
    expect(branch.recordedInQuarter).toBe(true);
    const city = await h
      .http()
      .get('/api/v1/reports/org-life')
      .query({ year: 2026, quarter: 3 })
      .set(await h.as('city'));
    const recorded = (id: string) =>
      city.body.branches.find((b: { orgId: string }) => b.orgId === id)?.recordedInQuarter;
    expect([recorded(orgA), recorded(h.region.anchors.firmBOrgId)]).toEqual([true, false]);
    // and a quarter with nothing entered at all
    const earlier = await h
      .http()
      .get('/api/v1/reports/org-life')
      .query({ year: 2026, quarter: 1, orgId: orgA })
      .set(branchA);
    expect(earlier.body.branches[0]).toMatchObject({ compliant: false, recordedInQuarter: false });
    // members of the branch with nothing recorded in the quarter
    const idle = branch.membersWithoutParticipation.map((m: { memberId: string }) => m.memberId);
    expect(idle).not.toContain(members[0].id);
    expect(idle).not.toContain(members[2].id);
    expect((await h.http().get('/api/v1/reports/org-life').query({ year: 2026, quarter: 5 }).set(branchA)).status).toBe(
      400,
    );
    expect(
      (
        await h
          .http()
          .get('/api/v1/reports/org-life')
          .query({ year: 2026, quarter: 3, orgId: h.region.anchors.firmBOrgId })
          .set(branchA)
      ).status,
    ).toBe(404);
  });
});
