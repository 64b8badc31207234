import { initialTransition, transition } from 'xstate';
import { WORKFLOW_DEFINITIONS } from '../../workflows';
import { membershipTransferDefinition as def } from '../../workflows/membership-transfer';
import { recruitmentDefinition } from '../../workflows/recruitment';
import { pureInitialTransition, pureTransition } from './pure-transition';

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

/** The reused-scope opening must agree with XState's own `initialTransition` on snapshot and actions. */
describe('pureInitialTransition', () => {
  const at = '2026-03-02T01:00:00.000Z';
  const inputs = (d: (typeof WORKFLOW_DEFINITIONS)[number]) => [
    {
      subject: { memberId: 'm1', orgId: 'o1', firmId: 'f1' },
      input: { toOrgId: 'b', trigger: 'firm_transfer', licensingRef: 'R1' },
      policy: d.policyDefaults ?? {},
      parties: { sending: 'a', receiving: 'b', branch: 'o1', city: 'c' },
      at,
    },
    // an external letter: membership-transfer starts in another state
    {
      subject: { memberId: 'm1' },
      input: { toOrgId: 'b', external: { senderName: '外省', letterNo: 'X1', validUntil: '2026-04-01' } },
      policy: {},
      parties: { receiving: 'b' },
      at,
    },
  ];

  it.each(WORKFLOW_DEFINITIONS.map((d) => [d.key, d] as const))('matches xstate.initialTransition (%s)', (_key, d) => {
    for (const input of inputs(d)) {
      const expected = (() => {
        try {
          return initialTransition(d.machine, input);
        } catch (e) {
          return e as Error;
        }
      })();
      if (expected instanceof Error) {
        expect(() => pureInitialTransition(d.machine, input)).toThrow(expected.message);
        continue;
      }
      const [actual, actions] = pureInitialTransition(d.machine, input);
      expect(actual.value).toEqual(expected[0].value);
      expect(actual.context).toEqual(expected[0].context);
      expect(actual.status).toBe(expected[0].status);
      expect(d.machine.getPersistedSnapshot(actual)).toEqual(d.machine.getPersistedSnapshot(expected[0]));
      expect(actions.map((a) => [a.type, a.params])).toEqual(expected[1].map((a: any) => [a.type, a.params]));
    }
  });
});
