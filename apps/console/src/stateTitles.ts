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
export function leafPaths(value: StateValue, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [`${prefix}${String(value)}`];
  return Object.entries(value).flatMap(([child, inner]) => leafPaths(inner, `${prefix}${child}.`));
}

/**
 * What a clerk reads for a state value: its title; for a compound one, the outer state's title with the
 * titles of its active steps, e.g. 发展对象培养（待集中培训、已确定入党介绍人、公示结束、待政治审查）. A name the
 * workflow does not know is shown as it is.
 */
export function stateValueTitle(states: NamedState[] | undefined, value: StateValue | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const title = (name: string) => states?.find((s) => s.name === name)?.title ?? name;
  if (typeof value !== 'object') return title(String(value));
  return Object.entries(value)
    .map(([outer, inner]) => `${title(outer)}（${leafPaths(inner, `${outer}.`).map(title).join('、')}）`)
    .join('、');
}
