/**
 * The launcher's last line (`tests: N passed, M failed`) is what people and CI read. A suite that fails to
 * run (throws at import) has no failed test in Jest's counts, so it must still show up as a failure here:
 * this runs the real Jest on a throw-away fixture and feeds its --json results to the launcher's summary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const { testSummaryLine } = require('../scripts/provision/test-summary') as {
  testSummaryLine: (results: unknown) => string;
};

const JEST = resolve(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');

function runJest(files: Record<string, string>): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'pf-summary-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'jest.config.js'), "module.exports = { testMatch: ['**/*.check.js'] };\n");
    const out = join(dir, 'results.json');
    spawnSync(process.execPath, [JEST, '--rootDir', dir, '--ci', '--json', `--outputFile=${out}`], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 50_000,
    });
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('npm test summary line', () => {
  it('counts a suite that throws at import as failed (never "0 failed")', () => {
    const results = runJest({
      'broken.check.js': "throw new Error('broken at import');\n",
      'fine.check.js': "test('passes', () => {});\n",
      'hook.check.js': "afterAll(() => { throw new Error('teardown'); });\ntest('passes too', () => {});\n",
    });
    expect(testSummaryLine(results)).toBe('tests: 2 passed, 2 failed');
  });

  it('adds failed tests and skipped tests as before', () => {
    const results = runJest({
      'mixed.check.js': "test('a', () => {});\ntest('b', () => { expect(1).toBe(2); });\ntest.skip('c', () => {});\n",
    });
    expect(testSummaryLine(results)).toBe('tests: 1 passed, 1 failed, 1 skipped');
  });
});
