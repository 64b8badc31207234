import 'reflect-metadata';
import { initialTransition, transition } from 'xstate';
import { Effect } from '../kernel/definition';
import { definitionProblems } from '../kernel/definition-problems';
import { orgLifeWatchDefinition, orgLifeWatchMachine as machine, OrgLifeWatchEvent } from './index';

const CITY = '00000000-0000-4000-8000-000000000001';
// 2027-03-10 10:00 Asia/Shanghai
const OPENED = '2027-03-10T02:00:00.000Z';
const start = () => initialTransition(machine, { subject: { orgId: CITY }, input: {}, policy: {}, at: OPENED })[0];
const run = (snap: ReturnType<typeof start>, at: string) => {
  const [next, actions] = transition(machine, snap, { type: 'DAILY_RUN', at } as OrgLifeWatchEvent);
  return { next, jobs: actions.filter((a: any) => a.type === 'effect').map((a: any) => a.params as Effect) };
};

describe('org-life-watch (daily timer of the organizational-life checks)', () => {
  it('metadata matches the machine; nobody acts on it (no user event, so no task)', () => {
    expect(definitionProblems(orgLifeWatchDefinition)).toEqual([]);
    expect(Object.values(orgLifeWatchDefinition.events).every((e) => e.system)).toBe(true);
    expect(orgLifeWatchDefinition.openers).toEqual([]);
    expect(orgLifeWatchDefinition.onceKey!({ orgId: CITY }, {})).toBe(`org-life-watch:${CITY}`);
  });

  it('runs at the end of the opening day, then every day: each run asks for that day’s job and re-arms', () => {
    let snap = start();
    expect(snap.context.nextRunOn).toBe('2027-03-10');
    // the deadline falls due at 23:59:59.999 of the planned day
    let r = run(snap, '2027-03-10T15:59:59.999Z');
    expect(r.jobs).toEqual([
      {
        kind: 'job.request',
        job: 'org-life.daily',
        key: `${CITY}:2027-03-10`,
        params: { committeeId: CITY, day: '2027-03-10' },
      },
    ]);
    expect(r.next.value).toBe('watching');
    expect(r.next.context).toMatchObject({ lastRunOn: '2027-03-10', nextRunOn: '2027-03-11', runs: 1 });
    snap = r.next;
    r = run(snap, '2027-03-11T15:59:59.999Z');
    expect(r.next.context).toMatchObject({ lastRunOn: '2027-03-11', nextRunOn: '2027-03-12', runs: 2 });
  });

  it('after an outage the late run is for its planned day and the next one is today’s, not one per missed day', () => {
    const late = run(start(), '2027-03-20T03:00:00.000Z');
    expect(late.jobs[0]).toMatchObject({ params: { day: '2027-03-10' } });
    expect(late.next.context.nextRunOn).toBe('2027-03-20');
  });
});
