import { AnyMachineSnapshot, AnyStateMachine, initialTransition } from 'xstate';
import type { WorkflowDefinition } from '../../workflows/kernel/definition';
import { canonicalJson } from '../engine/canonical-json';
import { pureTransition } from '../engine/pure-transition';
import { activePaths } from '../engine/state-paths';

/** A history row as `GET /cases/:id/history` returns it. */
export interface ReplayRow {
  seq: number;
  at: string;
  actor: { userId: string | null; username: string; role: string | null; orgId: string | null };
  type: string;
  data: any;
  comment: string | null;
  from: unknown;
  to: unknown;
}

/**
 * How faithfully a step was re-derived: `exact` — the machine, fed the recorded event, reached the recorded
 * state; `facts_assumed` — the event's guard needed facts read from the registry at the time (which history
 * does not keep), so it was re-run with its guards taken as passed, as they evidently did; `state_forced` —
 * the machine could not reach the recorded state at all (a definition changed since), the recorded state is
 * shown with the context as far as it could be derived.
 */
export type ReplayFidelity = 'exact' | 'facts_assumed' | 'state_forced';

export interface ReplayedCase {
  seq: number;
  at: string;
  type: string;
  actor: ReplayRow['actor'];
  comment: string | null;
  /** The state as recorded on the history row (the evidence) and as the replay derived it. */
  state: unknown;
  statePaths: string[];
  status: 'open' | 'closed';
  context: Record<string, unknown>;
  fidelity: ReplayFidelity;
  /** Per step up to `seq`: how each was re-derived. */
  steps: { seq: number; type: string; fidelity: ReplayFidelity }[];
}

export interface ReplayInput {
  def: WorkflowDefinition;
  subject: Record<string, unknown>;
  parties: Record<string, string>;
  policyParams: Record<string, unknown>;
  rows: ReplayRow[];
  seq: number;
}

const sameValue = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** The machine with every guard passing: replays an event whose guard read facts history does not keep. */
const permissive = new WeakMap<AnyStateMachine, AnyStateMachine>();
function permissiveMachine(machine: AnyStateMachine): AnyStateMachine {
  let m = permissive.get(machine);
  if (!m) {
    const guards = Object.keys((machine.implementations?.guards ?? {}) as Record<string, unknown>);
    m = machine.provide({ guards: Object.fromEntries(guards.map((g) => [g, () => true])) }) as AnyStateMachine;
    permissive.set(machine, m);
  }
  return m;
}

/**
 * A case as it stood right after history row `seq`: the machine re-run from the opening row through every
 * recorded event with its recorded data and time (XState's pure transitions, no I/O). The history rows are
 * the evidence; the replay adds the context (letter numbers, dates, ratings…) that the rows do not carry.
 */
export function replayCase(input: ReplayInput): ReplayedCase {
  const { def, rows } = input;
  const upTo = rows.filter((r) => r.seq <= input.seq);
  const open = upTo[0];
  if (!open || open.type !== 'OPEN') throw new RangeError('history does not start with its opening row');
  const [first] = initialTransition(def.machine, {
    subject: input.subject,
    input: open.data?.input ?? {},
    policy: input.policyParams,
    parties: input.parties,
    at: open.at,
  } as any);
  let snapshot = first as AnyMachineSnapshot;
  let fidelity: ReplayFidelity = sameValue(snapshot.value, open.to) ? 'exact' : 'state_forced';
  if (fidelity === 'state_forced')
    snapshot = def.machine.resolveState({ value: open.to as any, context: snapshot.context });
  const steps: ReplayedCase['steps'] = [{ seq: open.seq, type: open.type, fidelity }];

  for (const row of upTo.slice(1)) {
    const event = { type: row.type, data: row.data ?? undefined, at: row.at };
    let [next] = pureTransition(def.machine, snapshot, event);
    fidelity = 'exact';
    if (next === snapshot || !sameValue(next.value, row.to)) {
      fidelity = 'facts_assumed';
      const lenient = permissiveMachine(def.machine);
      [next] = pureTransition(
        lenient,
        lenient.resolveState({ value: snapshot.value, context: snapshot.context }),
        event,
      );
      if (!sameValue(next.value, row.to)) {
        fidelity = 'state_forced';
        next = def.machine.resolveState({ value: row.to as any, context: next.context });
      } else next = def.machine.resolveState({ value: next.value, context: next.context });
    }
    snapshot = next;
    steps.push({ seq: row.seq, type: row.type, fidelity });
  }
  const last = upTo[upTo.length - 1];
  return {
    seq: last.seq,
    at: last.at,
    type: last.type,
    actor: last.actor,
    comment: last.comment,
    state: last.to,
    statePaths: activePaths(last.to as any),
    status: snapshot.status === 'done' ? 'closed' : 'open',
    context: snapshot.context as Record<string, unknown>,
    fidelity: steps[steps.length - 1].fidelity,
    steps,
  };
}
