import 'reflect-metadata';
import { WORKFLOW_DEFINITIONS } from '../index';
import { membershipTransferDefinition as def } from '../membership-transfer';
import type { DeadlineSpec, WorkflowDefinition } from './definition';
import { definitionProblems } from './definition-problems';
import { IsUUID } from 'class-validator';
import { OrgRef } from './org-ref';

/** Each check of the shared checker, shown to fire on a definition broken in exactly that way. */
describe('definitionProblems', () => {
  const withState = (path: string, patch: object): WorkflowDefinition => ({
    ...def,
    states: { ...def.states, [path]: { ...def.states[path], ...patch } },
  });
  const withEvent = (type: string, patch: object): WorkflowDefinition => ({
    ...def,
    events: { ...def.events, [type]: { ...def.events[type], ...patch } },
  });
  const deadline = (patch: Partial<DeadlineSpec>) => [{ ...def.states.release_review.deadlines![0], ...patch }];

  it('finds nothing wrong with the real definitions (the five procedures and the organizational-life ones)', () => {
    expect(WORKFLOW_DEFINITIONS.map((d) => d.key).sort()).toEqual([
      'annual-review',
      'branch-formation',
      'branch-term',
      'grade-upgrade',
      'inactivity-review',
      'membership-transfer',
      'nonconforming',
      'org-life-watch',
      'recruitment',
    ]);
    for (const d of WORKFLOW_DEFINITIONS)
      expect({ key: d.key, problems: definitionProblems(d) }).toEqual({ key: d.key, problems: [] });
  });

  it('finds an organization field that does not declare its reach', () => {
    class Input {
      @IsUUID() toOrgId: string;
      @IsUUID() @OrgRef() fromOrgId: string;
      @IsUUID() memberId: string;
    }
    expect(definitionProblems({ ...def, createInput: Input })).toEqual([
      'input field toOrgId names an organization without @OrgRef',
    ]);
  });

  it.each([
    ['a machine id other than the key', { ...def, key: 'other' }, 'machine id membership-transfer ≠ key other'],
    ['a title that is not Chinese', { ...def, title: 'Transfer' }, 'definition title is not Chinese'],
    [
      'a state title that is not Chinese',
      withState('release_review', { title: 'Review' }),
      'state release_review has no Chinese title',
    ],
    [
      'an open state without actors',
      withState('release_review', { actors: [] }),
      'open state release_review has no actors',
    ],
    [
      'deadlines on a final state',
      withState('completed', { deadlines: deadline({ key: 'completed.due' }) }),
      'final or transient state completed cannot have deadlines',
    ],
    [
      'a deadline title that is not Chinese',
      withState('release_review', { deadlines: deadline({ title: 'due' }) }),
      'deadline release_review.due has no Chinese title',
    ],
    [
      'a negative amount',
      withState('release_review', { deadlines: deadline({ amount: -1 }) }),
      'deadline release_review.due has a bad amount',
    ],
    [
      'one key with two specs',
      withState('letter_pending', { deadlines: deadline({ amount: 9 }) }),
      'deadline key release_review.due declared with different specs',
    ],
    [
      'a clock event that users send',
      withState('release_review', { deadlines: deadline({ fireEvent: 'APPROVE_RELEASE' }) }),
      'deadline release_review.due fires APPROVE_RELEASE, not a system event',
    ],
    [
      'a clock event the state does not take',
      withState('release_review', { deadlines: deadline({ fireEvent: 'LETTER_EXPIRED' }) }),
      'deadline release_review.due fires LETTER_EXPIRED, not accepted in release_review',
    ],
    [
      'an event title that is not Chinese',
      withEvent('ACCEPT', { title: 'Accept' }),
      'event ACCEPT has no Chinese title',
    ],
    ['a payload that is not a class', withEvent('ACCEPT', { payload: {} }), 'event ACCEPT payload is not a class'],
    ['a rule that is not a function', withEvent('ACCEPT', { rule: 'x' }), 'event ACCEPT rule is not a function'],
    [
      'a system event with actors',
      withEvent('LETTER_EXPIRED', { actors: def.states.release_review.actors }),
      'system event LETTER_EXPIRED has actors',
    ],
  ])('reports %s', (_what, broken, problem) => {
    expect(definitionProblems(broken as WorkflowDefinition)).toContain(problem);
  });

  it('reports a deadline nobody is reminded of', () => {
    const broken = withState('release_review', { actors: [], deadlines: deadline({ party: undefined }) });
    expect(definitionProblems(broken)).toContain('deadline release_review.due has nobody to remind');
  });
});
