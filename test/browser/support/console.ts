import AxeBuilder from '@axe-core/playwright';
import fs from 'fs';
import path from 'path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { Harness, startHarness } from '../../support/harness';

const { ensureConsoleBuilt } = require('../../../scripts/provision/console');
const { ensureBrowser } = require('../../../scripts/provision/browser');

export const SCREENSHOTS = path.resolve(__dirname, '..', '..', '..', 'test-results', 'screenshots');

export interface ConsoleHarness extends Harness {
  baseUrl: string;
  browser: Browser;
  /** A fresh browser context (own storage: own login) with a page on the console. */
  newPage: (opts?: { width?: number; height?: number; timezoneId?: string }) => Promise<Page>;
  /** Errors written to the browser console or thrown on any page of this harness. */
  consoleErrors: string[];
}

/**
 * The real application (own database and queue prefix, demo region) listening on 127.0.0.1, plus
 * Debian's chromium through playwright-core. The console is built first when its build is missing or
 * stale (`npm test` has usually done so already).
 */
export async function startConsoleHarness(overrides: Record<string, string> = {}): Promise<ConsoleHarness> {
  ensureConsoleBuilt();
  const executablePath = process.env.CHROMIUM_PATH || ensureBrowser();
  const h = await startHarness(overrides);
  await h.app.listen(0, '127.0.0.1');
  const { port } = h.app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    // root in a container: no user namespaces for the sandbox; nothing but 127.0.0.1 is ever visited
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--lang=zh-CN'],
  });
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];
  const newPage = async (opts: { width?: number; height?: number; timezoneId?: string } = {}) => {
    const ctx = await browser.newContext({
      baseURL: baseUrl,
      locale: 'zh-CN',
      timezoneId: opts.timezoneId ?? 'Asia/Shanghai',
      // no antd animations (the console honours reduced motion): a click on a dropdown item while it was still
      // opening was sometimes dropped (two CI runs of five: the organization option, the logout item)
      reducedMotion: 'reduce',
      viewport: { width: opts.width ?? 1366, height: opts.height ?? 860 },
    });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('console', (m) => {
      // the API's 4xx answers the console shows on purpose are logged by the browser as failed loads
      if (
        m.type() === 'error' &&
        !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())
      )
        consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    return page;
  };
  return {
    ...h,
    baseUrl,
    browser,
    newPage,
    consoleErrors,
    close: async () => {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await h.close();
    },
  };
}

/** Signs in through the login screen and waits for the inbox (or the page asked for). */
export async function login(page: Page, username: string, password = 'demo') {
  if (!page.url().includes('/login')) await page.goto('/login');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Keeps a screenshot under test-results/screenshots/<suite>/<name>.png (git-ignored). */
export async function screenshot(page: Page, suite: string, name: string) {
  const dir = path.join(SCREENSHOTS, suite);
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** axe-core on the current page: the serious and critical violations (expected: none). */
export async function seriousViolations(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
    }));
}

/** The JSON API as a demo user, through the harness's own server; a non-2xx answer fails the test with its body. */
export function apiAs(h: ConsoleHarness) {
  return async (user: string, method: 'get' | 'post' | 'put', path: string, body?: object) => {
    const req = h
      .http()
      [method](`/api/v1${path}`)
      .set(await h.as(user));
    const res = body ? await req.send(body) : await req;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
}

/** Keeps the screen's screenshot and asserts axe finds no serious or critical violation on it. */
export async function checkScreen(page: Page, suite: string, name: string) {
  await screenshot(page, suite, name);
  expect({ screen: name, violations: await seriousViolations(page) }).toEqual({ screen: name, violations: [] });
}
