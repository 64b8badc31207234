import { branchTermDefinition } from '../../workflows/branch-term';
import { membershipTransferDefinition } from '../../workflows/membership-transfer';
import { orgLifeWatchDefinition } from '../../workflows/org-life-watch';
import { recruitmentDefinition } from '../../workflows/recruitment';
import { deadlineRecipients } from './deadline-recipients';

const deadline = { kind: 'deadline' as const, level: 0, at: '2026-03-01T00:00:00.000Z' };

describe('deadlineRecipients', () => {
  it('tells the acting party of a step a person must take', () => {
    const t = {
      state_path: 'release_review',
      deadline_key: 'release_review.due',
      party: null,
      parties: { sending: 'org-from', sendingUpper: 'org-city', city: 'org-city' },
    };
    expect(deadlineRecipients(t, membershipTransferDefinition, deadline)).toEqual([
      { orgId: 'org-from', role: 'clerk' },
    ]);
  });

  it('tells nobody of a state only the clock moves on: the daily watch, a term running its course', () => {
    const watch = { state_path: 'watching', deadline_key: 'watching.daily', party: null, parties: { committee: 'c' } };
    expect(deadlineRecipients(watch, orgLifeWatchDefinition, deadline)).toEqual([]);
    const term = {
      state_path: 'in_term',
      deadline_key: 'in_term.renewal_notice',
      party: null,
      parties: { branch: 'b', branchUpper: 'u', city: 'c' },
    };
    expect(deadlineRecipients(term, branchTermDefinition, deadline)).toEqual([]);
  });

  it('counts the people acting in the regions of a parallel state as acting in it', () => {
    const notice = {
      state_path: 'candidate.public_notice.running',
      deadline_key: 'candidate.public_notice.running.ends',
      party: null,
      parties: { branch: 'b', branchUpper: 'u', city: 'c' },
    };
    expect(deadlineRecipients(notice, recruitmentDefinition, deadline)).toEqual([{ orgId: 'b', role: 'clerk' }]);
  });
});
