import { leafPaths, stateValueTitle as wordStateValue } from '../../../libs/engine/state-paths';

/**
 * A state value as the engine stores and the history reports it: a state's name, or for a compound state
 * `{ parent: child }`, with one key per region of a parallel state (e.g. recruitment's 发展对象培养, whose
 * introducers, political review, training and public notice run side by side).
 */
export type StateValue = string | { [child: string]: StateValue };

interface NamedState {
  name: string;
  title: string;
}

/** The active leaf paths of a state value, dotted as the workflow names its states ('candidate.training.pending'). */
export { leafPaths };

/**
 * What a clerk reads for a state value, in the server's own words (`libs/engine/state-paths.ts`, which the inbox,
 * the ledger and the notices use): its title; for a compound one, the outer state's title with the titles of its
 * active steps, e.g. 发展对象培养（待集中培训、已确定入党介绍人、公示结束、待政治审查）. A name the workflow does not
 * know is shown as it is.
 */
export function stateValueTitle(states: NamedState[] | undefined, value: StateValue | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return wordStateValue({ states: Object.fromEntries((states ?? []).map((s) => [s.name, s])) }, value);
}
