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
