import { WorkflowDefinition } from '../kernel/definition';
import { DismissPayload, InactivityReviewCreateInput, OpenNonconformingPayload } from './inactivity-review.events';
import { dismissRule, INACTIVITY_REVIEW_KEY, inactivityReviewMachine } from './inactivity-review.machine';

/** Opened only by the inactivity detector (libs/org-life), one open review per member at a time. */
export const inactivityReviewDefinition: WorkflowDefinition = {
  key: INACTIVITY_REVIEW_KEY,
  version: 1,
  title: '长期不参加组织生活核查',
  subjectKind: 'member',
  oneOpenPerSubject: true,
  machine: inactivityReviewMachine,
  createInput: InactivityReviewCreateInput,
  parties: (subject) => {
    if (!subject.member) return { error: '核查对象须为党员' };
    return { branch: subject.member.orgId };
  },
  openers: [],
  states: {
    review: {
      title: '支部核查',
      actors: [{ role: 'clerk', party: 'branch' }],
      deadlines: [{ key: 'review.due', title: '核查期限', amount: 10, unit: 'wd', anchor: { kind: 'entry' } }],
    },
    referred: { title: '已启动不合格党员处置' },
    dismissed: { title: '不予处置（已说明理由）' },
  },
  events: {
    OPEN_NONCONFORMING: { title: '启动不合格党员处置', payload: OpenNonconformingPayload },
    DISMISS: { title: '不予处置', payload: DismissPayload, rule: dismissRule },
  },
};
