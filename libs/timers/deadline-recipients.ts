import type { WorkflowDefinition } from '../../workflows/kernel/definition';
import { taskRules } from '../engine/task-rules';
import type { TimerStage } from '../engine/timer-stage';

/** Who hears of a stage: the holders of a role at an organization (supervisors: at it or at any org above it). */
export interface StageRecipient {
  orgId: string;
  role: 'clerk' | 'orgdept' | 'supervisor';
}

/** The parts of a timer row (with its case's parties) that decide who hears of its stages. */
export interface TimerParties {
  state_path: string;
  deadline_key: string;
  party: string | null;
  parties: Record<string, string>;
}

/**
 * Who hears of a stage: reminders and the deadline go to the acting party, in the role it acts in (a clerk;
 * the organization department for its filing); the first escalation to the clerks of that party's upper
 * committee, the second to the supervisors above it and to the procedure's overseers. When the acting party
 * is itself the top committee of the case (the city committee issuing a letter), there is no upper clerk to
 * tell: both escalations go to the supervisors above it, never back to itself. A deadline may name the
 * parties of its first escalation (`escalateTo`), as branch formation does.
 *
 * A state in which nobody acts gets no notice at all (its timer only sends the clock's event).
 *
 * Pure: the timer drain delivers with it, and the supervision inbox asks it which escalations reached the
 * supervisors, so the two cannot disagree.
 */
export function deadlineRecipients(t: TimerParties, def: WorkflowDefinition, s: TimerStage): StageRecipient[] {
  // a state nobody acts in (a daily watch that the clock alone moves on) hears of nothing: its deadline is a
  // schedule, and a notice of it would reach, every day, clerks who have nothing to do
  if (!someoneActsIn(def, t.state_path)) return [];
  const actors = def.states[t.state_path]?.actors ?? [];
  const candidates = [t.party, ...actors.map((a) => a.party)].filter(Boolean) as string[];
  const party = candidates.find((p) => t.parties[p]);
  if (s.kind !== 'escalation') {
    if (!party) return [];
    const role = actors.find((a) => a.party === party)?.role === 'orgdept' ? 'orgdept' : 'clerk';
    return [{ orgId: t.parties[party], role }];
  }
  const acting = party ? t.parties[party] : undefined;
  const named = def.states[t.state_path]?.deadlines?.find((d) => d.key === t.deadline_key)?.escalateTo;
  if (s.level < 2 && named?.length)
    return [...new Set(named.map((p) => t.parties[p]).filter(Boolean))].map((orgId) => ({
      orgId,
      role: 'clerk' as const,
    }));
  const upper = (party && t.parties[`${party}Upper`]) || t.parties.city;
  if (!upper) return [];
  if (upper === acting) return [{ orgId: acting, role: 'supervisor' }, ...overseersOf(t, def)];
  if (s.level < 2) return [{ orgId: upper, role: 'clerk' }];
  return [{ orgId: upper, role: 'supervisor' }, ...overseersOf(t, def)];
}

const actingPaths = new WeakMap<WorkflowDefinition, string[]>();

/**
 * Whether some person may send an event while the case is in `statePath`: a task rule at the path or below
 * it (a deadline on a parallel state is acted on in its regions). Built once per definition.
 */
function someoneActsIn(def: WorkflowDefinition, statePath: string): boolean {
  let paths = actingPaths.get(def);
  if (!paths) actingPaths.set(def, (paths = [...new Set(taskRules(def).map((r) => r.statePath))]));
  return paths.some((p) => p === statePath || p.startsWith(`${statePath}.`));
}

/** The overseers (`WorkflowDefinition.overseers`) the case names, in their roles. */
function overseersOf(t: TimerParties, def: WorkflowDefinition): StageRecipient[] {
  return (def.overseers ?? [])
    .filter((o) => t.parties[o.party] && (o.role === 'orgdept' || o.role === 'clerk'))
    .map((o) => ({ orgId: t.parties[o.party], role: o.role as 'orgdept' | 'clerk' }));
}
