import { createHash } from 'node:crypto';
import { fullMembersOf } from '../support/harness';
import { apiAs, ConsoleHarness, login, screenshot, seriousViolations, startConsoleHarness } from './support/console';

jest.setTimeout(90_000);

/**
 * The console is served by the API process: login, who I am, the inbox, deep links, logout; the supervisor's
 * inbox of 督办 items and its 催办 (it moves engine time on: what follows must not mind); the flow diagram without motion.
 */
describe('console: login and layout (browser)', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  /** A transfer of firm B's `n`-th full member to firm A, opened by branch-b (each test its own member). */
  const openTransferFromB = (n: number) =>
    apiAs(h)('branch-b', 'post', '/cases', {
      workflow: 'membership-transfer',
      subject: { memberId: fullMembersOf(h.region, h.region.anchors.firmBOrgId)[n].id },
      input: { toOrgId: h.region.anchors.firmAOrgId },
    });

  it('serves the console at / with deep links, and leaves the API paths to the API', async () => {
    const index = await h.http().get('/cases/11111111-1111-4111-8111-111111111111');
    expect(index.status).toBe(200);
    expect(index.text).toContain('<div id="root">');
    expect(index.headers['cache-control']).toBe('no-cache');
    const api = await h.http().get('/api/v1/no-such-thing');
    expect(api.status).toBe(404);
    expect(api.body.code).toBe('NOT_FOUND');
    expect((await h.http().get('/health')).status).not.toBe(404);
    expect((await h.http().get('/assets/no-such-file.js')).status).toBe(404);
  });

  it('sends an anonymous visitor to login and back to the deep link, shows who I am, logs out', async () => {
    const page = await h.newPage();
    await page.goto('/cases?status=open');
    await page.waitForURL(/\/login\?from=/);
    await screenshot(page, 'basics', 'login');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('用户名').fill('branch-a');
    await page.getByLabel('密码', { exact: true }).fill('wrong-password');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await expect(page.getByTestId('login-error').textContent()).resolves.toMatch(/用户名或密码/);

    await login(page, 'branch-a');
    await page.waitForURL(/\/cases\?status=open$/);
    // the organization's name arrives with its own request
    await page.getByTestId('whoami').filter({ hasText: '江西章贡律师事务所党支部' }).waitFor();
    const who = await page.getByTestId('whoami').textContent();
    expect(who).toContain('江西章贡律师事务所党支部');
    expect(who).toContain('党务干事');

    await page.getByRole('link', { name: '待办' }).click();
    await page.waitForURL(/\/inbox$/);
    await page.getByRole('heading', { name: '待办' }).waitFor();
    await screenshot(page, 'basics', 'inbox');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: '当前用户菜单' }).click();
    await page.getByRole('menuitem', { name: /退出登录/ }).click();
    await page.waitForURL(/\/login(\?|$)/);
    expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('pf.token'))).toBeNull();
    expect(h.consoleErrors).toEqual([]);
  });

  it('returns to login when the token expires, then back to the page', async () => {
    const page = await h.newPage();
    await login(page, 'branch-a');
    await page.goto('/cases');
    await page.getByRole('heading', { name: '案件' }).waitFor();
    // what an expired token looks like to the API: a token it refuses
    await page.evaluate(() => (globalThis as any).localStorage.setItem('pf.token', 'expired.token.value'));
    await page.reload();
    await page.waitForURL(/\/login\?from=%2Fcases&expired=1/);
    await page.getByText('登录已过期，请重新登录').waitFor();
    await login(page, 'branch-a');
    await page.waitForURL(/\/cases$/);
    expect(h.consoleErrors).toEqual([]);
  });

  it('shows the supervisor its 督办 items (holder, days overdue) and urges one: the branch clerk is told', async () => {
    const api = apiAs(h);
    const { anchors } = h.region;
    const transfer = (clerk: string, from: string, to: string) =>
      api(clerk, 'post', '/cases', {
        workflow: 'membership-transfer',
        subject: { memberId: fullMembersOf(h.region, from)[0].id },
        input: { toOrgId: to },
      });
    const fromA = await transfer('branch-a', anchors.firmAOrgId, anchors.firmBOrgId);
    await transfer('joint-1', anchors.jointBranch1Id, anchors.firmAOrgId);
    // three weeks on: both release reviews are overdue and escalated to the supervisors
    const now = (await api('admin', 'get', '/_clock')).now as string;
    await api('admin', 'post', '/_clock', { set: new Date(Date.parse(now) + 21 * 86_400_000).toISOString() });

    const page = await h.newPage();
    await login(page, 'supervisor');
    await page.goto('/inbox');
    const rows = page.locator('[data-testid="task"][data-kind="supervision"]');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    const row = rows.filter({ hasText: '江西章贡律师事务所党支部' });
    expect(await row.getAttribute('data-urgency')).toBe('overdue');
    await expect(row.getByTestId('supervision-tag').textContent()).resolves.toBe('督办');
    await expect(row.getByTestId('supervision-facts').textContent()).resolves.toMatch(
      /承办：江西章贡律师事务所党支部.*已逾期 \d+ 天（\d+ 个工作日）/,
    );
    await expect(page.getByTestId('inbox-count').textContent()).resolves.toContain('督办 2 件');
    await screenshot(page, 'basics', 'supervisor-inbox');
    expect(await seriousViolations(page)).toEqual([]);

    await row.getByRole('button', { name: /^催办/ }).click();
    await page.getByText(/已催办江西章贡律师事务所党支部（通知 \d+ 人）/).waitFor();
    await row.getByRole('button', { name: /今日已催办/ }).waitFor();
    expect(await row.getByRole('button', { name: /今日已催办/ }).isDisabled()).toBe(true);
    await screenshot(page, 'basics', 'supervisor-urged');

    const told = (await api('branch-a', 'get', '/notifications?pageSize=200')).items.filter(
      (n: { kind: string; caseId: string }) => n.kind === 'urge' && n.caseId === fromA.id,
    );
    expect(told).toHaveLength(1);

    // the urging is accounted for in the audit page's 催办记录, as the API lists it
    const [urge] = (await api('supervisor', 'get', `/audit/urges?caseId=${fromA.id}`)).items;
    expect(urge.targets.map((t: { orgName: string }) => t.orgName)).toEqual(['江西章贡律师事务所党支部']);
    await page.goto('/audit');
    const urgeRow = page.getByTestId('audit-urges').locator('tbody tr.ant-table-row').filter({
      hasText: '江西章贡律师事务所党支部',
    });
    await urgeRow.waitFor();
    const cells = await urgeRow.locator('td').allTextContents();
    expect(cells[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(urge.subjectName).toBe(fullMembersOf(h.region, anchors.firmAOrgId)[0].name);
    expect(cells.slice(1, 6)).toEqual([
      `组织关系接转党员${urge.subjectName}`,
      urge.stateTitle,
      expect.stringContaining(urge.urgedBy.displayName ?? ''),
      '江西章贡律师事务所党支部',
      String(urge.notified),
    ]);
    await urgeRow.scrollIntoViewIfNeeded();
    await screenshot(page, 'basics', 'audit-urges');
    expect(await seriousViolations(page)).toEqual([]);
    expect(h.consoleErrors).toEqual([]);
  });

  it('counts today on the system clock, and says in the header that the clock was moved (here three weeks on)', async () => {
    const api = apiAs(h);
    const DAY = 86_400_000;
    // the supervisor's test moved the clock three weeks on; run alone, this one moves it itself
    if ((await api('city', 'get', '/auth/me')).clock.offsetMs < DAY)
      await api('admin', 'post', '/_clock', { advance: 'P21D' });
    const movedDays = Math.round((await api('city', 'get', '/auth/me')).clock.offsetMs / DAY);
    expect(movedDays).toBeGreaterThanOrEqual(21);
    const systemNow = Date.parse((await api('admin', 'get', '/_clock')).now);
    const day = (ms: number) =>
      new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date(ms)).slice(0, 10);
    const page = await h.newPage();
    await login(page, 'city');
    const tag = page.getByTestId('system-clock');
    await tag.waitFor();
    // the system's Beijing day, not the browser's, which is three weeks behind
    await expect(tag.textContent()).resolves.toBe(`系统日期 ${day(systemNow)}（时钟已拨快 ${movedDays} 天）`);
    // a firm uncovered since a known instant: its days are counted up to the system's today (the browser's own
    // today would say three weeks fewer)
    const firm = (await api('city', 'get', '/firms?coverage=none')).find((f: { uncoveredSince: string | null }) =>
      Boolean(f.uncoveredSince),
    );
    const days = Math.floor((systemNow - Date.parse(firm.uncoveredSince)) / DAY);
    await page.goto('/registry?tab=firms');
    await page.getByLabel('按覆盖情况筛选').click();
    await page.locator('.ant-select-item-option[title="尚未覆盖"]').click();
    const row = page.getByTestId('firms').locator('tr', { hasText: firm.name });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(`（${days} 天）`);
    await screenshot(page, 'basics', 'system-clock');
    expect(h.consoleErrors).toEqual([]);
  });

  it('shows deadlines and history in Beijing time, also in a browser set to another zone', async () => {
    const opened = await openTransferFromB(3);
    const view = await apiAs(h)('branch-b', 'get', `/cases/${opened.id}`);
    const beijing = (iso: string) =>
      new Intl.DateTimeFormat('sv-SE', {
        timeZone: 'Asia/Shanghai',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .format(new Date(iso))
        .replace(',', '');
    const due = beijing(view.deadlines.find((d: { kind: string }) => d.kind === 'deadline').dueAt);
    // a deadline ends a Beijing day: 23:59 there, which New York's clock calls 10:59 of that same day
    expect(due).toMatch(/ 23:59$/);
    const page = await h.newPage({ timezoneId: 'America/New_York' });
    await login(page, 'branch-b');
    await page.goto(`/cases/${opened.id}`);
    await page.getByText(due).first().waitFor();
    await page.getByText(beijing(view.openedAt)).first().waitFor();
    expect(await page.getByText(/ 10:59/).count()).toBe(0);
    expect(h.consoleErrors).toEqual([]);
  });

  it('draws the flow diagram at once for a user who asked for less motion (no drawing animation)', async () => {
    const opened = await openTransferFromB(1);
    const page = await h.newPage(); // reducedMotion: 'reduce', as the harness opens every page
    await login(page, 'branch-b');
    await page.goto(`/cases/${opened.id}`);
    const canvas = page.getByTestId('statechart').locator('canvas').first();
    await canvas.waitFor();
    const pixels = async () =>
      createHash('sha1')
        .update(await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL()))
        .digest('hex');
    const blank = createHash('sha1')
      .update(
        await canvas.evaluate((c: HTMLCanvasElement) => {
          const empty = document.createElement('canvas');
          empty.width = c.width;
          empty.height = c.height;
          return empty.toDataURL();
        }),
      )
      .digest('hex');
    // the first drawn frame is the last one: ECharts animates for a second by default, so frames 0.4 s apart differ
    let first = await pixels();
    while (first === blank) first = await pixels();
    await page.waitForTimeout(400);
    expect(await pixels()).toBe(first);
  });

  it('draws the flow diagram again from the card’s new width when the window is resized (boxes neither overlap nor stretch)', async () => {
    const opened = await openTransferFromB(2);
    const page = await h.newPage({ width: 1440, height: 900 });
    await login(page, 'branch-b');
    await page.goto(`/cases/${opened.id}`);
    const canvas = page.getByTestId('statechart').locator('canvas').first();
    await canvas.waitFor();
    // the current step's red box, in CSS pixels: how tall and how wide it is drawn
    const redBox = () =>
      canvas.evaluate((el: HTMLCanvasElement) => {
        const { data, width, height } = el.getContext('2d')!.getImageData(0, 0, el.width, el.height);
        const rows = new Set<number>();
        const cols = new Set<number>();
        for (let y = 0; y < height; y++)
          for (let x = 0; x < width; x++) {
            const i = (y * width + x) * 4;
            if (data[i] > 180 && data[i + 1] < 60 && data[i + 2] < 70 && data[i + 3] > 200) {
              rows.add(y);
              cols.add(x);
            }
          }
        const scale = el.width / el.clientWidth;
        return { height: Math.round(rows.size / scale), width: Math.round(cols.size / scale), card: el.clientWidth };
      });
    const drawn = async (card?: number) => {
      for (let tries = 0; tries < 50; tries++) {
        const box = await redBox();
        if (box.height > 0 && (card === undefined || box.card !== card)) return box;
        await page.waitForTimeout(100);
      }
      throw new Error('the diagram was not drawn');
    };
    const first = await drawn();
    // a box is 40 px tall (its border included) however wide the card: 62 px, overlapping its neighbours, when the
    // window was narrowed, and 30 px when it was widened, before the diagram was drawn again from the new width
    expect(first.height).toBeGreaterThanOrEqual(36);
    expect(first.height).toBeLessThanOrEqual(44);
    for (const width of [1100, 1700]) {
      await page.setViewportSize({ width, height: 900 });
      const box = await drawn(first.card);
      await page.waitForTimeout(300);
      expect({ width, height: (await redBox()).height }).toEqual({ width, height: first.height });
      expect(box.width).toBeLessThanOrEqual(130);
    }
    await page.getByTestId('statechart').scrollIntoViewIfNeeded();
    await screenshot(page, 'basics', 'diagram-resized');
  });

  it('says so in Chinese, inside the console, when a page cannot load (its code chunk unreachable after an update)', async () => {
    const page = await h.newPage();
    await login(page, 'branch-b');
    // the case page's code is its own chunk, fetched on the first visit: the network drops it
    await page.route(/\/assets\/CasePage-[^/]+\.js$/, (route) => route.abort('connectionreset'));
    await page.goto('/cases/11111111-1111-4111-8111-111111111111');
    await page.getByText('页面显示出错').waitFor();
    await page.getByText('此页面的程序未能下载（网络中断，或系统刚刚更新）', { exact: false }).waitFor();
    // the frame stays: the menu and the way back to the inbox
    await page.getByRole('link', { name: '待办' }).first().waitFor();
    await expect(page.getByText('Unexpected Application Error').count()).resolves.toBe(0);
    await screenshot(page, 'basics', 'page-error');
    await page.getByRole('button', { name: '返回待办' }).click();
    await page.waitForURL(/\/inbox$/);
    // the dropped chunk's own errors are this test's doing
    h.consoleErrors.length = 0;
  });
});
