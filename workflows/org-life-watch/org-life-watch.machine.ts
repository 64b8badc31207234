/**
 * 组织生活监测: the durable daily timer of one city committee's organizational-life checks. The case sits in
 * `watching`; its deadline (1 day after entry) fires `DAILY_RUN`, which re-enters `watching` (so the next
 * day's timer is planned in the same transaction) and asks for the day's checks as background work
 * (`job.request`): the inactivity detector and the quarter-end reminders run in libs/org-life. No
 * in-memory cron: a crash, a restart or a clock jump delivers every due run from PostgreSQL.
 * Pure XState v5 machine.
 */
import { DateTime } from 'luxon';
import { assign, setup } from 'xstate';
import { CaseInput, effect, Effect, WorkflowEvent } from '../kernel/definition';

export const ORG_LIFE_WATCH_KEY = 'org-life-watch';
/** The background job each run asks for (outbox topic `job.org-life.daily`). */
export const ORG_LIFE_DAILY_JOB = 'org-life.daily';

/** One watch per committee, ever (cases.once_key). */
export const orgLifeWatchOnceKey = (committeeId: string) => `${ORG_LIFE_WATCH_KEY}:${committeeId}`;

export interface OrgLifeWatchContext {
  committeeId: string;
  openedAt: string;
  /** Shanghai day of the latest run */
  lastRunOn?: string;
  /** Shanghai day whose end fires the next run (anchors the `watching.daily` deadline) */
  nextRunOn: string;
  runs: number;
}

export type OrgLifeWatchEvent = WorkflowEvent & { type: 'DAILY_RUN' };

/** The Shanghai calendar day a run is for: the day whose end fired it. */
export const runDay = (at: string) => DateTime.fromISO(at, { zone: 'Asia/Shanghai' }).toISODate()!;

/** The day after a Shanghai day. */
export const nextDay = (day: string) => DateTime.fromISO(day).plus({ days: 1 }).toISODate()!;

/** What one run asks for: the committee's checks for that day (the same day twice is one job). */
export const dailyJob = (committeeId: string, day: string): Effect => ({
  kind: 'job.request',
  job: ORG_LIFE_DAILY_JOB,
  key: `${committeeId}:${day}`,
  params: { committeeId, day },
});

export const orgLifeWatchMachine = setup({
  types: {} as { context: OrgLifeWatchContext; events: OrgLifeWatchEvent; input: CaseInput },
  actions: { effect: (_args, _params: Effect) => {} },
}).createMachine({
  id: ORG_LIFE_WATCH_KEY,
  initial: 'watching',
  // the first run at the end of the opening day, then one at the end of every day
  context: ({ input }) => ({
    committeeId: input.subject.orgId!,
    openedAt: input.at,
    runs: 0,
    nextRunOn: runDay(input.at),
  }),
  states: {
    watching: {
      on: {
        DAILY_RUN: {
          target: 'watching',
          reenter: true,
          actions: [
            // a new anchor, so the re-entered state plans a new timer row (the next day's run)
            // the run is for the day it was planned for (its timer falls due at that day's end); after an
            // outage the next run is today's, not one per missed day
            effect(({ context }) => dailyJob(context.committeeId, context.nextRunOn)),
            assign(({ context, event }) => {
              const today = runDay(event.at ?? context.openedAt);
              const next = nextDay(context.nextRunOn);
              return { lastRunOn: context.nextRunOn, runs: context.runs + 1, nextRunOn: next > today ? next : today };
            }),
          ],
        },
      },
    },
  },
});
