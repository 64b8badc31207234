import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { initialTransition, transition } from 'xstate';
import { Effect } from '../kernel/definition';
import { definitionProblems } from '../kernel/definition-problems';
import {
  DismissPayload,
  inactivityReviewDefinition,
  InactivityReviewCreateInput,
  InactivityReviewEvent,
  inactivityReviewMachine as machine,
} from './index';

const MEMBER = '00000000-0000-4000-8000-000000000007';
const FLAG = '00000000-0000-4000-8000-000000000100';
const AT = '2027-07-02T02:00:00.000Z';
const input: InactivityReviewCreateInput = {
  flagIds: [FLAG],
  grounds: ['org_life'],
  windowStart: '2027-01',
  windowEnd: '2027-06',
  summary: '张三：连续6个月（2027-01 至 2027-06）未参加党的组织生活',
};
const start = () => initialTransition(machine, { subject: { memberId: MEMBER }, input, policy: {}, at: AT })[0];
const send = (event: Omit<InactivityReviewEvent, 'at'>) => {
  const [next, actions] = transition(machine, start(), { at: AT, ...event } as InactivityReviewEvent);
  return { next, effects: actions.filter((a: any) => a.type === 'effect').map((a: any) => a.params as Effect) };
};
const errors = (cls: new () => object, plain: object) =>
  validateSync(plainToInstance(cls, plain), { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);

describe('inactivity-review (the branch clerk’s review of a detector flag)', () => {
  it('metadata matches the machine; the branch clerk acts; only the detector opens it', () => {
    expect(definitionProblems(inactivityReviewDefinition)).toEqual([]);
    expect(inactivityReviewDefinition.openers).toEqual([]);
    expect(inactivityReviewDefinition.oneOpenPerSubject).toBe(true);
    expect(inactivityReviewDefinition.states.review.actors).toEqual([{ role: 'clerk', party: 'branch' }]);
  });

  it('opening a non-conforming case is the clerk’s decision: trigger inactivity, the evidence as grounds', () => {
    const { next, effects } = send({ type: 'OPEN_NONCONFORMING' });
    expect(next.value).toBe('referred');
    expect(next.status).toBe('done');
    expect(effects).toEqual([
      {
        kind: 'case.open',
        workflow: 'nonconforming',
        subject: { memberId: MEMBER },
        input: { trigger: 'inactivity', grounds: input.summary },
      },
    ]);
    const worded = send({ type: 'OPEN_NONCONFORMING', data: { grounds: '经核实，无正当理由' } });
    expect(worded.effects[0]).toMatchObject({ input: { grounds: '经核实，无正当理由' } });
  });

  it('dismissing needs a reason, and opens nothing', () => {
    expect(send({ type: 'DISMISS', data: { reason: '  ' } } as any).next.value).toBe('review');
    const { next, effects } = send({ type: 'DISMISS', data: { reason: '因病住院，已请假' } });
    expect(next.value).toBe('dismissed');
    expect(next.context.decision).toEqual({ outcome: 'dismissed', on: '2027-07-02', reason: '因病住院，已请假' });
    expect(effects).toEqual([]);
    // the decision's day is Beijing's: 01:30 there on 07-03 is still 07-02 in UTC
    const [night] = transition(machine, start(), {
      type: 'DISMISS',
      at: '2027-07-02T17:30:00.000Z',
      data: { reason: '因病住院，已请假' },
    } as InactivityReviewEvent);
    expect(night.context.decision).toMatchObject({ on: '2027-07-03' });
    expect(errors(DismissPayload, {})).toEqual(['reason']);
  });

  it('the opening input is checked', () => {
    expect(errors(InactivityReviewCreateInput, input)).toEqual([]);
    expect(errors(InactivityReviewCreateInput, { ...input, grounds: ['assigned_work'] })).toEqual(['grounds']);
    expect(errors(InactivityReviewCreateInput, { ...input, windowStart: '2027-13' })).toEqual(['windowStart']);
  });
});
