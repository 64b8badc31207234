import { AnyMachineSnapshot, AnyStateMachine, createActor } from 'xstate';

const scopes = new WeakMap<AnyStateMachine, any>();

/** One inert actor scope per machine, reused by every call (our machines spawn nothing). */
function inertScope(machine: AnyStateMachine) {
  let scope = scopes.get(machine);
  if (!scope) {
    const self = createActor(machine);
    scope = {
      self,
      defer: () => {},
      id: '',
      logger: () => {},
      sessionId: '',
      stopChild: () => {},
      system: self.system,
      emit: () => {},
      actionExecutor: () => {},
    };
    scopes.set(machine, scope);
  }
  return scope;
}

/** Runs `step` with the machine's scope collecting the actions it executes (synchronous: calls cannot interleave). */
function collecting<T>(machine: AnyStateMachine, step: (scope: any) => T): [T, { type: string; params?: unknown }[]] {
  const scope = inertScope(machine);
  const actions: { type: string; params?: unknown }[] = [];
  scope.actionExecutor = (action: { type: string; params?: unknown }) => actions.push(action);
  try {
    return [step(scope), actions];
  } finally {
    scope.actionExecutor = () => {};
  }
}

/**
 * XState's pure `transition(machine, snapshot, event)`, minus its per-call cost: the library builds a
 * throw-away actor for every call (which evaluates the machine's initial snapshot again). Our machines
 * spawn nothing, so one inert scope per machine is reused and only the action collector changes per call.
 * `machine.transition(snapshot, event, scope)` is synchronous, so calls cannot interleave.
 */
export function pureTransition(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  event: unknown,
): [AnyMachineSnapshot, { type: string; params?: unknown }[]] {
  return collecting(machine, (scope) => machine.transition(snapshot, event as any, scope));
}

/**
 * XState's pure `initialTransition(machine, input)` the same way: the library's throw-away actor evaluates
 * the initial snapshot once more without input — a machine whose context reads its input throws there, and
 * the library catches it — before the real evaluation (about half the cost of an opening's transition).
 */
export function pureInitialTransition(
  machine: AnyStateMachine,
  input: unknown,
): [AnyMachineSnapshot, { type: string; params?: unknown }[]] {
  return collecting(machine, (scope) => machine.getInitialSnapshot(scope, input));
}
