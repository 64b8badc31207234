import { Injectable } from '@nestjs/common';
import type { DeadlineSpec, WorkflowDefinition } from '../../workflows/kernel/definition';
import { computeDeadline, DeadlineEngineSettings } from '../calendar/deadline-calculator';
import { WorkingCalendar } from '../calendar/working-calendar';
import type { TimerKind } from '../persistence/entities';

export interface PlannedTimer {
  statePath: string;
  deadlineKey: string;
  kind: TimerKind;
  level: number;
  dueAt: Date;
  fireEvent: string | null;
  party: string | null;
  provisional: boolean;
  rule: string;
  title: string;
}

export interface PlanInput {
  def: WorkflowDefinition;
  activePaths: string[];
  entered: Record<string, { at: string; version: number }>;
  context: Record<string, any>;
  deadlineOverrides: Record<string, { amount: number; unit: 'wd' | 'd' | 'm' }>;
  policyId: string;
  engine?: DeadlineEngineSettings;
}

/** Timers a case should have for its active states: the deadline, its reminders and its escalations. */
@Injectable()
export class DeadlinePlanner {
  constructor(private readonly calendar: WorkingCalendar) {}

  plan({ def, activePaths, entered, context, deadlineOverrides, policyId, engine }: PlanInput): PlannedTimer[] {
    const out: PlannedTimer[] = [];
    for (const path of activePaths) {
      const meta = def.states[path];
      for (const spec of meta?.deadlines ?? []) {
        const enteredAt = entered[path]?.at;
        if (!enteredAt) continue;
        const computed = computeDeadline(spec, deadlineOverrides[spec.key], { enteredAt, context }, this.calendar, { policyId, workflowKey: def.key, engine });
        if (!computed) continue;
        const party = spec.party ?? meta.actors?.[0]?.party ?? null;
        const base = { statePath: path, deadlineKey: spec.key, party, provisional: computed.provisional, rule: computed.rule };
        out.push({ ...base, kind: 'deadline', level: 0, dueAt: new Date(computed.dueAt), fireEvent: spec.fireEvent ?? null, title: spec.title });
        for (const r of computed.reminders)
          out.push({ ...base, kind: 'reminder', level: 0, dueAt: new Date(r.at), fireEvent: null, title: `提醒：${spec.title}` });
        for (const e of computed.escalations ?? [])
          out.push({ ...base, kind: 'escalation', level: e.level, dueAt: new Date(e.at), fireEvent: null, title: `${e.level === 1 ? '逾期督办' : '逾期上报'}：${spec.title}` });
      }
    }
    return out;
  }
}

export const timerIdentity = (t: Pick<PlannedTimer, 'statePath' | 'deadlineKey' | 'kind' | 'level' | 'dueAt'>) =>
  `${t.statePath}|${t.deadlineKey}|${t.kind}|${t.level}|${t.dueAt.toISOString()}`;

export type { DeadlineSpec };
