/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import dayjs from 'dayjs';
import type { Page } from 'playwright-core';
import { fullMembersOf } from '../support/harness';
import { ConsoleHarness, login, screenshot, startConsoleHarness, apiAs, checkScreen } from './support/console';
import { beijingDay } from '../support/dates';

jest.setTimeout(300_000); // a machine shared with other work can be slow: each test waits, never sleeps

/**
 * The clerk's day in the real browser against the real server: a membership transfer carried by three
 * clerks through the console, the refusals (a rule, a stale page), a deadline passing, the scope of what
 * a branch sees, and every screen checked with axe, at desktop and at phone width.
 */
describe('console: the clerk scenarios (browser)', () => {
  let h: ConsoleHarness;
  const SUITE = 'clerk';
  const day = (offset: number) => beijingDay(offset);
  const api: ReturnType<typeof apiAs> = (...args) => apiAs(h)(...args);
  const a11y = (page: Page, name: string) => checkScreen(page, SUITE, name);
  /** Picks an option of an antd select labelled `label`, typing `search` first when given. */
  const choose = async (page: Page, label: string, optionText: string | RegExp, search?: string) => {
    const box = page.getByLabel(label, { exact: true });
    await box.click();
    if (search) await box.fill(search);
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option')
      .filter({ hasText: optionText })
      .first()
      .click();
  };
  /** Types a date into an antd date picker labelled `label`. */
  const typeDate = async (page: Page, label: string, date: string) => {
    const box = page.getByLabel(label, { exact: true });
    await box.click();
    await box.fill(date);
    await box.press('Enter');
  };
  const act = async (page: Page, title: string) => {
    await page.getByTestId('actions').getByRole('button', { name: title, exact: true }).click();
    return page.getByRole('dialog', { name: title });
  };
  const submitAndWait = async (page: Page, dialog: ReturnType<Page['getByRole']>) => {
    await dialog.getByTestId('act-submit').click();
    await dialog.waitFor({ state: 'detached' });
  };
  const openTransfer = async (user: string, memberId: string, toOrgId: string) =>
    (
      await api(user, 'post', '/cases', {
        workflow: 'membership-transfer',
        subject: { memberId },
        input: { toOrgId },
      })
    ).id as string;

  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  it('carries a transfer through the console: branch-a opens and releases, city issues the letter, branch-b accepts and records the report', async () => {
    const { firmAOrgId, firmBOrgId } = h.region.anchors;
    const member = fullMembersOf(h.region, firmAOrgId)[2];
    const orgB = h.region.orgs.find((o) => o.id === firmBOrgId)!;

    // branch-a opens the transfer: procedure, then the member (a picker, not an id box), then the receiving org
    const a = await h.newPage();
    await login(a, 'branch-a');
    await a.getByRole('link', { name: '发起流程' }).click();
    await a.getByRole('heading', { name: '发起流程' }).waitFor();
    await choose(a, '流程', /^组织关系接转/);
    await choose(a, '办理对象', member.name, member.name);
    await choose(a, '接收党组织', orgB.name, orgB.name.slice(0, 6));
    await a11y(a, 'open-case');
    // the case page opens on the case as the opening answered it, and each step shows the case its answer gives:
    // no second request for the case itself
    const caseReads: string[] = [];
    const countCaseReads = (r: { method(): string; url(): string }) => {
      const path = new URL(r.url()).pathname;
      if (r.method() === 'GET' && /^\/api\/v1\/cases\/[0-9a-f-]{36}$/.test(path)) caseReads.push(path);
    };
    a.on('request', countCaseReads);
    await a.getByTestId('open-submit').click();
    await a.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
    const caseId = a.url().split('/').pop()!;
    await a.getByTestId('case-state').filter({ hasText: '转出审核' }).waitFor();
    await a.getByTestId('history-row').first().waitFor();
    expect(caseReads).toEqual([]);
    await a11y(a, 'case-page');

    // in the inbox, then released: it leaves the inbox
    await a.getByRole('link', { name: '待办' }).click();
    const row = a.getByTestId('task').filter({ has: a.locator(`a[href="/cases/${caseId}"]`) });
    await row.waitFor();
    await row.getByRole('button', { name: '同意转出', exact: true }).click();
    await a.waitForURL(new RegExp(`/cases/${caseId}\\?act=APPROVE_RELEASE`));
    const approve = a.getByRole('dialog', { name: '同意转出' });
    await approve.getByLabel('办理意见（选填）').fill('同意转出，已核实执业变更');
    await a11y(a, 'act-dialog');
    // (the page may have read the case again on the way here, if what it had was older than its 15 s)
    caseReads.length = 0;
    await submitAndWait(a, approve);
    await a.getByTestId('case-state').filter({ hasText: '开具组织关系介绍信' }).waitFor();
    await a.getByTestId('history-row').filter({ hasText: '同意转出' }).first().waitFor();
    a.off('request', countCaseReads);
    expect(caseReads).toEqual([]);
    await a.getByTestId('no-actions').waitFor();
    await a.getByRole('link', { name: '待办' }).click();
    await a.getByTestId('inbox-count').waitFor();
    await expect(a.locator(`a[href="/cases/${caseId}"]`).count()).resolves.toBe(0);

    // city issues the letter with a number and a validity date (the Chinese calendar picker)
    const c = await h.newPage();
    await login(c, 'city');
    await c.locator(`a[href="/cases/${caseId}"]`).first().click();
    const issue = await act(c, '开具组织关系介绍信');
    await issue.getByLabel('介绍信编号').fill('赣律党转〔2026〕7号');
    // the validity is proposed as the longest the case's policy allows (3 months), which the engine accepts as it is
    const before = await api('city', 'get', `/cases/${caseId}`);
    expect(before.context.policy.letterMaxValidityMonths).toBe(3);
    const proposed = await issue.getByLabel('有效期至', { exact: true }).inputValue();
    // counted from today (Beijing, as the browser here), or from the case's last step when the engine runs ahead
    const lastStep = new Date(new Date(before.updatedAt).getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const from = [day(0), lastStep].sort()[1];
    expect(proposed).toBe(dayjs(from).add(3, 'month').format('YYYY-MM-DD'));
    await issue.getByTestId('day-hint').waitFor();
    await screenshot(c, SUITE, 'issue-letter');
    await submitAndWait(c, issue);
    await c.getByTestId('case-state').filter({ hasText: '接收审核' }).waitFor();
    expect((await api('city', 'get', `/cases/${caseId}`)).context.validUntil).toBe(proposed);

    // branch-b accepts and records the report
    const b = await h.newPage();
    await login(b, 'branch-b');
    await b.locator(`a[href="/cases/${caseId}"]`).first().click();
    await submitAndWait(b, await act(b, '同意接收'));
    await b.getByTestId('case-state').filter({ hasText: '等待党员报到' }).waitFor();
    const report = await act(b, '登记党员报到');
    await typeDate(b, '报到日期', day(0));
    await submitAndWait(b, report);
    await b.getByTestId('case-state').filter({ hasText: '接转完成' }).waitFor();

    // five rows, each with the clerk who acted and their organization
    const rows = b.getByTestId('history-row');
    await expect(rows.count()).resolves.toBe(5);
    const texts = await rows.allTextContents();
    const expected: [string, string][] = [
      ['发起', 'branch-a'],
      ['同意转出', 'branch-a'],
      ['开具组织关系介绍信', 'city'],
      ['同意接收', 'branch-b'],
      ['登记党员报到', 'branch-b'],
    ];
    expected.forEach(([what, who], i) => {
      expect(texts[i]).toContain(what);
      expect(texts[i]).toContain(`（${who}）`);
    });
    expect(texts[1]).toContain('同意转出，已核实执业变更');
    expect(texts[2]).toContain('赣律党转〔2026〕7号');
    expect(texts[3]).toContain(orgB.name);
    await b.getByTestId('chain-ok').waitFor();
    await screenshot(b, SUITE, 'transfer-done');

    // the member now belongs to branch B
    const m = await api('branch-b', 'get', `/members/${member.id}`);
    expect(m.orgId).toBe(firmBOrgId);
    expect(h.consoleErrors).toEqual([]);
  });

  it('shows a rule refusal beside the form, and the 409 flow on a stale page', async () => {
    const { firmAOrgId, firmBOrgId } = h.region.anchors;
    const [m1, m2] = fullMembersOf(h.region, firmAOrgId).slice(3, 5);
    const released = await openTransfer('branch-a', m1.id, firmBOrgId);
    await api('branch-a', 'post', `/cases/${released}/events`, { type: 'APPROVE_RELEASE' });

    // an expired validity date: the engine's rule refuses, in Chinese, inside the form
    const c = await h.newPage();
    await login(c, 'city');
    await c.goto(`/cases/${released}`);
    const issue = await act(c, '开具组织关系介绍信');
    await issue.getByLabel('介绍信编号').fill('赣律党转〔2026〕8号');
    await typeDate(c, '有效期至', day(-1));
    await issue.getByTestId('act-submit').click();
    const refusal = issue.getByTestId('rule-error');
    await refusal.filter({ hasText: '介绍信有效期须晚于开具日期' }).waitFor();
    // and beside the field it is about: the validity date, not the letter number
    const validUntil = issue.locator('.ant-form-item').filter({ has: c.getByLabel('有效期至') });
    await validUntil
      .locator('.ant-form-item-explain-error')
      .filter({ hasText: '介绍信有效期须晚于开具日期' })
      .waitFor();
    const letterNo = issue.locator('.ant-form-item').filter({ has: c.getByLabel('介绍信编号') });
    await expect(letterNo.locator('.ant-form-item-explain-error').count()).resolves.toBe(0);
    await a11y(c, 'rule-refusal');
    await issue.getByRole('button', { name: /^取\s*消$/ }).click();
    expect((await api('city', 'get', `/cases/${released}`)).stateTitle).toBe('开具组织关系介绍信');

    // a stale page: someone else released the member after this page was loaded
    const stale = await openTransfer('branch-a', m2.id, firmBOrgId);
    const a = await h.newPage();
    await login(a, 'branch-a');
    await a.goto(`/cases/${stale}`);
    await a.getByTestId('actions').waitFor();
    const dialog = await act(a, '同意转出');
    await dialog.getByLabel('办理意见（选填）').fill('同意');
    await api('branch-a', 'post', `/cases/${stale}/events`, { type: 'APPROVE_RELEASE', comment: '已由他人先行办理' });
    // the page notices in the background (a refetch) or only when sending: either way the form stays open
    await a.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await a.waitForTimeout(500);
    await dialog.getByTestId('act-submit').click();
    const conflict = dialog.getByTestId('conflict');
    await conflict.waitFor({ timeout: 10_000 }).catch(async (e) => {
      await screenshot(a, SUITE, 'conflict-missing');
      throw e;
    });
    await expect(conflict.getByTestId('conflict-change').allTextContents()).resolves.toEqual([
      expect.stringContaining('同意转出，转出审核 → 开具组织关系介绍信，意见：已由他人先行办理'),
    ]);
    await a11y(a, 'conflict');
    await conflict.getByTestId('conflict-reload').click();
    await dialog.waitFor({ state: 'detached' });
    await a.getByTestId('case-state').filter({ hasText: '开具组织关系介绍信' }).waitFor();
    await a.getByTestId('no-actions').waitFor();
    // acted once only
    const history = await api('branch-a', 'get', `/cases/${stale}/history`);
    expect(history.filter((r: any) => r.type === 'APPROVE_RELEASE')).toHaveLength(1);
    expect(h.consoleErrors).toEqual([]);
  });

  it('turns a case red when the clock passes its deadline, and shows the reminder as a notification', async () => {
    const { firmAOrgId, firmBOrgId } = h.region.anchors;
    const member = fullMembersOf(h.region, firmAOrgId)[5];
    const id = await openTransfer('branch-a', member.id, firmBOrgId);
    const a = await h.newPage();
    await login(a, 'branch-a');
    const row = a.getByTestId('task').filter({ has: a.locator(`a[href="/cases/${id}"]`) });
    await row.waitFor();
    expect(await row.getAttribute('data-urgency')).not.toBe('overdue');

    await api('admin', 'post', '/_clock', { advance: 'P40D' });
    await a.reload();
    await row.waitFor();
    expect(await row.getAttribute('data-urgency')).toBe('overdue');
    const color = await row.evaluate((el) => getComputedStyle(el.querySelector('td') ?? el).backgroundColor);
    const [r, g, bl] = color.match(/\d+/g)!.map(Number);
    expect(r).toBeGreaterThan(g + 10); // a red tint
    expect(r).toBeGreaterThan(bl + 10);
    // the 已逾期 tag and the due time beside it keep a gap (on a white card they touched)
    const gap = await row.locator('.ant-tag[data-urgency="overdue"]').evaluate((tag) => {
      const time = tag.nextElementSibling!.getBoundingClientRect();
      return time.left - tag.getBoundingClientRect().right;
    });
    expect(gap).toBeGreaterThanOrEqual(4);
    await a.getByTestId('inbox-count').filter({ hasText: '逾期' }).waitFor();
    await a11y(a, 'inbox-overdue');

    const bell = a.getByTestId('notifications-bell');
    await expect(bell.getAttribute('aria-label')).resolves.toMatch(/未读/);
    await bell.click();
    const reminder = a
      .getByTestId('notification')
      .filter({ has: a.locator(`a[href="/cases/${id}"]`) })
      .filter({ hasText: '请及时办理' });
    await reminder.first().waitFor();
    await a.waitForTimeout(400); // the drawer's slide-in
    await a11y(a, 'notifications');
    // mark one as read: one unread fewer (each reminder stage of the deadline is its own notice)
    const unread = reminder.getByRole('button', { name: '标为已读' });
    const before = await unread.count();
    expect(before).toBeGreaterThan(0);
    await unread.first().click();
    await a.waitForFunction(
      ([id, n]) =>
        [...document.querySelectorAll('[data-testid="notification"]')].filter(
          (el) =>
            el.querySelector(`a[href="/cases/${id}"]`) &&
            el.textContent!.includes('请及时办理') &&
            el.textContent!.includes('标为已读'),
        ).length === n,
      [id, before - 1] as const,
    );
    expect(h.consoleErrors).toEqual([]);
  });

  it('keeps branch-a cases out of branch-b list, and a deep link gives the 404 page', async () => {
    const { firmAOrgId, jointBranch1Id } = h.region.anchors;
    const member = fullMembersOf(h.region, firmAOrgId)[6];
    const id = await openTransfer('branch-a', member.id, jointBranch1Id); // branch B is no party to it
    const b = await h.newPage();
    await login(b, 'branch-b');
    await b.goto('/cases');
    await b.getByRole('heading', { name: '案件' }).waitFor();
    await b.getByTestId('cases-total').waitFor();
    await expect(b.locator(`a[href="/cases/${id}"]`).count()).resolves.toBe(0);
    await b.getByLabel('搜索对象').fill(member.name);
    await b.getByLabel('搜索对象').press('Enter');
    await b.waitForURL(/q=/);
    await b.getByTestId('cases-total').filter({ hasText: '共 0 件' }).waitFor();
    await a11y(b, 'cases');

    // the city committee narrows its list to one organization with the picker (names, not ids)
    const city = await h.newPage();
    await login(city, 'city');
    await city.goto('/cases');
    await city.getByTestId('cases-total').waitFor();
    const firmA = h.region.orgs.find((o) => o.id === firmAOrgId)!.name;
    await city.getByLabel('按组织筛选').click();
    await city.getByLabel('按组织筛选').fill(firmA);
    await city.locator(`.ant-select-item-option[title="${firmA}"]`).click();
    await city.waitForURL(new RegExp(`orgId=${firmAOrgId}`));
    const inFirmA = await api('city', 'get', `/cases?orgId=${firmAOrgId}&pageSize=1`);
    expect(inFirmA.total).toBeGreaterThan(0);
    await city
      .getByTestId('cases-total')
      .filter({ hasText: `共 ${inFirmA.total} 件` })
      .waitFor();
    await expect(city.locator(`a[href="/cases/${id}"]`).count()).resolves.toBe(1);
    await a11y(city, 'cases-by-org');

    await b.goto(`/cases/${id}`);
    await b.getByText('案件不存在，或不在您的权限范围内。').waitFor();
    await a11y(b, 'not-found');
    expect(h.consoleErrors).toEqual([]);
  });

  it('works at phone width: the inbox and the case page', async () => {
    const p = await h.newPage({ width: 390, height: 844 });
    await login(p, 'branch-a');
    await p.getByRole('heading', { name: '待办' }).waitFor();
    const card = p.getByTestId('task').first();
    await card.waitFor();
    await a11y(p, 'inbox-390');
    const overflow = () =>
      p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await card.getByRole('link').first().click();
    await p.waitForURL(/\/cases\//);
    await p.getByTestId('history-row').first().waitFor();
    await p.waitForTimeout(300);
    await a11y(p, 'case-390');
    expect(await overflow()).toBeLessThanOrEqual(0);
    // acting works at this width too: the dialog fits the screen
    const first = p.getByTestId('actions').getByRole('button').first();
    if (await first.count()) {
      await first.click();
      const dialog = p.getByRole('dialog');
      await dialog.waitFor();
      const box = (await dialog.boundingBox())!;
      expect(box.width).toBeLessThanOrEqual(390);
      await screenshot(p, SUITE, 'act-390');
      await dialog.getByRole('button', { name: /^取\s*消$/ }).click();
    }
    expect(h.consoleErrors).toEqual([]);
  });
  it('subscribes an e-mail address and the branch’s webhook from the notifications drawer, with the API’s refusals beside the field', async () => {
    const { firmAOrgId } = h.region.anchors;
    const a = await h.newPage();
    await login(a, 'branch-a');
    await a.getByTestId('notifications-bell').click();
    const section = a.getByTestId('notification-channels');
    await section.getByText('尚未订阅外发渠道').waitFor();
    // my own e-mail (no SMTP here: the e-mails would stay pending, nothing is sent)
    await section.getByLabel('电子邮件地址').fill('branch-a@example.com');
    await section.getByRole('button', { name: '添加订阅' }).click();
    await section.getByTestId('notification-channel').filter({ hasText: 'branch-a@example.com' }).waitFor();
    // the branch's robot: a refused address is answered beside the field, then one the API accepts
    await choose(a, '渠道', 'Webhook');
    await choose(a, '接收', '江西章贡律师事务所党支部');
    await section.getByLabel('Webhook 地址').fill('ftp://127.0.0.1/hook');
    await section.getByRole('button', { name: '添加订阅' }).click();
    await section.getByText('address 必须是 http(s) 地址（webhook URL）').waitFor();
    await section.getByLabel('Webhook 地址').fill('http://127.0.0.1:9/hook');
    await section.getByLabel('签名密钥（可选，至少 8 位）').fill('branch-a-secret');
    await section.getByRole('button', { name: '添加订阅' }).click();
    const robot = section.getByTestId('notification-channel').filter({ hasText: 'http://127.0.0.1:9/hook' });
    await robot.getByText('已设签名密钥').waitFor();
    await robot.getByText('江西章贡律师事务所党支部').waitFor();
    await a.waitForTimeout(400); // the drawer's slide-in
    await a11y(a, 'notification-channels');
    const mine = await api('branch-a', 'get', '/notifications/channels');
    expect(mine.map((c: any) => [c.channel, c.address, c.orgId, c.hasSecret]).sort()).toEqual(
      [
        ['email', 'branch-a@example.com', null, false],
        ['webhook', 'http://127.0.0.1:9/hook', firmAOrgId, true],
      ].sort(),
    );
    // and unsubscribed again
    await section
      .getByTestId('notification-channel')
      .filter({ hasText: 'branch-a@example.com' })
      .getByRole('button', { name: '取消订阅' })
      .click();
    await a
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /取消订阅/ })
      .click();
    await section.getByTestId('notification-channel').filter({ hasText: 'branch-a@example.com' }).waitFor({
      state: 'detached',
    });
    await expect(api('branch-a', 'get', '/notifications/channels')).resolves.toHaveLength(1);
    expect(h.consoleErrors).toEqual([]);
  });
});
