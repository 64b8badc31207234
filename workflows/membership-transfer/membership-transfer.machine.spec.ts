import 'reflect-metadata';
import { getShortestPaths, getSimplePaths } from '@xstate/graph';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { initialTransition, transition } from 'xstate';
import { baseParties, resolveFromOrgs } from '../../libs/engine/party-resolver';
import { checkDefinition } from '../../libs/engine/workflow-registry';
import { Effect, WorkflowEvent } from '../kernel/definition';
import { definitionProblems } from '../kernel/definition-problems';
import {
  ExternalSender,
  IssueLetterPayload,
  TRANSFER_POLICY_DEFAULTS,
  TransferContext,
  TransferCreateInput,
  TransferEvent,
  expiryRule,
  letterRule,
  membershipTransferDefinition as def,
  membershipTransferMachine as machine,
  releaseRule,
  reportRule,
} from './index';
import { addMonths, toDate } from '../kernel/dates';

// ------------------------------------------------------------------ fixtures

const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const MEMBER = U(1);
const FROM = U(100);
const TO = U(200);
const AT = '2026-03-02T02:00:00.000Z'; // 2026-03-02 10:00 Asia/Shanghai
const TODAY = '2026-03-02';
const atOn = (date: string) => `${date}T02:00:00.000Z`; // 10:00 Beijing time on that date

type Snap = ReturnType<typeof start>;
type Ev = TransferEvent;

const OPEN_STATES = [
  'release_review',
  'letter_pending',
  'acceptance_review',
  'awaiting_report',
  'letter_expired',
  'exception_review',
];
const FINAL_STATES = ['completed', 'closed_exception', 'closed_referred', 'cancelled'];

function caseInput(
  input: Partial<TransferCreateInput> = {},
  policy: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    subject: { memberId: MEMBER },
    input: { toOrgId: TO, fromOrgId: FROM, ...input } as TransferCreateInput,
    policy: { ...TRANSFER_POLICY_DEFAULTS, ...policy },
    at: AT,
    ...extra,
  };
}
const EXTERNAL = { senderName: '湖南省某县司法局机关党委', letterNo: '湘组转〔2026〕015号', validUntil: '2026-04-15' };
const externalInput = () => caseInput({ fromOrgId: undefined, external: EXTERNAL });

function start(input: Partial<TransferCreateInput> = {}, policy: Record<string, unknown> = {}) {
  return initialTransition(machine, caseInput(input, policy))[0];
}
function effectsOf(actions: any[]): Effect[] {
  return actions.filter((a) => a.type === 'effect').map((a) => a.params as Effect);
}
function send(snap: Snap, event: Ev) {
  const [next, actions] = transition(machine, snap, { at: AT, ...event } as Ev);
  return { next, effects: effectsOf(actions) };
}
/** Sends events in order, failing (with the state and event named) if one of them is not accepted. */
function run(snap: Snap, ...events: Ev[]): { next: Snap; effects: Effect[] } {
  let effects: Effect[] = [];
  for (const e of events) {
    const probe = { state: snap.value, event: e.type, can: snap.can({ at: AT, ...e } as Ev) };
    expect(probe).toEqual({ ...probe, can: true });
    const r = send(snap, e);
    snap = r.next;
    effects = r.effects;
  }
  return { next: snap, effects };
}
const ctx = (s: Snap) => s.context as TransferContext;
const refused = (snap: Snap, e: Ev) => {
  expect(snap.can({ at: AT, ...e } as Ev)).toBe(false);
  const { next, effects } = send(snap, e);
  expect(next.value).toEqual(snap.value);
  expect(effects).toEqual([]);
};

const approveRelease = (open = false): Ev => ({ type: 'APPROVE_RELEASE', facts: { memberHasOpenNonconforming: open } });
const rejectRelease: Ev = { type: 'REJECT_RELEASE', data: { reason: '该党员执业许可尚未办结' } };
const issue = (validUntil = '2026-04-30', letterNo = '赣律党转〔2026〕001号'): Ev => ({
  type: 'ISSUE_LETTER',
  data: { letterNo, validUntil },
});
const reissue = (validUntil: string, at: string, letterNo = '赣律党转〔2026〕002号'): Ev => ({
  type: 'REISSUE_LETTER',
  data: { letterNo, validUntil },
  at,
});
const accept: Ev = { type: 'ACCEPT' };
const ret: Ev = { type: 'RETURN', data: { reason: '介绍信抬头有误' } };
const report = (reportedOn = TODAY, at = AT): Ev => ({ type: 'RECORD_REPORT', data: { reportedOn }, at });
const expire = (at: string): Ev => ({ type: 'LETTER_EXPIRED', at });
const refer = (at: string): Ev => ({ type: 'REFER_NONCONFORMING', at });
const approveException: Ev = { type: 'APPROVE_EXCEPTION', data: { reason: '该党员已退休，不再执业' } };
const denyException: Ev = { type: 'DENY_EXCEPTION' };
const withdrawn: Ev = { type: 'LICENSING_WITHDRAWN' };
const licensed = (at = AT): Ev => ({ type: 'LICENSING_APPROVED', at });

const toAwaitingReport = () => run(start(), approveRelease(), issue(), accept).next;
const toLetterExpired = () => run(toAwaitingReport(), expire(atOn('2026-04-30'))).next;

/** Reaches each open state from a fresh internal case. */
const reach: Record<string, () => Snap> = {
  release_review: () => start(),
  letter_pending: () => run(start(), approveRelease()).next,
  acceptance_review: () => run(start(), approveRelease(), issue()).next,
  awaiting_report: toAwaitingReport,
  letter_expired: toLetterExpired,
  exception_review: () => run(start(), rejectRelease).next,
};

// ------------------------------------------------------------------ tests

describe('membership-transfer definition metadata', () => {
  it('covers every state and event of the machine, and nothing else', () => {
    expect(definitionProblems(def)).toEqual([]);
    expect(checkDefinition(def)).toEqual([]);
  });

  it('the metadata check can fail', () => {
    const { ACCEPT: _a, ...events } = def.events;
    const { completed: _c, ...states } = def.states;
    const broken = { ...def, events: { ...events, BOGUS: { title: '无' } }, states };
    expect(definitionProblems(broken)).toEqual(
      expect.arrayContaining([
        'state completed has no StateMeta',
        'event ACCEPT has no EventMeta',
        'EventMeta BOGUS is not accepted by the machine',
      ]),
    );
  });

  it('uses the state and event names of the public contract', () => {
    expect(Object.keys(machine.root.states).sort()).toEqual(['routing', ...OPEN_STATES, ...FINAL_STATES].sort());
    expect(Object.keys(def.events).sort()).toEqual(
      [
        'APPROVE_RELEASE',
        'REJECT_RELEASE',
        'ISSUE_LETTER',
        'ACCEPT',
        'RETURN',
        'RECORD_REPORT',
        'LETTER_EXPIRED',
        'REISSUE_LETTER',
        'REFER_NONCONFORMING',
        'APPROVE_EXCEPTION',
        'DENY_EXCEPTION',
        'LICENSING_WITHDRAWN',
        'LICENSING_APPROVED',
      ].sort(),
    );
    for (const s of FINAL_STATES) expect(machine.root.states[s].type).toBe('final');
    for (const s of OPEN_STATES) expect(machine.root.states[s].type).not.toBe('final');
  });

  it('declares the actors of the spec table', () => {
    const parties = (s: string) => def.states[s].actors!.map((a) => `${a.role}@${a.party}`);
    expect(parties('release_review')).toEqual(['clerk@sending']);
    expect(parties('letter_pending')[0]).toBe('clerk@sendingUpper');
    expect(parties('acceptance_review')).toEqual(['clerk@receiving']);
    expect(parties('awaiting_report')).toEqual(['clerk@receiving']);
    expect(parties('letter_expired')).toEqual(['clerk@receivingUpper']);
    expect(parties('exception_review')).toEqual(['clerk@city']);
    for (const t of ['LETTER_EXPIRED', 'LICENSING_WITHDRAWN', 'LICENSING_APPROVED'])
      expect(def.events[t].system).toBe(true);
    for (const t of Object.keys(def.events).filter((t) => !t.startsWith('LICENSING_') && t !== 'LETTER_EXPIRED'))
      expect(def.events[t].system).toBeFalsy();
  });

  it('declares the deadlines of the spec table, the letter expiry timer and the 6-month rule', () => {
    const own = (s: string) =>
      def.states[s].deadlines!.filter((d) => d.key !== 'transfer.six_month_rule').map((d) => [d.amount, d.unit]);
    expect(own('release_review')).toEqual([[5, 'wd']]);
    expect(own('letter_pending')).toEqual([[5, 'wd']]);
    expect(own('acceptance_review')).toEqual([[5, 'wd']]);
    expect(own('letter_expired')).toEqual([[10, 'wd']]);
    expect(own('exception_review')).toEqual([[10, 'wd']]);
    const expiry = def.states.awaiting_report.deadlines!.find((d) => d.key !== 'transfer.six_month_rule')!;
    expect(expiry).toMatchObject({
      amount: 0,
      unit: 'd',
      anchor: { kind: 'context', path: 'validUntil' },
      fireEvent: 'LETTER_EXPIRED',
    });
    for (const s of OPEN_STATES)
      expect(def.states[s].deadlines).toContainEqual(
        expect.objectContaining({
          key: 'transfer.six_month_rule',
          amount: 0,
          anchor: { kind: 'context', path: 'sixMonthDueAt' },
        }),
      );
    expect(def.policyDefaults).toEqual({ letterMaxValidityMonths: 3, licensingSyncMonths: 6 });
  });
});

describe('membership-transfer parties and opening', () => {
  const member = { id: MEMBER, name: '张三', orgId: FROM, status: 'full' };

  it('sends from the member’s current org, named or not; never from another one', () => {
    expect(def.parties({ member }, { toOrgId: TO })).toEqual({
      sending: FROM,
      receiving: TO,
      intake: undefined,
      holder: FROM,
    });
    expect(def.parties({ member }, { toOrgId: TO, fromOrgId: FROM })).toEqual({
      sending: FROM,
      receiving: TO,
      intake: undefined,
      holder: FROM,
    });
    // naming another organization as the sender would hand it the member's release (issue 11, scope on writes)
    expect(def.parties({ member }, { toOrgId: TO, fromOrgId: U(101) })).toEqual({
      error: '转出党组织须为该党员在登记中的所在党组织',
    });
  });

  it('has no sending org for an external sender; the receiving org doubles as intake', () => {
    expect(def.parties({ member }, { toOrgId: TO, external: EXTERNAL })).toEqual({
      sending: undefined,
      receiving: TO,
      intake: TO,
      holder: FROM,
    });
  });

  it('refuses a transfer to the sending org itself, a missing member and an external letter with a sending org', () => {
    expect(def.parties({ member }, { toOrgId: FROM })).toEqual({
      error: '接收党组织与转出党组织相同，无需办理组织关系接转',
    });
    expect(def.parties({ member }, { toOrgId: U(5), fromOrgId: U(5) })).toHaveProperty('error');
    expect(def.parties({}, { toOrgId: TO })).toHaveProperty('error');
    expect(def.parties({ member }, { toOrgId: TO, fromOrgId: FROM, external: EXTERNAL })).toHaveProperty('error');
  });

  it('refuses to open a case from an external letter that has already expired', () => {
    expect(def.openingRule!({ toOrgId: TO, external: { ...EXTERNAL, validUntil: '2026-03-01' } }, {}, AT)).toMatch(
      /已于2026-03-01过期/,
    );
    expect(def.openingRule!({ toOrgId: TO, external: { ...EXTERNAL, validUntil: TODAY } }, {}, AT)).toBeNull();
    expect(def.openingRule!({ toOrgId: TO }, {}, AT)).toBeNull();
  });

  it('validates the creation input, including the nested external sender', () => {
    const errors = (plain: object) =>
      validateSync(plainToInstance(TransferCreateInput, plain), { whitelist: true, forbidNonWhitelisted: true }).map(
        (e) => e.property,
      );
    expect(errors({ toOrgId: TO })).toEqual([]);
    expect(errors({ toOrgId: TO, trigger: 'firm_transfer', licensingRef: 'ZY-2026-001', external: EXTERNAL })).toEqual(
      [],
    );
    expect(errors({ toOrgId: 'nope' })).toEqual(['toOrgId']);
    expect(errors({ toOrgId: TO, trigger: 'whim' })).toEqual(['trigger']);
    expect(errors({ toOrgId: TO, external: { ...EXTERNAL, validUntil: 'soon' } })).toEqual(['external']);
    expect(errors({ toOrgId: TO, external: { senderName: 'x', letterNo: 'y', validUntil: TODAY, extra: 1 } })).toEqual([
      'external',
    ]);
    expect(errors({ toOrgId: TO, surprise: true })).toEqual(['surprise']);
    expect(plainToInstance(TransferCreateInput, { toOrgId: TO, external: EXTERNAL }).external).toBeInstanceOf(
      ExternalSender,
    );
  });

  it('validates letter payloads', () => {
    const errors = (plain: object) =>
      validateSync(plainToInstance(IssueLetterPayload, plain), { whitelist: true, forbidNonWhitelisted: true }).map(
        (e) => e.property,
      );
    expect(errors({ letterNo: 'A1', validUntil: '2026-04-30' })).toEqual([]);
    expect(errors({ letterNo: '', validUntil: '2026-04-30' })).toEqual(['letterNo']);
    expect(errors({ letterNo: 'A1' })).toEqual(['validUntil']);
  });
});

describe('membership-transfer machine', () => {
  it('starts an internal transfer in release_review with both orgs recorded', () => {
    const s = start({ licensingRef: 'ZY-1', trigger: 'practice' });
    expect(s.value).toBe('release_review');
    expect(ctx(s)).toMatchObject({
      memberId: MEMBER,
      fromOrgId: FROM,
      toOrgId: TO,
      licensingRef: 'ZY-1',
      trigger: 'practice',
      reissueCount: 0,
    });
    expect(ctx(s).policy).toEqual(TRANSFER_POLICY_DEFAULTS);
  });

  it('defaults the trigger to manual and takes the sending org from the engine’s parties when not given', () => {
    const [s] = initialTransition(
      machine,
      caseInput({ fromOrgId: undefined }, {}, { parties: { sending: U(150), receiving: TO } }),
    );
    expect(ctx(s)).toMatchObject({ trigger: 'manual', fromOrgId: U(150) });
  });

  it('starts an external transfer directly in acceptance_review with the letter recorded', () => {
    const [s, actions] = initialTransition(machine, externalInput());
    expect(s.value).toBe('acceptance_review');
    expect(effectsOf(actions)).toEqual([]);
    expect(ctx(s)).toMatchObject({
      external: EXTERNAL,
      letterNo: EXTERNAL.letterNo,
      validUntil: '2026-04-15',
      fromOrgId: undefined,
    });
    const done = run(s, accept, report('2026-03-05', atOn('2026-03-06'))).next;
    expect(done.value).toBe('completed');
  });

  it('runs the ordinary path to completed and changes the member’s org with a receipt', () => {
    const s = toAwaitingReport();
    expect(ctx(s)).toMatchObject({
      releaseApprovedOn: TODAY,
      letterNo: '赣律党转〔2026〕001号',
      validUntil: '2026-04-30',
      letterIssuedOn: TODAY,
      acceptedOn: TODAY,
    });
    const { next, effects } = run(s, report('2026-03-10', atOn('2026-03-11')));
    expect(next.value).toBe('completed');
    expect(next.status).toBe('done');
    expect(ctx(next).reportedOn).toBe('2026-03-10');
    expect(effects).toEqual([
      { kind: 'member.changeOrg', memberId: MEMBER, orgId: TO },
      { kind: 'transfer.receipt', memberId: MEMBER, fromOrgId: FROM, toOrgId: TO, letterNo: '赣律党转〔2026〕001号' },
      { kind: 'licensing.statusChanged', status: 'completed' },
    ]);
  });

  it('returns a letter to letter_pending and accepts the new one', () => {
    const s = run(start(), approveRelease(), issue(), ret).next;
    expect(s.value).toBe('letter_pending');
    expect(ctx(s).lastReturn).toEqual({ reason: '介绍信抬头有误', on: TODAY });
    const again = run(s, issue('2026-05-01', '赣律党转〔2026〕003号')).next;
    expect(again.value).toBe('acceptance_review');
    expect(ctx(again)).toMatchObject({ letterNo: '赣律党转〔2026〕003号', validUntil: '2026-05-01' });
  });

  describe('rule: APPROVE_RELEASE is refused while a non-conforming case is open', () => {
    it('refuses with the fact true, and when the fact is missing', () => {
      refused(start(), approveRelease(true));
      refused(start(), { type: 'APPROVE_RELEASE' });
      expect(releaseRule(ctx(start()), { type: 'APPROVE_RELEASE', facts: { memberHasOpenNonconforming: true } })).toBe(
        '该党员有未结的不合格党员处置案件，暂不能转出',
      );
      expect(releaseRule(ctx(start()), { type: 'APPROVE_RELEASE' })).toMatch(/无法核实/);
    });
    it('accepts with the fact false', () => {
      expect(releaseRule(ctx(start()), approveRelease(false) as WorkflowEvent)).toBeNull();
      expect(run(start(), approveRelease(false)).next.value).toBe('letter_pending');
    });
  });

  describe('rule: letter validity (ISSUE_LETTER and REISSUE_LETTER)', () => {
    const pending = () => reach.letter_pending();
    it('refuses a validity not after the issue date', () => {
      refused(pending(), issue(TODAY));
      refused(pending(), issue('2026-02-01'));
      expect(letterRule(ctx(pending()), issue(TODAY) as WorkflowEvent)).toBe('介绍信有效期须晚于开具日期');
    });
    it('accepts up to the policy maximum (3 months by default) and refuses one day more', () => {
      expect(letterRule(ctx(pending()), issue('2026-06-02') as WorkflowEvent)).toBeNull();
      expect(letterRule(ctx(pending()), issue('2026-06-03') as WorkflowEvent)).toBe(
        '介绍信有效期最长3个月（不得晚于2026-06-02）',
      );
      refused(pending(), issue('2026-06-03'));
      expect(run(pending(), issue('2026-06-02')).next.value).toBe('acceptance_review');
    });
    it('follows the policy', () => {
      const s = run(start({}, { letterMaxValidityMonths: 1 }), approveRelease()).next;
      refused(s, issue('2026-04-03'));
      expect(run(s, issue('2026-04-02')).next.value).toBe('acceptance_review');
    });
    it('counts from the engine time of the event, in China time', () => {
      // 2026-03-02T17:00Z is already 03-03 in Beijing: 3 months later is 06-03.
      expect(
        letterRule(ctx(pending()), { ...issue('2026-06-03'), at: '2026-03-02T17:00:00Z' } as WorkflowEvent),
      ).toBeNull();
      expect(
        letterRule(ctx(pending()), { ...issue('2026-03-03'), at: '2026-03-02T17:00:00Z' } as WorkflowEvent),
      ).not.toBeNull();
    });
    it('applies to re-issued letters too', () => {
      const s = toLetterExpired();
      const later = atOn('2026-05-04');
      refused(s, reissue('2026-05-04', later));
      refused(s, reissue('2026-08-05', later));
      const back = run(s, reissue('2026-08-04', later)).next;
      expect(back.value).toBe('awaiting_report');
      expect(ctx(back)).toMatchObject({
        validUntil: '2026-08-04',
        letterNo: '赣律党转〔2026〕002号',
        reissueCount: 1,
        letterIssuedOn: '2026-05-04',
      });
    });
  });

  describe('rule: RECORD_REPORT', () => {
    it('refuses a report date in the future or after the letter’s validity', () => {
      const s = toAwaitingReport();
      refused(s, report('2026-03-03'));
      refused(s, report('2026-05-01', atOn('2026-05-02')));
      expect(reportRule(ctx(s), report('2026-05-01', atOn('2026-05-02')) as WorkflowEvent)).toMatch(
        /晚于介绍信有效期（2026-04-30）/,
      );
    });
    it('accepts a report on the last valid day', () => {
      expect(run(toAwaitingReport(), report('2026-04-30', atOn('2026-04-30'))).next.value).toBe('completed');
    });
  });

  describe('letter expiry (clock)', () => {
    it('moves to letter_expired at validUntil, not before', () => {
      const s = toAwaitingReport();
      refused(s, expire(atOn('2026-04-29')));
      expect(expiryRule(ctx(s), expire(atOn('2026-04-29')) as WorkflowEvent)).toBe('介绍信在2026-04-30前仍然有效');
      const { next, effects } = run(s, expire(atOn('2026-04-30')));
      expect(next.value).toBe('letter_expired');
      expect(ctx(next).letterExpiredOn).toBe('2026-04-30');
      expect(effects).toEqual([]);
    });
    it('refers the member to non-conforming handling (口袋党员) by opening a nonconforming case', () => {
      const { next, effects } = run(toLetterExpired(), refer(atOn('2026-05-06')));
      expect(next.value).toBe('closed_referred');
      expect(ctx(next).referredOn).toBe('2026-05-06');
      expect(effects).toEqual([
        {
          kind: 'case.open',
          workflow: 'nonconforming',
          subject: { memberId: MEMBER },
          input: { trigger: 'pocket_member', grounds: '组织关系介绍信逾期未报到（口袋党员）' },
        },
      ]);
    });
    it('a re-issued letter expires on its own date only', () => {
      const back = run(toLetterExpired(), reissue('2026-06-30', atOn('2026-05-04'))).next;
      refused(back, expire(atOn('2026-06-29')));
      expect(run(back, expire(atOn('2026-06-30'))).next.value).toBe('letter_expired');
    });
  });

  describe('exception path (不能接转 needs the city committee’s consent)', () => {
    it('rejection goes to exception_review; approval closes with the licensing status', () => {
      const s = run(start(), rejectRelease).next;
      expect(s.value).toBe('exception_review');
      expect(ctx(s).lastRejection).toEqual({ reason: '该党员执业许可尚未办结', on: TODAY });
      const { next, effects } = run(s, approveException);
      expect(next.value).toBe('closed_exception');
      expect(ctx(next).exception).toEqual({ reason: '该党员已退休，不再执业', on: TODAY });
      expect(effects).toEqual([{ kind: 'licensing.statusChanged', status: 'exception_approved' }]);
    });
    it('denial goes back to release_review', () => {
      const s = run(start(), rejectRelease, denyException).next;
      expect(s.value).toBe('release_review');
      expect(ctx(s).exceptionDeniedOn).toBe(TODAY);
      expect(run(s, approveRelease()).next.value).toBe('letter_pending');
    });
  });

  describe('licensing integration', () => {
    it.each(OPEN_STATES)('LICENSING_WITHDRAWN cancels from %s', (state) => {
      const { next, effects } = run(reach[state](), withdrawn);
      expect(next.value).toBe('cancelled');
      expect(ctx(next).cancelledOn).toBe(TODAY);
      expect(effects).toEqual([{ kind: 'licensing.statusChanged', status: 'not_required' }]);
    });

    it.each(OPEN_STATES)('LICENSING_APPROVED in %s stays there and starts the 6-month rule', (state) => {
      const s = reach[state]();
      const { next, effects } = run(s, licensed(atOn('2026-03-31')));
      expect(next.value).toBe(state);
      expect(effects).toEqual([]);
      expect(ctx(next)).toMatchObject({ licensingApprovedAt: atOn('2026-03-31'), sixMonthDueAt: '2026-09-30' });
    });

    it('counts the 6 months from the approval date the licensing system reports, not from a late notice', () => {
      const late = { ...licensed(atOn('2026-04-20')), data: { approvedAt: '2026-03-31T02:00:00.000Z' } } as Ev;
      expect(ctx(run(start(), late).next)).toMatchObject({
        licensingApprovedAt: atOn('2026-03-31'),
        sixMonthDueAt: '2026-09-30',
      });
    });

    it('keeps the first approval when notified again', () => {
      const once = run(start(), licensed(atOn('2026-03-31'))).next;
      const twice = run(once, licensed(atOn('2026-04-15'))).next;
      expect(ctx(twice)).toMatchObject({ licensingApprovedAt: atOn('2026-03-31'), sixMonthDueAt: '2026-09-30' });
    });

    it('uses the policy’s licensingSyncMonths, and the state’s deadlines anchor on sixMonthDueAt only after approval', () => {
      const s = start({}, { licensingSyncMonths: 3 });
      expect(ctx(s).sixMonthDueAt).toBeUndefined();
      expect(ctx(run(s, licensed(atOn('2026-08-31'))).next).sixMonthDueAt).toBe('2026-11-30');
    });

    it.each(FINAL_STATES)('nothing is accepted after %s', (state) => {
      const finals: Record<string, () => Snap> = {
        completed: () => run(toAwaitingReport(), report()).next,
        closed_exception: () => run(start(), rejectRelease, approveException).next,
        closed_referred: () => run(toLetterExpired(), refer(atOn('2026-05-06'))).next,
        cancelled: () => run(start(), withdrawn).next,
      };
      const s = finals[state]();
      expect(s.value).toBe(state);
      for (const e of [withdrawn, licensed(), accept, approveRelease()]) refused(s, e);
    });
  });

  it('a persisted snapshot (JSON) restores and continues', () => {
    const persisted = JSON.parse(JSON.stringify(reach.acceptance_review()));
    const restored = machine.resolveState({ value: persisted.value, context: persisted.context });
    expect(restored.value).toBe('acceptance_review');
    expect(run(restored, accept, report()).next.value).toBe('completed');
  });

  it('dates: China calendar day and month arithmetic clamp to the month’s end', () => {
    expect(toDate('2026-03-02T16:30:00Z')).toBe('2026-03-03');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-08-31T20:00:00Z', 6)).toBe('2027-03-01');
  });
});

// ------------------------------------------------------------------ generated paths

describe('membership-transfer paths (@xstate/graph)', () => {
  /** Engine time for the next event: after the last dated thing that happened in the case. */
  const nowOf = (c: TransferContext) => atOn([TODAY, c.letterExpiredOn ?? TODAY].sort().pop()!);

  /** Sample events per state: valid ones and refused variants (which must not move the machine). */
  const samples = (snap: Snap): Ev[] => {
    const c = ctx(snap);
    const at = nowOf(c);
    const d = toDate(at);
    return [
      { ...approveRelease(false), at },
      { ...approveRelease(true), at },
      { ...rejectRelease, at },
      { ...issue(addMonths(d, 1)), at },
      { ...issue(addMonths(d, 4)), at },
      { ...reissue(addMonths(d, 2), at) },
      { ...reissue(d, at) },
      { ...accept, at },
      { ...ret, at },
      report(d, at),
      report(addMonths(d, 1), at),
      ...(c.validUntil ? [expire(atOn(c.validUntil)), expire(at)] : [expire(at)]),
      refer(at),
      { ...approveException, at },
      { ...denyException, at },
      { ...withdrawn, at },
      licensed(at),
    ];
  };
  // Abstract away dates and counters so loops (return / re-issue) terminate.
  const serializeState = (s: Snap) => {
    const c = ctx(s);
    return JSON.stringify([
      s.value,
      !!c.external,
      !!c.licensingApprovedAt,
      c.reissueCount > 0,
      !!c.lastReturn,
      !!c.exceptionDeniedOn,
    ]);
  };
  const traverse = (input: ReturnType<typeof caseInput>, simple = false) =>
    (simple ? getSimplePaths : getShortestPaths)(machine, {
      input,
      events: samples as any,
      serializeState: serializeState as any,
    }) as unknown as {
      state: Snap;
      steps: { event: Ev; state: Snap }[];
    }[];

  /** Steps without the graph's own `xstate.init` pseudo-step. */
  const userSteps = (p: (typeof all)[number]) => p.steps.filter((st) => !st.event.type.startsWith('xstate.'));

  const internal = traverse(caseInput());
  const external = traverse(externalInput());
  const simple = traverse(caseInput(), true);
  const all = [...internal, ...external, ...simple];

  const expectedEffects: Record<string, string[]> = {
    completed: ['member.changeOrg', 'transfer.receipt', 'licensing.statusChanged'],
    closed_exception: ['licensing.statusChanged'],
    closed_referred: ['case.open'],
    cancelled: ['licensing.statusChanged'],
  };

  /** Invariants a snapshot must satisfy whatever way it was reached. */
  function problems(s: Snap): string[] {
    const c = ctx(s);
    const v = s.value as string;
    const out: string[] = [];
    const check = (ok: unknown, what: string) => !ok && out.push(what);
    check(s.status === (FINAL_STATES.includes(v) ? 'done' : 'active'), 'status');
    check(!['routing'].includes(v), 'rests in the transient state');
    if (['acceptance_review', 'awaiting_report', 'letter_expired', 'completed', 'closed_referred'].includes(v))
      check(c.letterNo && c.validUntil, 'letter recorded');
    if (['awaiting_report', 'letter_expired', 'completed', 'closed_referred'].includes(v))
      check(c.acceptedOn, 'acceptance recorded');
    if (c.letterIssuedOn)
      check(
        c.validUntil! > c.letterIssuedOn && c.validUntil! <= addMonths(c.letterIssuedOn, 3),
        'letter validity within policy',
      );
    if (v === 'completed') check(c.reportedOn && c.reportedOn <= c.validUntil!, 'report within validity');
    if (['letter_expired', 'closed_referred'].includes(v))
      check(c.letterExpiredOn && c.letterExpiredOn >= c.validUntil!, 'expired only at validity');
    if (c.reissueCount > 0) check(c.letterExpiredOn && c.letterIssuedOn, 're-issued only after an expiry');
    if (v === 'closed_referred') check(c.referredOn && c.letterExpiredOn, 'referral recorded');
    if (['exception_review', 'closed_exception'].includes(v)) check(c.lastRejection, 'rejection recorded');
    if (v === 'closed_exception') check(c.exception, 'exception recorded');
    if (v === 'cancelled') check(c.cancelledOn, 'cancellation recorded');
    if (c.external) check(!c.releaseApprovedOn && !c.fromOrgId && !c.lastRejection, 'external case skips release');
    else if (!['release_review', 'exception_review', 'closed_exception', 'cancelled'].includes(v) || c.letterIssuedOn)
      check(c.releaseApprovedOn, 'release approved before any letter');
    if (c.licensingApprovedAt) check(c.sixMonthDueAt === addMonths(c.licensingApprovedAt, 6), 'six-month due date');
    else check(c.sixMonthDueAt === undefined, 'no six-month due date without approval');
    return out;
  }

  it('reaches every state of the machine (besides the transient routing) from the two kinds of opening', () => {
    const reached = new Set(all.map((p) => p.state.value as string));
    expect([...reached].sort()).toEqual([...OPEN_STATES, ...FINAL_STATES].sort());
    // an external case never passes the sending side
    expect(
      external.some((p) =>
        ['release_review', 'exception_review', 'closed_exception'].includes(p.state.value as string),
      ),
    ).toBe(false);
    expect(external.some((p) => p.state.value === 'letter_pending')).toBe(true);
  });

  it('exercises every event type on some path', () => {
    const used = new Set(all.flatMap((p) => userSteps(p).map((s) => s.event.type)));
    expect([...used].sort()).toEqual(Object.keys(def.events).sort());
  });

  it('every path ends in a consistent state, replays deterministically and emits exactly the final state’s effects', () => {
    expect(all.length).toBeGreaterThan(300);
    // Failures are collected (one expect per step would be thousands of assertions); replays share prefixes.
    const failures: string[] = [];
    const memo = new Map<string, { s: Snap; kinds: string[] }>();
    for (const path of all) {
      const steps = userSteps(path);
      const where = `${JSON.stringify(path.state.value)} via ${steps.map((st) => st.event.type).join(' → ')}`;
      let key = ctx(path.state).external ? 'external' : 'internal';
      if (!memo.has(key))
        memo.set(key, {
          s: initialTransition(machine, key === 'external' ? externalInput() : caseInput())[0],
          kinds: [],
        });
      let { s, kinds } = memo.get(key)!;
      for (const step of steps) {
        const nextKey = `${key}|${JSON.stringify(step.event)}`;
        let hit = memo.get(nextKey);
        if (!hit) {
          const [next, actions] = transition(machine, s, step.event);
          if (next === s) failures.push(`${where}: ${step.event.type} not accepted in ${JSON.stringify(s.value)}`);
          // effects only ever come with entering a final state
          if (next.status !== 'done' && effectsOf(actions).length) failures.push(`${where}: effects before the end`);
          hit = { s: next, kinds: [...kinds, ...effectsOf(actions).map((e) => e.kind)] };
          memo.set(nextKey, hit);
        }
        ({ s, kinds } = hit);
        key = nextKey;
      }
      if (s.value !== path.state.value) failures.push(`${where}: replay ends in ${JSON.stringify(s.value)}`);
      for (const p of problems(s)) failures.push(`${where}: ${p}`);
      const want = expectedEffects[s.value as string] ?? [];
      if (kinds.join() !== want.join()) failures.push(`${where}: effects ${kinds.join()} ≠ ${want.join()}`);
    }
    expect(failures).toEqual([]);
  });

  it('refused sample events never move the machine', () => {
    const moved: string[] = [];
    let refusedCount = 0;
    for (const path of [...internal, ...external])
      for (const e of samples(path.state)) {
        if (path.state.can(e)) continue;
        refusedCount++;
        const [next, actions] = transition(machine, path.state, e);
        if (next !== path.state || effectsOf(actions).length)
          moved.push(`${JSON.stringify(path.state.value)} / ${JSON.stringify(e)}`);
      }
    expect(refusedCount).toBeGreaterThan(500);
    expect(moved).toEqual([]);
  });
});

// ------------------------------------------------------------------ who issues the letter

describe('membership-transfer parties: the letter is issued by the committee holding the relationship', () => {
  const PROVINCE = U(900);
  const CITY = U(901);
  const BRANCH = U(902);
  const OTHER = U(903);
  const rows = [
    { id: PROVINCE, type: 'provincial_committee', path: `/${PROVINCE}/`, region_code: '360000', dept: false },
    { id: CITY, type: 'city_committee', path: `/${PROVINCE}/${CITY}/`, region_code: '360700', dept: false },
    { id: BRANCH, type: 'branch', path: `/${PROVINCE}/${CITY}/${BRANCH}/`, region_code: '360700', dept: false },
    { id: OTHER, type: 'branch', path: `/${PROVINCE}/${CITY}/${OTHER}/`, region_code: '360700', dept: false },
  ];
  const resolve = async (memberOrg: string, toOrgId: string) => {
    const subject = { member: { id: MEMBER, name: '张三', orgId: memberOrg, status: 'full' } };
    const { baseIds } = baseParties(def, subject, { toOrgId });
    return (await resolveFromOrgs(null as any, null as any, def, subject, baseIds, rows)).parties;
  };

  it('a member held directly by the city committee: the city committee issues (not the provincial one)', async () => {
    expect(def.committeeIsItsOwnUpper).toBe(true);
    expect(def.states.letter_pending.actors).toContainEqual({ role: 'clerk', party: 'sendingUpper' });
    expect(await resolve(CITY, OTHER)).toMatchObject({ sending: CITY, sendingUpper: CITY, receivingUpper: CITY });
  });

  it('a member held by a branch: the committee above it issues, as before', async () => {
    expect(await resolve(BRANCH, CITY)).toMatchObject({ sending: BRANCH, sendingUpper: CITY, receivingUpper: CITY });
  });

  it('other procedures keep a committee strictly above (a city committee’s member → the provincial committee)', async () => {
    const plain = { ...def, committeeIsItsOwnUpper: undefined };
    const subject = { member: { id: MEMBER, name: '张三', orgId: CITY, status: 'full' } };
    const parties = (await resolveFromOrgs(null as any, null as any, plain, subject, { sending: CITY }, rows)).parties;
    expect(parties.sendingUpper).toBe(PROVINCE);
  });
});
