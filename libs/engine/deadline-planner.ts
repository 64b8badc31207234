import { Injectable } from '@nestjs/common';
import type { DeadlineSpec, WorkflowDefinition } from '../../workflows/kernel/definition';
import { computeDeadline, DeadlineEngineSettings, readPath } from '../calendar/deadline-calculator';
import { shanghaiDate, WorkingCalendar } from '../calendar/working-calendar';
import type { TimerKind, TimerStage } from './timer-stage';

/** A deadline of an active state with its schedule of reminders, the deadline and escalations. */
export interface PlannedTimer {
  statePath: string;
  deadlineKey: string;
  dueAt: Date;
  fireEvent: string | null;
  party: string | null;
  provisional: boolean;
  rule: string;
  title: string;
  stages: TimerStage[];
  nextAt: Date | null;
}

export interface PlanInput {
  def: WorkflowDefinition;
  activePaths: string[];
  entered: Record<string, { at: string; version: number }>;
  context: Record<string, any>;
  deadlineOverrides: Record<string, { amount: number; unit: 'wd' | 'd' | 'm' }>;
  policyId: string;
  engine?: DeadlineEngineSettings;
  /**
   * Shared by the cases of one bulk opening: a deadline is a pure function of its spec, override, anchor
   * value and entry time, so thousands of cases opened at one instant with the same fixed dates compute it
   * once. Never kept beyond one call (calendar years may be added at any time).
   */
  memo?: Map<string, ReturnType<typeof computeDeadline>>;
}

/**
 * Whether a deadline's computation depends on its entry only through the entry's Shanghai date, so that it
 * may be answered for a whole day at once: counted from the entry in working days (at least one), with every
 * reminder at a positive fraction. Then the due day, the reminders (each at an hour of a working day after
 * the entry's day, so never before the entry itself), the escalations and the rule text are the same for
 * any instant of that day. Not so for calendar days or months (a fraction of the span lands at an instant
 * measured from the entry), a fixed date, a context anchor, or a reminder at fraction 0 (its day is the
 * entry's own, where the hour may already have passed).
 */
export function plannedPerEntryDay(spec: DeadlineSpec, override?: { amount: number; unit: string }): boolean {
  const amount = override?.amount ?? spec.amount;
  const unit = override?.unit ?? spec.unit;
  return (
    spec.anchor.kind === 'entry' &&
    unit === 'wd' &&
    Number.isInteger(amount) &&
    amount >= 1 &&
    (spec.remindAt ?? []).every((f) => typeof f === 'number' && f > 0)
  );
}

/** Timers a case should have for its active states: the deadline, its reminders and its escalations. */
@Injectable()
export class DeadlinePlanner {
  /**
   * Deadlines that depend on their entry's day only (plannedPerEntryDay), by definition, state, deadline,
   * policy and day: every transition plans the deadlines of its active states, and luxon's date work made a
   * third of an opening's own computation. Good for one calendar revision (emptied when it changes).
   */
  private readonly perDay = new Map<string, ReturnType<typeof computeDeadline>>();
  private perDayRevision = -1;

  constructor(private readonly calendar: WorkingCalendar) {}

  plan({ def, activePaths, entered, context, deadlineOverrides, policyId, engine, memo }: PlanInput): PlannedTimer[] {
    const out: PlannedTimer[] = [];
    for (const path of activePaths) {
      const meta = def.states[path];
      for (const spec of meta?.deadlines ?? []) {
        const enteredAt = entered[path]?.at;
        if (!enteredAt) continue;
        const override = deadlineOverrides[spec.key];
        const compute = () =>
          computeDeadline(spec, override, { enteredAt, context }, this.calendar, {
            policyId,
            workflowKey: def.key,
            engine,
          });
        let computed: ReturnType<typeof computeDeadline>;
        if (plannedPerEntryDay(spec, override)) {
          if (this.perDayRevision !== this.calendar.revision || this.perDay.size >= 10_000) {
            this.perDay.clear();
            this.perDayRevision = this.calendar.revision;
          }
          // everything computeDeadline reads besides the entry's day (the rule text names the policy and the procedure)
          const key = `${policyId}|${def.key}|${def.version}|${path}|${spec.key}|${JSON.stringify(override ?? null)}|${JSON.stringify(engine ?? null)}|${shanghaiDate(enteredAt)}`;
          if (!this.perDay.has(key)) this.perDay.set(key, compute());
          computed = this.perDay.get(key)!;
        } else if (memo) {
          const anchor = spec.anchor.kind === 'context' ? readPath(context, spec.anchor.path) : null;
          const key = `${policyId}|${def.key}|${path}|${spec.key}|${enteredAt}|${JSON.stringify(anchor)}`;
          if (!memo.has(key)) memo.set(key, compute());
          computed = memo.get(key)!;
        } else computed = compute();
        if (!computed) continue;
        const party = spec.party ?? meta.actors?.[0]?.party ?? null;
        const stages: TimerStage[] = [
          ...computed.reminders.map((r) => ({
            kind: 'reminder' as TimerKind,
            level: 0,
            at: new Date(r.at).toISOString(),
          })),
          { kind: 'deadline', level: 0, at: new Date(computed.dueAt).toISOString() },
          ...(computed.escalations ?? []).map((e) => ({
            kind: 'escalation' as TimerKind,
            level: e.level,
            at: new Date(e.at).toISOString(),
          })),
        ];
        // stable order: by time, then reminder < deadline < escalation (the deadline event fires before escalating)
        const rank = { reminder: 0, deadline: 1, escalation: 2 };
        stages.sort((a, b) => a.at.localeCompare(b.at) || rank[a.kind] - rank[b.kind] || a.level - b.level);
        out.push({
          statePath: path,
          deadlineKey: spec.key,
          dueAt: new Date(computed.dueAt),
          fireEvent: spec.fireEvent ?? null,
          party,
          provisional: computed.provisional,
          rule: computed.rule,
          title: spec.title,
          stages,
          nextAt: new Date(stages[0].at),
        });
      }
    }
    return out;
  }
}

/**
 * What makes two plans of a deadline the same: its state, key, due time and whether it was provisional
 * (anchors moved, or the year's calendar arrived → a new row).
 */
export const timerIdentity = (t: Pick<PlannedTimer, 'statePath' | 'deadlineKey' | 'dueAt' | 'provisional'>) =>
  `${t.statePath}|${t.deadlineKey}|${t.dueAt.toISOString()}${t.provisional ? '|provisional' : ''}`;

export type { DeadlineSpec };
