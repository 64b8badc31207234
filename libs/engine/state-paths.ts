import type { StateValue } from 'xstate';

/**
 * All active state paths of a state value, ancestors included, e.g. `{candidate: {training: 'done'}}` →
 * ['candidate', 'candidate.training', 'candidate.training.done']. Metadata and timers are keyed by these.
 */
export function activePaths(value: StateValue, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(path);
    if (child !== undefined) out.push(...activePaths(child as StateValue, path));
  }
  return out;
}

/** Leaf paths only (what a clerk thinks of as "the current steps"). */
export function leafPaths(value: StateValue, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v as StateValue, prefix ? `${prefix}.${k}` : k));
}

/**
 * How a clerk names where a case is, from its active state paths: a top-level state by its title; one with inner
 * steps by its title and theirs, e.g. `发展对象培养（待集中培训、已确定入党介绍人、公示结束、待政治审查）` for the four
 * parallel steps of 发展对象培养. The console words state values with this too (`apps/console/src/stateTitles.ts`).
 */
export function currentStepsTitle(def: { states: Record<string, { title?: string }> }, statePaths: string[]): string {
  const title = (p: string) => def.states[p]?.title ?? p;
  const leaves = statePaths.filter((p) => !statePaths.some((q) => q.startsWith(`${p}.`)));
  const tops = [...new Set(leaves.map((p) => p.split('.')[0]))];
  return tops
    .map((top) => {
      const inner = leaves.filter((p) => p.startsWith(`${top}.`));
      return inner.length ? `${title(top)}（${inner.map(title).join('、')}）` : title(top);
    })
    .join('、');
}

/** A state value (as history records it) worded as `currentStepsTitle` words the state paths. */
export function stateValueTitle(def: { states: Record<string, { title?: string }> }, value: StateValue): string {
  return currentStepsTitle(def, activePaths(value));
}
