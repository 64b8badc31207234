'use strict';
/**
 * The last line of `npm test`: `tests: <n> passed, <n> failed[, <n> skipped]`, computed from Jest's --json
 * results. A suite that failed to run (an exception at import, in beforeAll/afterAll) has no failed *test*,
 * so Jest's numFailedTests stays 0 for it: such suites are added to the failed figure, otherwise a broken
 * suite could end a run with "0 failed". Node built-ins only (runs in the launcher before npm install).
 */

/** Suites that failed without a failing test: counted by Jest as runtime errors. */
function brokenSuites(results) {
  const counted = results.numRuntimeErrorTestSuites || 0;
  // older/newer Jest versions: a failed suite whose assertions all passed (or that has none) is broken too
  const seen = (results.testResults || []).filter(
    (s) => s.status === 'failed' && !(s.assertionResults || []).some((a) => a.status === 'failed'),
  ).length;
  return Math.max(counted, seen);
}

/** @param results Jest's aggregated --json results */
function testSummaryLine(results) {
  const failed = (results.numFailedTests || 0) + brokenSuites(results);
  const skipped = (results.numPendingTests || 0) + (results.numTodoTests || 0);
  return `tests: ${results.numPassedTests || 0} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

module.exports = { testSummaryLine, brokenSuites };
