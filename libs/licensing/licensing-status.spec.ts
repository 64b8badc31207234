import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { partyTransferSql } from './licensing-applications.repository';
import { assessmentDeferred, transferOutcomes } from './licensing-status';

describe('party-transfer status of a closed membership-transfer case', () => {
  it('is read from the procedure: each final state and the status its entry announces', () => {
    expect(Object.fromEntries(transferOutcomes().map((o) => [o.state, o.status]))).toEqual({
      completed: 'completed',
      closed_exception: 'exception_approved',
      // the letter expired and the member was referred: the transfer is not done
      closed_referred: 'pending',
      cancelled: 'not_required',
    });
  });

  it('follows a renamed or added final state without a change to licensing', () => {
    const effect = (status: string) => ({ type: 'effect', params: { kind: 'licensing.statusChanged', status } });
    const machine = {
      config: {
        states: {
          open: { on: {} },
          done: { type: 'final', entry: [{ type: 'assign' }, effect('completed')] },
          refused: { type: 'final', entry: effect('exception_approved') },
          dropped: { type: 'final' },
        },
      },
    };
    expect(transferOutcomes(machine)).toEqual([
      { state: 'done', status: 'completed' },
      { state: 'refused', status: 'exception_approved' },
      { state: 'dropped', status: 'pending' },
    ]);
  });

  it('builds the SQL from them; the licensing sources spell no state name of the procedure', () => {
    const sql = partyTransferSql();
    expect(sql).toContain(`WHEN 'completed' = ANY(c.state_paths) THEN 'completed'`);
    expect(sql).toContain(`WHEN 'closed_exception' = ANY(c.state_paths) THEN 'exception_approved'`);
    expect(sql).toContain(`c.workflow <> 'membership-transfer'`);
    expect(partyTransferSql('u.party_transfer')).toContain('THEN u.party_transfer');
    for (const file of ['licensing-status.ts', 'licensing-applications.repository.ts']) {
      const source = readFileSync(join(__dirname, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(source).not.toMatch(/'(closed_exception|closed_referred)'/);
    }
  });
});

describe('the lawyer’s annual assessment is deferred while the transfer is late', () => {
  it.each([
    [{ caseStatus: 'open', sixMonthDueAt: '2026-06-01' }, '2026-06-02', true],
    [{ caseStatus: 'open', sixMonthDueAt: '2026-06-01' }, '2026-06-01', false],
    [{ caseStatus: 'closed', sixMonthDueAt: '2026-06-01' }, '2026-12-01', false],
    [{ caseStatus: 'open' }, '2026-12-01', false],
  ])('%j on %s → %s', (view, today, deferred) => {
    expect(assessmentDeferred(view, today)).toBe(deferred);
  });
});
