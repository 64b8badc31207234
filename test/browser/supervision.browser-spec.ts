import ExcelJS from 'exceljs';
import { readFileSync } from 'fs';
import type { Page } from 'playwright-core';
import { pdfText } from '../support/pdf';
import { fullMembersOf } from '../support/harness';
import { ConsoleHarness, login, screenshot, startConsoleHarness, apiAs, checkScreen } from './support/console';
import { beijingDay } from '../support/dates';

jest.setTimeout(300_000); // a machine shared with other work can be slow: each test waits, never sleeps

/**
 * The supervisor's and administrator's console in the real browser: the audit log searched, verified (and
 * found tampered after a change behind the engine's back), exported and replayed; the transfer letter
 * printed; the dashboards against /reports/*; an administrator creating a county clerk and adding a
 * holiday calendar year. Every new screen is checked with axe and kept as a screenshot.
 */
describe('console: supervision and administration (browser)', () => {
  let h: ConsoleHarness;
  let caseId: string;
  let member: { id: string; name: string };
  const LETTER_NO = '赣律党转〔2026〕66号';
  const future = (days: number) => beijingDay(days);
  const api: ReturnType<typeof apiAs> = (...args) => apiAs(h)(...args);
  const a11y = (page: Page, name: string) => checkScreen(page, 'supervision', name);
  const pick = async (page: Page, label: string, option: string) => {
    await page.getByLabel(label).click();
    await page.locator(`.ant-select-item-option[title="${option}"]`).click();
  };

  beforeAll(async () => {
    h = await startConsoleHarness();
    member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[0];
    const opened = await api('branch-a', 'post', '/cases', {
      workflow: 'membership-transfer',
      subject: { memberId: member.id },
      input: { toOrgId: h.region.anchors.firmBOrgId },
    });
    caseId = opened.id;
    await api('branch-a', 'post', `/cases/${caseId}/events`, { type: 'APPROVE_RELEASE', comment: '同意转出' });
    await api('city', 'post', `/cases/${caseId}/events`, {
      type: 'ISSUE_LETTER',
      data: { letterNo: LETTER_NO, validUntil: future(30) },
    });
  });
  afterAll(() => h?.close());

  it('supervisor finds the events of a case, verifies the chain, exports the ledger, replays and prints the letter', async () => {
    const page = await h.newPage();
    // the page asks only for what a supervisor may read (it fetched the users list and got a 403)
    const refused: string[] = [];
    page.on('response', (r) => r.status() >= 400 && refused.push(`${r.status()} ${r.url()}`));
    await login(page, 'supervisor');
    await page.goto('/audit');
    await page.getByRole('heading', { name: '审计' }).waitFor();
    const transferTitle = (await api('supervisor', 'get', '/workflows')).find(
      (w: any) => w.key === 'membership-transfer',
    ).title;
    await pick(page, '按流程筛选', transferTitle);
    await pick(page, '按事项筛选', '开具组织关系介绍信');
    await page.waitForURL(/type=ISSUE_LETTER/);
    const filtered = await api('supervisor', 'get', '/audit/events?workflow=membership-transfer&type=ISSUE_LETTER');
    await page.getByText(`共 ${filtered.total} 条`).waitFor();
    await page.goto('/audit?workflow=membership-transfer');
    const all = await api('supervisor', 'get', '/audit/events?workflow=membership-transfer');
    await page.getByText(`共 ${all.total} 条`).waitFor();
    expect(all.items.filter((e: any) => e.caseId === caseId)).toHaveLength(3);
    const rows = page.getByTestId('audit-events').locator('tbody tr');
    await expect(rows.filter({ hasText: caseId.slice(0, 8) }).count()).resolves.toBe(3);
    // who acted reads as a person of an organization, not as a login name alone
    const issued = all.items.find((e: any) => e.caseId === caseId && e.type === 'ISSUE_LETTER');
    expect(issued.actor).toMatchObject({ username: 'city', displayName: expect.any(String) });
    expect(issued.actor.orgName).toMatch(/律师行业党委$/);
    // and whose case it is: the member by name, as the API names it, above the case's number
    await expect(
      rows
        .filter({ hasText: caseId.slice(0, 8) })
        .getByTestId('audit-case')
        .allTextContents(),
    ).resolves.toEqual([1, 2, 3].map((seq) => `党员${issued.subjectName}${caseId.slice(0, 8)}·第${seq}条`));
    expect(issued.subjectName).toMatch(/\S/);
    const actor = rows.filter({ hasText: `${caseId.slice(0, 8)}·第3条` }).getByTestId('audit-actor');
    await expect(actor.textContent()).resolves.toBe(
      `${issued.actor.displayName}（city）${issued.actor.orgName} · 党务干事`,
    );
    expect(refused).toEqual([]);

    // whole-log verify and the export run as background jobs: progress, then the report and the download
    await page.getByRole('button', { name: '校验全部记录' }).click();
    await page
      .getByTestId('audit-job-verify')
      .getByText(/已完成（\d+ 个案件）/)
      .waitFor();
    await page.getByTestId('verify-result').filter({ hasText: '哈希链完整' }).waitFor();
    await page.getByRole('button', { name: /导出台帐/ }).click();
    const exportJob = page.getByTestId('audit-job-export');
    await exportJob.locator('.ant-progress-status-success').waitFor();
    await a11y(page, 'audit');
    await screenshot(page, 'supervision', 'audit-jobs-done');
    const jobs = await api('supervisor', 'get', '/audit/jobs');
    expect(jobs.map((j: any) => [j.kind, j.status])).toEqual([
      ['export', 'done'],
      ['verify', 'done'],
    ]);

    // the ledger: the downloaded workbook holds the rows the API lists
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      exportJob.getByRole('button', { name: /下载/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(jobs[0].fileName);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync((await download.path())!) as any);
    const ledger = wb.getWorksheet('台帐')!;
    const hashes: string[] = [];
    ledger.eachRow((row) => {
      const v = row.values as any[];
      const hash = v.find((x) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x));
      if (hash) hashes.push(hash);
    });
    expect(hashes.sort()).toEqual(all.items.map((e: any) => e.hash).sort());

    // replay: the case as it stood after row 2 (release approved, no letter yet)
    await rows
      .filter({ hasText: `${caseId.slice(0, 8)}·第3条` })
      .getByRole('button')
      .click();
    const drawer = page.getByTestId('case-replay');
    await drawer.getByTestId('case-verify').filter({ hasText: '本案哈希链完整' }).waitFor();
    await drawer.getByLabel('重演到第 2 条').click();
    const at2 = await api('supervisor', 'get', `/audit/cases/${caseId}/replay?seq=2`);
    await drawer.getByTestId('replay-state').filter({ hasText: at2.stateTitle }).waitFor();
    await page.waitForTimeout(500); // the drawer's slide-in
    await a11y(page, 'audit-replay');

    // the transfer letter, as a PDF with the letter number and the member's name
    const [letter] = await Promise.all([
      page.waitForEvent('download'),
      drawer.getByRole('button', { name: /下载党员组织关系介绍信$/ }).click(),
    ]);
    expect(letter.suggestedFilename()).toMatch(/\.pdf$/);
    const text = pdfText(readFileSync((await letter.path())!));
    expect(text).toContain(LETTER_NO);
    expect(text).toContain(member.name);

    // a change behind the engine's back, made as the database owner: verification shows the broken row
    await h.ds.query(`ALTER TABLE case_history DISABLE TRIGGER case_history_no_update`);
    try {
      await h.ds.query(`UPDATE case_history SET comment = '同意转出（已改）' WHERE case_id = $1 AND seq = 2`, [caseId]);
    } finally {
      await h.ds.query(`ALTER TABLE case_history ENABLE TRIGGER case_history_no_update`);
    }
    await page.goto('/audit');
    await page.getByRole('button', { name: '校验全部记录' }).click();
    const broken = page.getByTestId('verify-result').filter({ hasText: '发现篡改' });
    await broken.waitFor();
    await expect(broken.textContent()).resolves.toContain(`案件 ${caseId.slice(0, 8)} 的第 2 条`);
    await page.getByRole('button', { name: '查看断裂记录' }).click();
    await page.getByTestId('case-verify').filter({ hasText: '第 2 条记录起哈希链断裂' }).waitFor();
    await page.waitForTimeout(500); // the drawer's slide-in
    await screenshot(page, 'supervision', 'audit-tampered');
    expect(h.consoleErrors).toEqual([]);
  });

  it('city sees the dashboards with the numbers of /reports/*', async () => {
    await api('admin', 'post', '/_clock', { advance: 'P30D' }); // the open transfer is now overdue
    const [coverage, overdue, pipeline] = await Promise.all([
      api('city', 'get', '/reports/coverage'),
      api('city', 'get', '/reports/overdue'),
      api('city', 'get', '/reports/recruitment-pipeline'),
    ]);
    expect(overdue.total).toBeGreaterThan(0);
    const page = await h.newPage();
    await login(page, 'city');
    await page.goto('/dashboards');
    await page.getByRole('heading', { name: '统计' }).waitFor();
    await page.getByTestId('chart-overdue').waitFor();
    await a11y(page, 'dashboards');
    const tableOf = async (testId: string) => {
      const card = page.getByTestId(testId);
      await card.getByText('表格', { exact: true }).click();
      const cells = await card
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      return cells;
    };
    const counties = coverage.cities.flatMap((c: any) => c.counties);
    const coverageRows = await tableOf('chart-coverage');
    expect(coverageRows.map((r) => [r[0], Number(r[1]), Number(r[5])])).toEqual(
      counties.map((c: any) => [c.county, c.firms, c.none]),
    );
    const overdueRows = await tableOf('chart-overdue');
    expect(overdueRows.reduce((n, r) => n + Number(r[3]), 0)).toBe(overdue.total);
    // the recruitment pipeline: its stages as the API counts them, or, with none open, a notice (not an empty 0–1 axis)
    if (pipeline.open === 0) {
      await page.getByText('辖区内暂无在办的发展党员案件').waitFor();
      await expect(page.getByTestId('chart-pipeline').count()).resolves.toBe(0);
    } else {
      const pipelineRows = await tableOf('chart-pipeline');
      expect(pipelineRows.reduce((n, r) => n + Number(r[2]), 0)).toBe(pipeline.open);
    }
    const uncovered = page.getByTestId('uncovered-firms');
    if (coverage.uncovered.length) await uncovered.getByText(coverage.uncovered[0].name).first().waitFor();
    expect(h.consoleErrors).toEqual([]);
  });

  it('city launches the annual review over the region and watches it reach 100 %, across a reload', async () => {
    const page = await h.newPage();
    await login(page, 'city');
    await page.goto('/campaigns');
    await page.getByRole('heading', { name: '年度考核活动' }).waitFor();
    await a11y(page, 'campaigns');
    // the clerk's own committee is proposed
    await page.locator('form').getByText('赣州市律师行业党委', { exact: true }).waitFor();
    await page.getByLabel('考核年度').click();
    await page.locator('.ant-select-item-option[title="2026 年"]').click();
    await page.getByLabel('上级党委').click();
    await page.locator('.ant-select-item-option[title="赣州市律师行业党委"]').click();
    await page.getByRole('button', { name: /发\s*起/ }).click();
    await page.waitForURL(/campaigns\?id=/);
    const id = new URL(page.url()).searchParams.get('id')!;
    const progress = page.getByTestId('campaign-progress');
    await progress.getByText('已全部开启').waitFor({ timeout: 60_000 });
    await page.reload();
    await progress.getByText('已全部开启').waitFor();
    const campaign = await api('city', 'get', `/campaigns/${id}`);
    expect(campaign.status).toBe('completed');
    await expect(progress.textContent()).resolves.toContain(
      `共 ${campaign.total} 个组织：已开启 ${campaign.opened}，跳过 ${campaign.skipped}，失败 ${campaign.failed}`,
    );
    await expect(page.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('100');
    // the review itself: its cases per step as the API counts them, then the closed ones; a step opens its cases
    const steps = campaign.review.steps.map(
      (s: { title: string; cases: number; overdue: number }) =>
        `${s.title} ${s.cases} 件${s.overdue ? `（逾期 ${s.overdue}）` : ''}`,
    );
    expect(steps.length).toBeGreaterThan(0);
    await expect(progress.getByTestId('campaign-review-step').allTextContents()).resolves.toEqual([
      ...steps,
      `已办结 ${campaign.review.closed} 件`,
    ]);
    await expect(page.getByTestId('campaign-review-summary').first().textContent()).resolves.toMatch(
      new RegExp(`^已办结 ${campaign.review.closed}/${campaign.review.cases}`),
    );
    await screenshot(page, 'supervision', 'campaigns-done');
    // a step opens this campaign's cases at that step, the campaign named above the list
    await progress.getByTestId('campaign-review-step').first().click();
    await page.waitForURL(new RegExp(`/cases\\?workflow=annual-review&campaignId=${id}&status=open&state=`));
    await page
      .getByTestId('cases-total')
      .filter({ hasText: `共 ${campaign.review.steps[0].cases} 件` })
      .waitFor();
    await page
      .getByTestId('cases-campaign')
      .filter({ hasText: '年度考核活动：2026 年度 · 赣州市律师行业党委' })
      .waitFor();
    await screenshot(page, 'supervision', 'campaign-step-cases');
    expect(h.consoleErrors).toEqual([]);
  });

  it('city grades a branch and sees the grades by year and the organizational life by quarter as the API counts them', async () => {
    // firm A's branch review, opened by the campaign, driven to its grade (what the console's forms send)
    const orgId = h.region.anchors.firmAOrgId;
    const tasks = await api('branch-a', 'get', '/tasks');
    const review = (Array.isArray(tasks) ? tasks : tasks.items).find(
      (t: any) => t.workflow === 'annual-review' && t.subject?.orgId === orgId,
    );
    expect(review).toBeDefined();
    const full: { id: string }[] = await h.ds.query(
      `SELECT id FROM members WHERE org_id = $1 AND status = 'full' ORDER BY id`,
      [orgId],
    );
    const today = (await api('admin', 'get', '/_clock')).now.slice(0, 10);
    const send = (user: string, type: string, data: object) =>
      api(user, 'post', `/cases/${review.caseId}/events`, { type, data });
    await send('branch-a', 'RECORD_SELF_ASSESSMENTS', { memberIds: full.map((m) => m.id) });
    await send('branch-a', 'RECORD_PEER_REVIEW', {});
    await send('branch-a', 'RECORD_MEETING', { heldOn: today, branchComment: '支部讲评：整体良好' });
    await send('city', 'RECORD_LEADER_COMMENT', { comment: '领导点评：继续加强' });
    await send('branch-a', 'SUBMIT_RATINGS', { ratings: Object.fromEntries(full.map((m) => [m.id, 'qualified'])) });
    // 述职 is the secretary's: the branch registers its secretary first
    await api('branch-a', 'put', `/orgs/${orgId}/secretary`, { secretaryId: full[0].id, electedOn: today });
    await send('branch-a', 'SUBMIT_REPORT', { summary: '书记述职报告' });
    await send('city', 'SCORE', { score: 92 });

    const grades: any[] = await api('city', 'get', '/reports/grades');
    expect(grades.length).toBeGreaterThan(0);
    const page = await h.newPage();
    await login(page, 'city');
    await page.goto('/dashboards');
    await page.getByTestId('chart-grades').waitFor();
    await page.getByTestId('chart-org-life').waitFor();
    await a11y(page, 'dashboards-grades-org-life');
    const tableOf = async (testId: string) => {
      const card = page.getByTestId(testId);
      await card.getByText('表格', { exact: true }).click();
      await card.locator('tbody tr').first().waitFor();
      return card
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    };
    const years = [...new Set(grades.map((g) => g.year))].sort();
    const count = (y: number, g: string) => grades.filter((x) => x.year === y && x.grade === g).length;
    expect(await tableOf('chart-grades')).toEqual(
      years.map((y) => [
        `${y}年`,
        ...['I', 'II', 'III'].map((g) => String(count(y, g))),
        String(grades.filter((x) => x.year === y).length),
      ]),
    );
    const orgLife = await tableOf('chart-org-life');
    expect(orgLife.length).toBeGreaterThan(0);
    for (const [label, branches, compliant, behind, unrecorded, idle, asOf] of orgLife) {
      const [, year, quarter] = /^(\d{4})年第(\d)季度$/.exec(label)!;
      const report = await api('city', 'get', `/reports/org-life?year=${year}&quarter=${quarter}`);
      const met = report.branches.filter((b: any) => b.compliant).length;
      // behind: entered something and missed a requirement; nothing entered for the quarter is counted apart
      const none = report.branches.filter((b: any) => !b.compliant && !b.recordedInQuarter).length;
      expect([branches, compliant, behind, unrecorded, idle, asOf]).toEqual([
        String(report.branches.length),
        String(met),
        String(report.branches.length - met - none),
        String(none),
        String(report.branches.reduce((n: number, b: any) => n + b.membersWithoutParticipation.length, 0)),
        report.asOf,
      ]);
    }
    await screenshot(page, 'supervision', 'dashboards-org-life-table');

    // the year's results as the API lists them: the commended organizations (the branch just graded among them
    // when its 92 points made it 先进) and the 一般 / 后进 ones followed to their 晋位升级
    const year = Math.max(...grades.map((g) => g.year));
    const results = page.getByTestId('results-of-year');
    await results.getByText(`${year}年度`).waitFor();
    const commended = await api('city', 'get', `/reports/commendations?year=${year}`);
    const upgrades = await api('city', 'get', `/reports/grade-upgrades?year=${year}`);
    const rowsOf = (testId: string) =>
      results
        .getByTestId(testId)
        .locator('tbody tr.ant-table-row')
        .evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')?.textContent ?? ''));
    // loaded: the graded branch among the commended, and the upgrades table with its rows or its empty text
    const graded = commended.organizations.find((o: any) => o.orgId === orgId);
    expect(graded).toBeDefined();
    await results.getByTestId('commended-orgs').getByText(graded.name).waitFor();
    const upgradesTable = results.getByTestId('grade-upgrades');
    if (upgrades.items.length) await upgradesTable.getByText(upgrades.items[0].name).first().waitFor();
    else await upgradesTable.getByText('该年度没有定级为一般或后进的党组织').waitFor();
    await expect(rowsOf('commended-orgs')).resolves.toEqual(commended.organizations.map((o: any) => o.name));
    await expect(rowsOf('commended-members')).resolves.toEqual(commended.members.slice(0, 10).map((m: any) => m.name));
    await expect(rowsOf('grade-upgrades')).resolves.toEqual(upgrades.items.slice(0, 10).map((u: any) => u.name));
    await results.scrollIntoViewIfNeeded();
    await screenshot(page, 'supervision', 'dashboards-results-of-year');
    // the inactive-member flags: as many per branch as the API reports (none yet: the all-clear says so)
    const inactive = await api('city', 'get', '/reports/inactive-members');
    if (!inactive.flags.length) await page.getByText('目前没有被提示的不活跃党员').waitFor();
    else
      expect((await tableOf('chart-inactive')).reduce((n, r) => n + Number(r[1]) + Number(r[2]), 0)).toBe(
        inactive.flags.length,
      );

    // the graded review prints its summary from the case page
    await page.goto(`/cases/${review.caseId}`);
    const [summary] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByTestId('documents')
        .getByRole('button', { name: /年度考核评议情况汇总表$/ })
        .click(),
    ]);
    const summaryText = pdfText(readFileSync((await summary.path())!));
    expect(summaryText).toContain('考核评议情况汇总表');
    expect(summaryText).toContain(h.region.orgs.find((o) => o.id === orgId)!.name);
    expect(h.consoleErrors).toEqual([]);
  });

  it('admin creates a county clerk who sees only the county, and adds a calendar year', async () => {
    const page = await h.newPage();
    await login(page, 'admin');
    await page.goto('/users');
    await page.getByRole('heading', { name: '用户管理' }).waitFor();
    await a11y(page, 'admin-users');
    await page.getByLabel('用户名').fill('county-zg-2');
    await page.getByLabel('姓名').fill('章贡区新任党务干事');
    await page.getByLabel('初始密码').fill('Zhanggong#2027');
    await page.getByLabel('所在组织').click();
    await page.getByLabel('所在组织').fill('章贡区司法局');
    await page.locator('.ant-select-item-option[title="章贡区司法局党组"]').click();
    await page.getByRole('button', { name: /创\s*建/ }).click();
    await page.getByRole('cell', { name: 'county-zg-2', exact: true }).waitFor();

    // a case wholly in another county (南康区): the new 章贡区 clerk must not see it
    const elsewhere = await api('city', 'post', '/cases', {
      workflow: 'annual-review',
      subject: { orgId: h.region.anchors.firmBOrgId },
      input: { year: 2025 }, // 2026 is the campaign's year
    });
    const clerk = await h.newPage();
    await login(clerk, 'county-zg-2', 'Zhanggong#2027');
    const token = await clerk.evaluate(() => (globalThis as any).localStorage.getItem('pf.token'));
    const mine = await h
      .http()
      .get('/api/v1/cases?pageSize=200')
      .set({ Authorization: `Bearer ${token}` });
    const countyClerk = await api('county-zg', 'get', '/cases?pageSize=200');
    expect(mine.body.total).toBe(countyClerk.total);
    expect(mine.body.total).toBeGreaterThan(0);
    expect(mine.body.total).toBeLessThan((await api('admin', 'get', '/cases?pageSize=1')).total);
    expect(mine.body.items.map((c: any) => c.id)).not.toContain(elsewhere.id);
    await clerk.goto('/cases');
    await clerk.getByRole('heading', { name: '案件' }).waitFor();
    // who manages users (the admin) filters the audit log by 办理人, the new clerk among them
    await page.goto('/audit');
    await page.getByLabel('按办理人筛选').fill('county-zg-2');
    await page.locator('.ant-select-item-option', { hasText: '（county-zg-2）' }).waitFor();
    await page.keyboard.press('Escape');

    // a case opened on 2026-12-29, in the last year with a holiday notice, has its deadline in the next
    // year: provisional until that year's notice is added (the clock only moves forward; later is fine too)
    const { now } = await api('admin', 'get', '/_clock');
    if (now < '2026-12-29') await api('admin', 'post', '/_clock', { set: '2026-12-29T02:00:00.000Z' });
    const other = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[1];
    const opened = await api('branch-a', 'post', '/cases', {
      workflow: 'membership-transfer',
      subject: { memberId: other.id },
      input: { toOrgId: h.region.anchors.firmBOrgId },
    });
    // which deadline falls past the last holiday notice depends on today's date: take the first that does
    const due = opened.deadlines.find((d: any) => d.provisional);
    expect(due).toBeDefined();
    const sameDeadline = (d: any) => d.key === due.key && d.kind === due.kind && d.level === due.level;
    const year = Number(due.dueAt.slice(0, 4));
    await page.goto('/system?tab=calendar');
    await page.getByTestId('deadlines').getByText('临时').first().waitFor();
    // whose deadline each row is (the member, linking to the case), the provisional ones first
    const deadlineRows = page.getByTestId('deadlines').locator('tbody tr');
    await expect(deadlineRows.first().textContent()).resolves.toContain('临时');
    const myDeadlines = deadlineRows.filter({ hasText: `党员${other.name}` });
    await expect(myDeadlines.first().textContent()).resolves.toContain('临时');
    await expect(myDeadlines.first().getByRole('link').getAttribute('href')).resolves.toBe(`/cases/${opened.id}`);
    await a11y(page, 'admin-calendar');
    await page.getByLabel('节假日安排（JSON）').fill(
      JSON.stringify({
        year,
        source: `国务院办公厅关于${year}年部分节假日安排的通知（测试）`,
        holidays: [{ name: '元旦', dates: [`${year}-01-01`] }],
        workdays: [],
      }),
    );
    await page.getByRole('button', { name: /加\s*入/ }).click();
    await page.getByText(`已加入 ${year} 年节假日安排`).waitFor();
    const after = await api('branch-a', 'get', `/cases/${opened.id}`);
    expect(after.deadlines.find(sameDeadline).provisional).toBe(false);
    await page.getByRole('cell', { name: String(year), exact: true }).waitFor();
    await myDeadlines.filter({ hasText: '已确定' }).first().waitFor();

    const ready: Record<string, (p: Page) => Promise<void>> = {
      policies: (p) => p.getByText(/新案件适用规则/).waitFor(),
      licensing: (p) => p.getByRole('heading', { name: '被拒收的事件' }).waitFor(),
      operations: (p) => p.getByTestId('health').waitFor(),
    };
    for (const [tab, wait] of Object.entries(ready)) {
      await page.goto(`/system?tab=${tab}`);
      await wait(page);
      await a11y(page, `admin-${tab}`);
    }
    expect(h.consoleErrors).toEqual([]);
  });
});
