import type { AnyStateNode } from 'xstate';
import type { ActorRule, WorkflowDefinition } from '../../workflows/kernel/definition';
import { stateNodesByPath } from './workflow-registry';

/** "A clerk of the case's `party` may act while the case is in `statePath`", as a row SQL can join on. */
export interface TaskRule {
  workflow: string;
  version: number;
  statePath: string;
  role: string;
  party: string;
}

/**
 * The task rules a definition declares: for each state, the (role, party) pairs that may send at least one
 * of the events the state (or an ancestor) handles — the event's own actors, else the actors of the active
 * states, exactly as the engine decides. Under a parallel state every region may be active at once, so the
 * actors of all its regions count. The rules over-approximate only where a guard or rule would still say
 * "not now"; the engine's own check runs on each returned page.
 */
export function taskRules(def: WorkflowDefinition): TaskRule[] {
  const nodes = stateNodesByPath(def);
  const ancestors = (path: string) => path.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'));
  const out = new Map<string, TaskRule>();
  for (const path of nodes.keys()) {
    const chain = ancestors(path);
    const active = new Set(chain);
    for (const a of chain)
      if ((nodes.get(a) as AnyStateNode).type === 'parallel')
        for (const other of nodes.keys()) if (other.startsWith(`${a}.`)) active.add(other);
    const stateActors: ActorRule[] = [...active].flatMap((p) => def.states[p]?.actors ?? []);
    const events = new Set(chain.flatMap((p) => Object.keys(nodes.get(p)!.config.on ?? {})));
    for (const type of events) {
      const meta = def.events[type];
      if (!meta || meta.system) continue;
      for (const actor of meta.actors ?? stateActors) {
        const rule = { workflow: def.key, version: def.version, statePath: path, role: actor.role, party: actor.party };
        out.set(JSON.stringify(rule), rule);
      }
    }
  }
  return [...out.values()];
}
