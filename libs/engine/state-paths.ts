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
 * The titles of a case's current steps (its leaf states), joined with 、: how a clerk names where a case is,
 * e.g. `待集中培训、已确定入党介绍人` for the parallel steps of 发展对象培养.
 */
export function currentStepsTitle(def: { states: Record<string, { title?: string }> }, statePaths: string[]): string {
  return statePaths
    .filter((p) => !statePaths.some((q) => q.startsWith(`${p}.`)))
    .map((p) => def.states[p]?.title ?? p)
    .join('、');
}
