import { WorkflowDefinition } from '../kernel/definition';
import { ORG_LIFE_WATCH_KEY, orgLifeWatchMachine, orgLifeWatchOnceKey } from './org-life-watch.machine';

/**
 * Opened by the engine (libs/org-life) for a city committee when the first organizational-life record under it
 * is entered: before that nothing is recorded here and everybody would look inactive. Nobody acts on it (its only
 * event is the clock's), so it gives no task; its history lists every daily run.
 */
export const orgLifeWatchDefinition: WorkflowDefinition = {
  key: ORG_LIFE_WATCH_KEY,
  version: 1,
  title: '组织生活监测',
  subjectKind: 'org',
  machine: orgLifeWatchMachine,
  parties: (subject) => {
    if (subject.org?.type !== 'city_committee') return { error: '组织生活监测的对象须为市级律师行业党委' };
    return { committee: subject.org.id };
  },
  // only the engine opens it
  openers: [],
  onceKey: (subject) => orgLifeWatchOnceKey(subject.orgId!),
  states: {
    watching: {
      title: '每日监测',
      actors: [{ role: 'clerk', party: 'committee' }],
      deadlines: [
        {
          key: 'watching.daily',
          title: '每日组织生活检查（长期不参加组织生活、不交党费的党员；季度末提醒；支部换届提醒）',
          amount: 0,
          unit: 'd',
          anchor: { kind: 'context', path: 'nextRunOn' },
          fireEvent: 'DAILY_RUN',
          remindAt: [],
          escalate: false,
        },
      ],
    },
  },
  events: {
    DAILY_RUN: { title: '每日检查', system: true },
  },
};
