import { readFileSync } from 'fs';
import type { Page } from 'playwright-core';
import { fullMembersOf } from '../support/harness';
import { pdfText } from '../support/pdf';
import { apiAs, checkScreen, ConsoleHarness, login, startConsoleHarness } from './support/console';
import { beijingDay } from '../support/dates';

jest.setTimeout(180_000);

/**
 * The case page's documents: once the committee has issued the transfer letter, the clerks of the case
 * download it as a PDF from the case page (GET /cases/:id/documents/transfer-letter); the receipt says why it
 * is not there yet, and downloads once the member has reported.
 */
describe('console: documents from the case page (browser)', () => {
  let h: ConsoleHarness;
  const LETTER_NO = '赣律党转〔2026〕77号';
  const future = (days: number) => beijingDay(days);
  const api: ReturnType<typeof apiAs> = (...args) => apiAs(h)(...args);

  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  const downloadPdf = async (page: Page, name: RegExp) => {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('documents').getByRole('button', { name }).click(),
    ]);
    expect(file.suggestedFilename()).toMatch(/\.pdf$/);
    const bytes = readFileSync((await file.path())!);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    return pdfText(bytes);
  };

  it('downloads the transfer letter and, after the report, the receipt from the case page', async () => {
    const member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[0];
    const opened = await api('branch-a', 'post', '/cases', {
      workflow: 'membership-transfer',
      subject: { memberId: member.id },
      input: { toOrgId: h.region.anchors.firmBOrgId },
    });
    const page = await h.newPage();
    await login(page, 'branch-a');
    await page.goto(`/cases/${opened.id}`);
    // before the letter: both documents listed, neither downloadable, each saying why
    const letterButton = page.getByTestId('documents').getByRole('button', { name: /下载党员组织关系介绍信$/ });
    await letterButton.waitFor();
    await expect(letterButton.isDisabled()).resolves.toBe(true);
    const [before] = (await api('branch-a', 'get', `/cases/${opened.id}/documents`)).filter(
      (d: any) => d.kind === 'transfer-letter',
    );
    await page.getByTestId('documents').getByText(before.reason).waitFor();

    await api('branch-a', 'post', `/cases/${opened.id}/events`, { type: 'APPROVE_RELEASE' });
    await api('city', 'post', `/cases/${opened.id}/events`, {
      type: 'ISSUE_LETTER',
      data: { letterNo: LETTER_NO, validUntil: future(30) },
    });
    await page.reload();
    await page.getByTestId('case-state').waitFor();
    await expect(letterButton.isEnabled()).resolves.toBe(true);
    await checkScreen(page, 'documents', 'case-documents-letter');
    const letter = await downloadPdf(page, /下载党员组织关系介绍信$/);
    expect(letter).toContain(LETTER_NO);
    expect(letter).toContain(member.name);

    await api('branch-b', 'post', `/cases/${opened.id}/events`, { type: 'ACCEPT' });
    await api('branch-b', 'post', `/cases/${opened.id}/events`, {
      type: 'RECORD_REPORT',
      data: { reportedOn: beijingDay() },
    });
    const b = await h.newPage();
    await login(b, 'branch-b');
    await b.goto(`/cases/${opened.id}`);
    const receipt = await downloadPdf(b, /回执$/);
    expect(receipt).toContain('中国共产党党员组织关系介绍信回执');
    expect(receipt).toContain(LETTER_NO);

    // the member's page tells the same story in the procedures' words, never an event key
    await b.goto(`/members/${member.id}`);
    const rows = b.getByTestId('member-timeline-row');
    await rows.filter({ hasText: '组织关系接转：登记党员报到' }).waitFor();
    for (const title of ['组织关系接转：发起', '组织关系接转：同意转出', '组织关系接转：开具组织关系介绍信'])
      await rows.filter({ hasText: title }).first().waitFor();
    const texts = await rows.allInnerTexts();
    expect(texts.filter((t) => /[A-Z_]{3,}/.test(t))).toEqual([]);
    await checkScreen(b, 'documents', 'member-history');
    expect(h.consoleErrors).toEqual([]);
  });
});
