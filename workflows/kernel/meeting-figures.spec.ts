import { eligibleVotersProblem } from './meeting-figures';

describe('branch-meeting figures against the registry', () => {
  const event = (eligibleVoters: number, count?: number) => ({
    type: 'RECORD_MEETING',
    data: { eligibleVoters },
    facts: count === undefined ? {} : { fullMembersAtMeeting: { heldOn: '2026-11-20', count } },
  });

  it('accepts the registry count of full members on the meeting day', () => {
    expect(eligibleVotersProblem(event(7, 7))).toBeNull();
  });

  it('refuses any other figure, showing both numbers (probationary members counted in is the typical mistake)', () => {
    const problem = eligibleVotersProblem(event(9, 7));
    expect(problem).toContain('7 人');
    expect(problem).toContain('填写的是 9 人');
    expect(problem).toContain('2026-11-20');
  });

  it('checks nothing without registry facts (pure machine tests)', () => {
    expect(eligibleVotersProblem(event(9))).toBeNull();
  });
});
