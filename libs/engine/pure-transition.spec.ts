import { transition } from 'xstate';
import { membershipTransferDefinition as def } from '../../workflows/membership-transfer';
import { recruitmentDefinition } from '../../workflows/recruitment';
import { pureTransition } from './pure-transition';

/** The reused-scope transition must agree with XState's own `transition` on snapshot and actions. */
describe('pureTransition', () => {
  const at = '2026-03-02T01:00:00.000Z';
  const input = {
    subject: { memberId: 'm1' },
    input: { toOrgId: 'b' },
    policy: { letterMaxValidityMonths: 3 },
    parties: { sending: 'a', receiving: 'b' },
    at,
  };

  it('matches xstate.transition over a run of events, effects included', () => {
    let snapshot: any = def.machine.resolveState({
      value: 'release_review',
      context: { ...(def.machine as any).getInitialSnapshot({ self: undefined } as any, input).context },
    });
    const events = [
      { type: 'APPROVE_RELEASE', at, facts: { memberHasOpenNonconforming: false } },
      { type: 'ISSUE_LETTER', at, data: { letterNo: 'L1', validUntil: '2026-04-01' } },
      { type: 'ACCEPT', at },
      { type: 'RECORD_REPORT', at, data: { reportedOn: '2026-03-02' } },
    ];
    for (const event of events) {
      const [expected, expectedActions] = transition(def.machine, snapshot, event as any);
      const [actual, actions] = pureTransition(def.machine, snapshot, event);
      expect(actual.value).toEqual(expected.value);
      expect(actual.context).toEqual(expected.context);
      expect(actual.status).toBe(expected.status);
      expect(actions.map((a) => [a.type, a.params])).toEqual(expectedActions.map((a: any) => [a.type, a.params]));
      snapshot = actual;
    }
    expect(snapshot.value).toBe('completed');
  });

  it('keeps actions of separate calls and machines apart', () => {
    const s = def.machine.resolveState({
      value: 'awaiting_report',
      context: { toOrgId: 'b', fromOrgId: 'a', validUntil: '2026-04-01' } as any,
    });
    const [, a1] = pureTransition(def.machine, s, { type: 'RECORD_REPORT', at, data: { reportedOn: '2026-03-02' } });
    const r = recruitmentDefinition.machine.resolveState({ value: 'applicant', context: {} as any });
    const [, a2] = pureTransition(recruitmentDefinition.machine, r, { type: 'NOT_AN_EVENT', at });
    expect(a1.filter((a) => a.type === 'effect').length).toBeGreaterThan(0);
    expect(a2).toEqual([]);
  });
});
