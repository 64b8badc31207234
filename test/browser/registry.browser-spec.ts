import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { residentIdCheckChar } from '../../libs/common/resident-id';
import { DemoCaseSeeder } from '../../libs/demo/demo-case-seeder';
import { stateValueTitle } from '../../apps/console/src/stateTitles';
import { ConsoleHarness, login, screenshot, seriousViolations, startConsoleHarness } from './support/console';

jest.setTimeout(300_000); // a machine shared with other work can be slow: each test waits, never sleeps

/**
 * The registry in the real browser: the organization tree and the firms as each clerk's scope allows, the
 * members searched and one member's page (ID number masked exactly as the API masks it), a clerk
 * registering a member and a firm with the API's own validation; and every demo user's first inbox.
 */
describe('console: registry and the demo users (browser)', () => {
  let h: ConsoleHarness;
  const SUITE = 'registry';
  const api = async (user: string, path: string) => {
    const res = await h
      .http()
      .get(`/api/v1${path}`)
      .set(await h.as(user));
    if (res.status >= 300) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const a11y = async (page: Page, name: string) => {
    await screenshot(page, SUITE, name);
    expect({ screen: name, violations: await seriousViolations(page) }).toEqual({ screen: name, violations: [] });
  };

  beforeAll(async () => {
    h = await startConsoleHarness();
    // the demo's work in progress, as `npm run demo` seeds it (the clock moves on: some of it is overdue)
    await h.app.get(DemoCaseSeeder).seedIfNoCases();
  });
  afterAll(() => h?.close());

  it('opens a demo case’s page for every procedure and state: each history row names its states, a parallel state’s steps included', async () => {
    const { items } = await api('admin', '/cases?pageSize=200');
    const workflows = new Map<string, { name: string; title: string }[]>();
    const p = await h.newPage();
    await login(p, 'admin');
    let parallelRows = 0;
    let assessments = 0;
    let recruitmentDiagram = false;
    let meetings = 0;
    // one case of each procedure and state (the annual review's many branches share theirs)
    const seen = new Set<string>();
    for (const c of items as { id: string; workflow: string; state: unknown; stateTitle: string }[]) {
      const shape = `${c.workflow}:${JSON.stringify(c.state)}`;
      if (seen.has(shape)) continue;
      seen.add(shape);
      if (!workflows.has(c.workflow))
        workflows.set(c.workflow, (await api('admin', `/workflows/${c.workflow}`)).states);
      // the server names where the case is as the page does (the inbox, the ledger and the notices use its words)
      expect({ case: c.id, title: c.stateTitle }).toEqual({
        case: c.id,
        title: stateValueTitle(workflows.get(c.workflow)!, c.state as any),
      });
      const history: { type: string; from: unknown; to: unknown }[] = await api('admin', `/cases/${c.id}/history`);
      await p.goto(`/cases/${c.id}`);
      const rows = p.getByTestId('history-row');
      await rows.nth(history.length - 1).waitFor();
      const shown = await rows.allTextContents();
      const states = workflows.get(c.workflow)!;
      // the page's rows in the API's order, each with "before → after" as stateValueTitle words them
      expect({ case: c.id, rows: shown.length }).toEqual({ case: c.id, rows: history.length });
      history.forEach((row, i) => {
        const words = `${stateValueTitle(states, row.from as any)} → ${stateValueTitle(states, row.to as any)}`;
        // what the row recorded reads in Chinese: no field shown by its code name, no coded value, no true/false
        expect({
          case: c.id,
          seq: i + 1,
          codes: shown[i].match(/[A-Za-z_]+：|：(?:[a-z][a-z_]+|true|false)(?![\w-])/g),
        }).toEqual({
          case: c.id,
          seq: i + 1,
          codes: null,
        });
        expect({
          case: c.id,
          seq: i + 1,
          has: shown[i].includes(words),
          json: /[{}]|object Object/.test(shown[i]),
        }).toEqual({
          case: c.id,
          seq: i + 1,
          has: true,
          json: false,
        });
        if (typeof row.to === 'object' && row.to) parallelRows++;
        // a field name several procedures share reads as this procedure's: a recruitment assessment's summary
        // is 考察情况, not the annual review's 述职摘要; and the data reads in its form's order (the record's
        // keys are sorted for the hash: the branch meeting's date came after the vote counts)
        if (row.type === 'RECORD_ASSESSMENT') {
          assessments++;
          expect(shown[i]).toContain('考察情况：');
        }
        if (row.type === 'RECORD_BRANCH_MEETING') {
          meetings++;
          expect(shown[i].indexOf('召开日期：')).toBeLessThan(shown[i].indexOf('应到有表决权党员数：'));
        }
        if (c.workflow !== 'annual-review') expect(shown[i]).not.toContain('述职摘要');
      });
      // the server words a parallel state as the page does (the replay here; the inbox, ledger and notices alike)
      for (const [i, row] of history.entries())
        if (typeof row.to === 'object' && row.to) {
          const replay = await api('admin', `/audit/cases/${c.id}/replay?seq=${i + 1}`);
          expect({ case: c.id, seq: i + 1, title: replay.stateTitle }).toEqual({
            case: c.id,
            seq: i + 1,
            title: stateValueTitle(states, row.to as any),
          });
        }
      if (history.some((row) => typeof row.to === 'object' && row.to))
        await screenshot(p, SUITE, 'case-parallel-state');
      if (c.workflow === 'recruitment' && !recruitmentDiagram) {
        recruitmentDiagram = true;
        // eighteen rows of steps: each still a box (its red fill as tall as drawn, not a thin line under the
        // name), and the withdrawal open from every step one line beneath instead of seventeen edges
        const canvas = p.getByTestId('statechart').locator('canvas').first();
        await canvas.waitFor();
        const redRows = async () =>
          canvas.evaluate((el: HTMLCanvasElement) => {
            const { data, width, height } = el.getContext('2d')!.getImageData(0, 0, el.width, el.height);
            const rows = new Set<number>();
            for (let y = 0; y < height; y++)
              for (let x = 0; x < width; x++) {
                const i = (y * width + x) * 4;
                if (data[i] > 180 && data[i + 1] < 60 && data[i + 2] < 70 && data[i + 3] > 200) rows.add(y);
              }
            return rows.size / (el.width / el.clientWidth);
          });
        let red = await redRows();
        for (let tries = 0; red === 0 && tries < 20; tries++) red = await p.waitForTimeout(100).then(redRows);
        expect(red).toBeGreaterThanOrEqual(30);
        await expect(p.getByTestId('statechart-common-exit').textContent()).resolves.toMatch(
          /^\d+ 个环节均可“撤回入党申请”，转入“已撤回入党申请”/,
        );
        await screenshot(p, SUITE, 'case-recruitment-diagram');
      }
    }
    // the demo's long recruitment reaches 发展对象培养, whose four steps run side by side
    expect(parallelRows).toBeGreaterThan(0);
    expect({ assessments: assessments > 0, meetings: meetings > 0, recruitmentDiagram }).toEqual({
      assessments: true,
      meetings: true,
      recruitmentDiagram: true,
    });
    await expect(p.getByTestId('page-error-detail').count()).resolves.toBe(0);
    expect(h.consoleErrors).toEqual([]);
  });

  it('shows each clerk the organization tree and firms of their scope', async () => {
    const { firmAOrgId, firmBOrgId } = h.region.anchors;
    const name = (id: string) => h.region.orgs.find((o) => o.id === id)!.name;
    const a = await h.newPage();
    await login(a, 'branch-a');
    await a.getByRole('link', { name: '组织与党员' }).click();
    await a.getByRole('heading', { name: '组织与党员' }).waitFor();
    const tree = a.getByTestId('org-tree');
    await tree.getByText(name(firmAOrgId)).waitFor();
    await expect(tree.getByText(name(firmBOrgId)).count()).resolves.toBe(0);
    // before any click the detail is of the clerk's own organization, not an empty "pick one"
    await a.getByTestId('org-detail').getByText(name(firmAOrgId)).waitFor();
    await tree.getByText(name(firmAOrgId)).click();
    await a
      .getByTestId('org-detail')
      .getByText(/正式党员 \d+ 名/)
      .waitFor();
    await a11y(a, 'orgs-branch-a');

    const c = await h.newPage();
    await login(c, 'city');
    await c.goto('/registry?tab=firms');
    const firms = await api('city', '/firms');
    await c
      .getByTestId('firms-total')
      .filter({ hasText: `共 ${firms.length} 家` })
      .waitFor();
    await a11y(c, 'firms-city');
    // coverage as the API says it, firm by firm (filtered to the uncovered ones)
    const none = firms.filter((f: any) => f.coverage === 'none');
    await c.getByLabel('按覆盖情况筛选').click();
    await c.locator('.ant-select-item-option[title="尚未覆盖"]').click();
    await c
      .getByTestId('firms-total')
      .filter({ hasText: `共 ${none.length} 家` })
      .waitFor();
    const shown = await c.getByTestId('firms').locator('tbody tr.ant-table-row td:first-child').allTextContents();
    expect(shown.sort()).toEqual(
      none
        .map((f: any) => f.name)
        .sort()
        .slice(0, 20),
    );
    await expect(c.getByTestId('coverage').allTextContents()).resolves.toEqual(shown.map(() => '尚未覆盖'));
    expect(h.consoleErrors).toEqual([]);
  });

  it('finds a member and shows their page: masked ID number, organization, cases and history', async () => {
    const a = await h.newPage();
    await login(a, 'branch-a');
    await a.goto('/registry?tab=members');
    // a member with a case: the seeded transfers
    const cases = await api('branch-a', '/cases?workflow=membership-transfer&pageSize=50');
    const withCase = cases.items.find((c: any) => c.subject.memberId && c.subjectName);
    const member = await api('branch-a', `/members/${withCase.subject.memberId}`);
    expect(member.idNumber).toMatch(/^\d{4}\*{10}\d{2}\*[\dX]$/); // masked for a clerk
    await a.getByLabel('搜索党员').fill(member.name);
    await a.getByLabel('搜索党员').press('Enter');
    await a.waitForURL(/q=/);
    const row = a.getByTestId('members').locator('tbody tr').filter({ hasText: member.idNumber });
    await row.waitFor();
    await a11y(a, 'members-search');
    await row.getByRole('link', { name: member.name }).click();
    await a.waitForURL(new RegExp(`/members/${member.id}$`));
    await expect(a.getByTestId('member-id-number').textContent()).resolves.toBe(member.idNumber);
    // birth date and gender are masked with the ID number: said to be hidden, not shown as unknown or blank
    expect(member).toMatchObject({ birthDate: null, gender: null });
    await expect(a.getByTestId('member-birth-date').textContent()).resolves.toBe('已隐藏（仅系统管理员可见）');
    await expect(a.getByTestId('member-gender').textContent()).resolves.toBe('已隐藏（仅系统管理员可见）');
    await a.getByTestId('member-cases').locator(`a[href="/cases/${withCase.id}"]`).waitFor();
    await a.getByTestId('member-timeline-row').first().waitFor();
    const timeline = await api('branch-a', `/members/${member.id}/timeline`);
    await expect(a.getByTestId('member-timeline-row').count()).resolves.toBe(timeline.entries.length);
    await a11y(a, 'member-page');
    // no raw ids anywhere a clerk reads
    const text = await a.locator('main, #main').first().innerText();
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(h.consoleErrors).toEqual([]);
  });

  it('lets a clerk register a member and a firm, with the API validation before sending', async () => {
    const a = await h.newPage();
    await login(a, 'branch-a');
    await a.goto('/registry?tab=members');
    await a.getByRole('button', { name: '登记党员' }).click();
    const dialog = a.getByRole('dialog', { name: '登记党员' });
    await dialog.getByLabel('姓名').fill('钟新民');
    const first17 = '36070219880315123';
    const good = first17 + residentIdCheckChar(first17);
    const bad = first17 + (residentIdCheckChar(first17) === '0' ? '1' : '0');
    await dialog.getByLabel('身份证号码').fill(bad);
    const birth = dialog.getByLabel('出生日期');
    await birth.click();
    await birth.fill('1988-03-15');
    await birth.press('Enter');
    await dialog.getByTestId('member-submit').click();
    await dialog.getByText('身份证号码校验码不正确').waitFor();
    await a11y(a, 'register-member-invalid');
    await dialog.getByLabel('身份证号码').fill(good);
    await dialog.getByLabel('所在党组织').click();
    await a.locator('.ant-select-dropdown:visible .ant-select-item-option').first().click();
    await dialog.getByTestId('member-submit').click();
    // when the page does not move on, say what the dialog shows (a validation or server message)
    await a.waitForURL(/\/members\/[0-9a-f-]{36}$/).catch(async (e: Error) => {
      throw new Error(`${e.message}\ndialog: ${await dialog.innerText().catch(() => '(closed)')}`);
    });
    await a.getByRole('heading', { name: /钟新民/ }).waitFor();
    await expect(a.getByTestId('member-id-number').textContent()).resolves.toBe(
      `3607**********${good.slice(14, 16)}*${good.slice(-1)}`,
    );

    // the same ID number again: the API's 409, shown in the form
    await a.goto('/registry?tab=members');
    await a.getByRole('button', { name: '登记党员' }).click();
    const again = a.getByRole('dialog', { name: '登记党员' });
    await again.getByLabel('姓名').fill('钟新民');
    await again.getByLabel('身份证号码').fill(good);
    const birth2 = again.getByLabel('出生日期');
    await birth2.click();
    await birth2.fill('1988-03-15');
    await birth2.press('Enter');
    await again.getByLabel('所在党组织').click();
    await a.locator('.ant-select-dropdown:visible .ant-select-item-option').first().click();
    await again.getByTestId('member-submit').click();
    await again.getByRole('alert').filter({ hasText: '该身份证号或执业证号已登记' }).waitFor();

    // a county clerk registers a firm in the county
    const z = await h.newPage();
    await login(z, 'county-zg');
    await z.goto('/registry?tab=firms');
    await z.getByRole('button', { name: '登记律师事务所' }).click();
    const firm = z.getByRole('dialog', { name: '登记律师事务所' });
    await firm.getByLabel('律师事务所名称').fill('江西赣江源律师事务所');
    await firm.getByLabel('所在县（区）').fill('章贡区');
    await firm.getByLabel('行政区划代码').fill('3607');
    await firm.getByLabel('事务所主任').fill('曾国平');
    await firm.getByTestId('firm-submit').click();
    await firm.getByText('行政区划代码应为 6 位数字').waitFor();
    await a11y(z, 'register-firm-invalid');
    await firm.getByLabel('行政区划代码').fill('360702');
    await firm.getByTestId('firm-submit').click();
    await firm.waitFor({ state: 'detached' });
    await z.getByTestId('firms').getByText('江西赣江源律师事务所').waitFor();
    const created = (await api('county-zg', '/firms')).find((f: any) => f.name === '江西赣江源律师事务所');
    expect(created).toMatchObject({ county: '章贡区', coverage: 'none' });
    expect(h.consoleErrors).toEqual([]);
  });

  it('opens every demo user on an inbox of real work: several states, some overdue', async () => {
    const users = ['admin', 'supervisor', 'city', 'county-zg', 'branch-a', 'branch-b', 'joint-1', 'orgdept'];
    const seen: Record<string, { tasks: number; states: number; overdue: number }> = {};
    for (const u of users) {
      const tasks = await api(u, '/tasks');
      seen[u] = {
        tasks: tasks.length,
        states: new Set(tasks.map((t: any) => `${t.workflow}:${JSON.stringify(t.state)}`)).size,
        overdue: tasks.filter((t: any) => t.overdue).length,
      };
      const p = await h.newPage();
      await login(p, u, 'demo');
      await p.goto('/inbox');
      await p
        .getByTestId('inbox-count')
        .filter({ hasText: `共 ${tasks.length} 件` })
        .waitFor();
      await screenshot(p, SUITE, `inbox-${u}`);
      await p.context().close();
    }
    // every demo user has work in more than one state, and some of it late: the clerks their steps, the
    // organization department its overdue filing and the recruitment it oversees, the supervisor and the
    // administrator the 督办 items escalated to them
    for (const u of users)
      expect({ u, ...seen[u], several: seen[u].states >= 2, late: seen[u].overdue >= 1 }).toMatchObject({
        u,
        several: true,
        late: true,
      });
    expect(h.consoleErrors).toEqual([]);
  });
  it('shows a branch its secretary and term, and lets its clerk record a new election (换届)', async () => {
    const { firmBOrgId } = h.region.anchors;
    const before = await api('branch-b', `/orgs/${firmBOrgId}/secretary`);
    expect(before.secretaryId).toEqual(expect.any(String));
    const p = await h.newPage();
    await login(p, 'branch-b');
    await p.goto('/registry');
    const term = p.getByTestId('branch-term');
    await term.getByRole('link', { name: before.secretaryName }).waitFor();
    await term.getByText(`${before.termStartedOn} 至 ${before.termEndsOn}`).waitFor();
    await a11y(p, 'branch-term');

    // another full member of the branch, elected today (the system's today): the term runs three years from it
    const { clock } = await api('branch-b', '/auth/me');
    const today = new Date(Date.parse(clock.now) + 8 * 3_600_000).toISOString().slice(0, 10);
    const members = await api('branch-b', `/members?orgId=${firmBOrgId}&status=full&pageSize=200`);
    const next = members.items.find((m: { id: string }) => m.id !== before.secretaryId);
    await term.getByRole('button', { name: '登记换届或更换书记' }).click();
    const dialog = p.getByRole('dialog', { name: '登记换届或更换书记' });
    // a day to come is refused by the procedure's rule, its message shown beside the date
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await dialog.getByLabel('支部书记').click();
    await p.locator(`.ant-select-item-option[title="${next.name}"]`).click();
    const date = dialog.getByLabel('选举日期', { exact: true });
    await date.click();
    await date.fill(tomorrow);
    await date.press('Enter');
    await dialog.getByRole('button', { name: /登\s*记/ }).click();
    await dialog.getByRole('alert').or(dialog.locator('.ant-form-item-explain-error')).first().waitFor();
    await screenshot(p, SUITE, 'branch-term-refused');
    await expect(api('branch-b', `/orgs/${firmBOrgId}/secretary`)).resolves.toMatchObject({
      secretaryId: before.secretaryId,
    });
    await date.click();
    await date.fill(today);
    await date.press('Enter');
    await dialog.getByRole('button', { name: /登\s*记/ }).click();
    await dialog.waitFor({ state: 'hidden' });
    const after = await api('branch-b', `/orgs/${firmBOrgId}/secretary`);
    expect(after).toMatchObject({ secretaryId: next.id, termStartedOn: today });
    expect(Number(after.termEndsOn.slice(0, 4))).toBe(Number(today.slice(0, 4)) + 3);
    await term.getByRole('link', { name: next.name }).waitFor();
    await term.getByText(`${after.termStartedOn} 至 ${after.termEndsOn}`).waitFor();
    await screenshot(p, SUITE, 'branch-term-recorded');

    // firm A's secretary was elected almost three years ago: the page says what the API says of its 换届
    const { firmAOrgId } = h.region.anchors;
    const termA = await api('branch-a', `/orgs/${firmAOrgId}/secretary`);
    const a = await h.newPage();
    await login(a, 'branch-a');
    await a.goto('/registry');
    const shownA = a.getByTestId('branch-term');
    await shownA.getByText(`${termA.termStartedOn} 至 ${termA.termEndsOn}`).waitFor();
    await expect(shownA.getByText('应准备换届').count()).resolves.toBe(termA.renewalDue ? 1 : 0);
    await screenshot(a, SUITE, 'branch-term-renewal');
    expect(h.consoleErrors).toEqual([]);
  });
  it('records a branch meeting with its attendance and a month of dues, and the member page shows them', async () => {
    const { firmBOrgId } = h.region.anchors;
    const { clock } = await api('branch-b', '/auth/me');
    const today = new Date(Date.parse(clock.now) + 8 * 3_600_000).toISOString().slice(0, 10);
    const members = (await api('branch-b', `/members?orgId=${firmBOrgId}&pageSize=500`)).items.filter(
      (m: { status: string }) => m.status === 'full' || m.status === 'probationary',
    );
    const [away, paying] = members;
    const p = await h.newPage();
    await login(p, 'branch-b');
    await p.goto('/registry');
    const record = p.getByTestId('record-org-life');
    await record.getByRole('button', { name: '登记组织生活会议' }).click();
    const meeting = p.getByRole('dialog', { name: '登记组织生活会议' });
    await meeting.getByLabel('会议类型').click();
    await p.locator('.ant-select-item-option[title="党课"]').click();
    const heldOn = meeting.getByLabel('召开日期', { exact: true });
    await heldOn.click();
    await heldOn.fill(today);
    await heldOn.press('Enter');
    await meeting.getByLabel('主题').fill('学习党章第九条');
    // every party member of the branch is listed, present until unticked; an absence needs its reason
    await expect(meeting.getByTestId('meeting-attendance').locator('tbody tr.ant-table-row').count()).resolves.toBe(
      members.length,
    );
    await meeting.getByLabel(`${away.name}出席`).uncheck();
    await meeting.getByRole('button', { name: /登\s*记/ }).click();
    await meeting.getByText(`请填写缺席原因：${away.name}`).waitFor();
    await meeting.getByLabel(`${away.name}缺席原因`).fill('出差在外，已请假');
    await meeting.getByText(`请填写缺席原因：${away.name}`).waitFor({ state: 'detached' });
    await screenshot(p, SUITE, 'org-life-meeting');
    await meeting.getByRole('button', { name: /登\s*记/ }).click();
    await p.getByText(`已登记党课：出席 ${members.length - 1} 人，缺席 1 人`).waitFor();
    // the quarter's summary beside it follows, as the compliance report counts the branch
    const quarter = Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1;
    const report = await api(
      'branch-b',
      `/reports/org-life?year=${today.slice(0, 4)}&quarter=${quarter}&orgId=${firmBOrgId}`,
    );
    const lecture = report.branches
      .find((b: { orgId: string }) => b.orgId === firmBOrgId)
      .meetings.find((m: { kind: string }) => m.kind === 'lecture');
    expect(lecture.held).toBeGreaterThan(0);
    await p
      .getByTestId('org-life-quarter')
      .getByTestId('org-life-kind')
      .filter({ hasText: `党课 ${lecture.held}/${lecture.required} 次` })
      .waitFor();

    await record.getByRole('button', { name: '登记党费' }).click();
    const dues = p.getByRole('dialog', { name: '登记党费' });
    await dues.getByLabel(`${paying.name}党费金额`).fill('50');
    await screenshot(p, SUITE, 'org-life-dues');
    await dues.getByRole('button', { name: /登\s*记/ }).click();
    await p.getByText(`已登记 ${today.slice(0, 7)} 党费：1 人`).waitFor();

    // as the API keeps them
    const awayRecord = await api('branch-b', `/members/${away.id}/org-life`);
    expect(awayRecord.meetings).toContainEqual(
      expect.objectContaining({ heldOn: today, kind: 'lecture', attended: false, absenceReason: '出差在外，已请假' }),
    );
    const payingRecord = await api('branch-b', `/members/${paying.id}/org-life`);
    expect(payingRecord).toMatchObject({ lastAttended: today, lastDuesMonth: today.slice(0, 7) });
    expect(payingRecord.dues).toContainEqual(expect.objectContaining({ month: today.slice(0, 7), amount: 50 }));

    // and as the member's page shows them
    await p.goto(`/members/${away.id}`);
    const shown = p.getByTestId('member-org-life');
    await shown.getByText('缺席（出差在外，已请假）').waitFor();
    await p.goto(`/members/${paying.id}`);
    await shown.getByText(`${today.slice(0, 7)} ¥50`).waitFor();
    await expect(shown.getByText(today).count()).resolves.toBeGreaterThan(0);
    await a11y(p, 'member-org-life');
    expect(h.consoleErrors).toEqual([]);
  });
  it('imports a branch’s meetings and dues from a csv: refused rows listed with their reasons, nothing written until all pass', async () => {
    const { firmBOrgId } = h.region.anchors;
    const party = h.region.members.filter(
      (m) => m.orgId === firmBOrgId && (m.status === 'full' || m.status === 'probationary'),
    );
    const [a, b] = party;
    const other = h.region.members.find((m) => m.orgId !== firmBOrgId && m.status === 'full')!;
    const header = '类型,日期,会议类型,主题,身份证号,姓名,出席,缺席原因,金额';
    const good = [
      `会议,2026-11-28,党小组会,十一月党小组会,${a.idNumber},${a.name},出席,,`,
      `会议,2026-11-28,党小组会,十一月党小组会,${b.idNumber},${b.name},缺席,外地开庭,`,
    ];
    const bad = `会议,2026-11-28,党小组会,十一月党小组会,${other.idNumber},${other.name},出席,,`;
    const csv = (rows: string[]) => ({
      name: '十一月.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from([header, ...rows].join('\n')),
    });
    const p = await h.newPage();
    await login(p, 'branch-b');
    await p.goto('/registry');
    await p.getByTestId('record-org-life').getByRole('button', { name: '从表格导入' }).click();
    const dialog = p.getByRole('dialog', { name: '从表格导入组织生活记录' });
    await dialog.locator('input[type=file]').setInputFiles(csv([...good, bad]));
    await dialog.getByRole('button', { name: /检\s*查/ }).click();
    const report = dialog.getByTestId('import-report');
    await report.getByText('共 3 行，1 行未通过检查，未导入任何记录').waitFor();
    await report.getByText(`${other.name} 在 2026-11-28 不属于本组织`).waitFor();
    await expect(dialog.getByRole('button', { name: /导\s*入/ }).isDisabled()).resolves.toBe(true);
    await screenshot(p, SUITE, 'org-life-import-refused');
    expect((await api('branch-b', `/members/${a.id}/org-life`)).meetings).not.toContainEqual(
      expect.objectContaining({ heldOn: '2026-11-28' }),
    );

    await dialog.locator('input[type=file]').setInputFiles(csv(good));
    await dialog.getByRole('button', { name: /检\s*查/ }).click();
    await report.getByText('共 2 行，全部通过检查：会议 1 次，出席 1 人次，缺席 1 人次，党费 0 条').waitFor();
    await dialog.getByRole('button', { name: /导\s*入/ }).click();
    await p.getByText('已导入：会议 1 次，出席 1 人次，缺席 1 人次，党费 0 条').waitFor();
    expect((await api('branch-b', `/members/${b.id}/org-life`)).meetings).toContainEqual(
      expect.objectContaining({ heldOn: '2026-11-28', kind: 'group', attended: false, absenceReason: '外地开庭' }),
    );
    expect(h.consoleErrors).toEqual([]);
  });
  it('exports the member roster of the list as filtered (all its pages) as an xlsx', async () => {
    const p = await h.newPage();
    await login(p, 'city');
    // the city's whole scope, full members: many pages of the list
    await p.goto('/registry?tab=members&status=full');
    const total = Number((await p.getByTestId('members-total').textContent())!.match(/\d+/)![0]);
    expect(total).toBeGreaterThan(20);
    const [download] = await Promise.all([
      p.waitForEvent('download'),
      p.getByRole('button', { name: '导出名册（xlsx）' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^党员名册_管辖范围内全部党员_\d{8}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await download.path())!);
    const ws = wb.getWorksheet('党员名册')!;
    expect(ws.getCell(1, 1).value).toBe('党员名册（管辖范围内全部党员）');
    expect(ws.rowCount).toBe(3 + total);
    const statuses = new Set<unknown>();
    for (let r = 4; r <= ws.rowCount; r++) statuses.add(ws.getCell(r, 5).value);
    expect([...statuses]).toEqual(['正式党员']);
    expect(h.consoleErrors).toEqual([]);
  });
});
