import type { Page } from 'playwright-core';
import { apiAs, checkScreen, ConsoleHarness, login, startConsoleHarness } from './support/console';

jest.setTimeout(180_000);

/**
 * 用户管理 in the real browser: an admin sees a locked account marked, finds the lockout in the login
 * record, resets the password (the lockout ends, the user logs in with the new one), disables and enables a
 * user; a city committee's clerk reaches the same screen for the clerks below its committee only, and a
 * branch clerk has no such menu entry.
 */
describe('console: users administration (browser)', () => {
  let h: ConsoleHarness;
  const MAX_FAILURES = 3;
  const api: ReturnType<typeof apiAs> = (...args) => apiAs(h)(...args);
  const a11y = (page: Page, name: string) => checkScreen(page, 'users', name);
  const wrongLogin = () =>
    h.http().post('/api/v1/auth/token').send({ username: 'joint-1', password: 'wrong-password' });
  const userRow = (page: Page, username: string) =>
    page
      .getByTestId('users')
      .locator('tbody tr.ant-table-row')
      .filter({ has: page.getByRole('cell', { name: username, exact: true }) });

  beforeAll(async () => {
    h = await startConsoleHarness({ LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
  });
  afterAll(() => h?.close());

  it('admin sees a lockout, resets the password (which lifts it), and disables and enables a user', async () => {
    for (let i = 0; i < MAX_FAILURES; i++) await wrongLogin();
    expect((await h.http().post('/api/v1/auth/token').send({ username: 'joint-1', password: 'demo' })).status).toBe(
      429,
    );

    const page = await h.newPage();
    await login(page, 'admin');
    await page.getByRole('link', { name: '用户管理' }).click();
    await page.getByRole('heading', { name: '用户管理' }).waitFor();
    await userRow(page, 'joint-1')
      .getByText(/已锁定至/)
      .waitFor();
    const users = await api('admin', 'get', '/users');
    await page.getByRole('heading', { name: `用户（${users.length}）` }).waitFor();

    // the login record of that user: its failures and the lockout, in Chinese
    await userRow(page, 'joint-1').getByRole('button', { name: '登录记录' }).click();
    await page.getByRole('heading', { name: '登录记录：joint-1' }).waitFor();
    const logins = page.getByTestId('logins');
    await logins.getByText('账号锁定').first().waitFor();
    await logins.getByText(`连续失败 ${MAX_FAILURES} 次`).first().waitFor();
    await expect(logins.getByText('登录失败').count()).resolves.toBeGreaterThanOrEqual(MAX_FAILURES - 1);
    await a11y(page, 'users-locked');

    await userRow(page, 'joint-1').getByRole('button', { name: '重置 joint-1 的密码' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('新密码').fill('short');
    await dialog.getByRole('button', { name: /重\s*置/ }).click();
    await dialog.getByText('密码长度不能少于 8 个字符').waitFor();
    await dialog.getByLabel('新密码').fill('Joint#2027-new');
    await a11y(page, 'users-reset-dialog');
    await dialog.getByRole('button', { name: /重\s*置/ }).click();
    await page.getByText('已重置 joint-1 的密码，锁定已解除').waitFor();
    await userRow(page, 'joint-1').getByText('正常').waitFor();
    await logins.getByText('管理员重置密码').first().waitFor();
    await logins.getByText('由 admin 重置').first().waitFor();
    const joint = await h.newPage();
    await login(joint, 'joint-1', 'Joint#2027-new');
    await joint.getByTestId('whoami').waitFor();

    // disable: the user's login is refused; enable again
    await userRow(page, 'branch-b').getByRole('button', { name: '停用 branch-b' }).click();
    await page.getByRole('button', { name: /确\s*定/ }).click();
    await userRow(page, 'branch-b').getByText('已停用').waitFor();
    const refused = await h.http().post('/api/v1/auth/token').send({ username: 'branch-b', password: 'demo' });
    expect(refused.body.code).toBe('ACCOUNT_DISABLED');
    await page.getByLabel('按结果筛选').click();
    await page.locator('.ant-select-item-option[title="停用账号登录"]').click();
    await page.getByRole('button', { name: '显示全部用户' }).click();
    await logins.locator('tbody tr').filter({ hasText: 'branch-b' }).first().waitFor();
    await userRow(page, 'branch-b').getByRole('button', { name: '启用 branch-b' }).click();
    await page.getByRole('button', { name: /确\s*定/ }).click();
    await userRow(page, 'branch-b').getByText('正常').waitFor();
    expect((await h.http().post('/api/v1/auth/token').send({ username: 'branch-b', password: 'demo' })).status).toBe(
      200,
    );
    await a11y(page, 'users-admin');
    expect(h.consoleErrors).toEqual([]);
  });

  it('a city clerk manages the clerks below its committee; a branch clerk has no users menu', async () => {
    const page = await h.newPage();
    await login(page, 'city');
    await page.getByRole('link', { name: '用户管理' }).click();
    await page.getByRole('heading', { name: '用户管理' }).waitFor();
    const managed: { username: string }[] = await api('city', 'get', '/users');
    await page.getByRole('heading', { name: `用户（${managed.length}）` }).waitFor();
    const shown = await page.getByTestId('users').locator('tbody tr.ant-table-row td:first-child').allInnerTexts();
    expect(shown.sort()).toEqual(managed.map((u) => u.username).sort());
    expect(shown).not.toContain('supervisor');
    expect(shown).not.toContain('city');
    // no role choice: a city clerk grants only clerk roles
    await expect(page.getByLabel('角色').count()).resolves.toBe(0);
    await page.getByLabel('用户名').fill('branch-a-new');
    await page.getByLabel('姓名').fill('第一律师事务所党支部新任党务干事');
    await page.getByLabel('初始密码').fill('BranchA#2027');
    const firmA = h.region.orgs.find((o) => o.id === h.region.anchors.firmAOrgId)!.name;
    await page.getByLabel('所在组织').click();
    await page.getByLabel('所在组织').fill(firmA);
    await page.locator(`.ant-select-item-option[title="${firmA}"]`).click();
    await page.getByRole('button', { name: /创\s*建/ }).click();
    await userRow(page, 'branch-a-new').waitFor();
    // the login record holds the users it manages only
    await page.getByTestId('logins').locator('tbody tr.ant-table-row').first().waitFor();
    const loginUsers = await page
      .getByTestId('logins')
      .locator('tbody tr.ant-table-row td:nth-child(2)')
      .allInnerTexts();
    const now = (await api('city', 'get', '/users')).map((u: any) => u.username);
    expect(loginUsers.length).toBeGreaterThan(0);
    expect(loginUsers.every((u) => now.includes(u))).toBe(true);
    await a11y(page, 'users-city');

    const branch = await h.newPage();
    await login(branch, 'branch-a');
    await branch.getByRole('link', { name: '待办' }).waitFor();
    await expect(branch.getByRole('link', { name: '用户管理' }).count()).resolves.toBe(0);
    expect(h.consoleErrors).toEqual([]);
  });
});
