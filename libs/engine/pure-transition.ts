import { AnyMachineSnapshot, AnyStateMachine, createActor } from 'xstate';

const scopes = new WeakMap<AnyStateMachine, any>();

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
  const actions: { type: string; params?: unknown }[] = [];
  scope.actionExecutor = (action: { type: string; params?: unknown }) => actions.push(action);
  try {
    return [machine.transition(snapshot, event as any, scope), actions];
  } finally {
    scope.actionExecutor = () => {};
  }
}
