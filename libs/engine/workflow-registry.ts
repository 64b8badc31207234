import { Injectable } from '@nestjs/common';
import type { AnyStateNode } from 'xstate';
import type { WorkflowDefinition } from '../../workflows/kernel/definition';
import { AppError } from '../common/app-error';

/** Every state node of a machine, keyed by its path relative to the root (`a`, `a.b`). */
export function stateNodesByPath(def: WorkflowDefinition): Map<string, AnyStateNode> {
  const out = new Map<string, AnyStateNode>();
  const walk = (node: AnyStateNode, prefix: string) => {
    for (const [key, child] of Object.entries(node.states ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.set(path, child as AnyStateNode);
      walk(child as AnyStateNode, path);
    }
  };
  walk(def.machine.root, '');
  return out;
}

/** Event types accepted anywhere in the machine (excluding XState's internal events). */
export function machineEventTypes(def: WorkflowDefinition): Set<string> {
  const types = new Set<string>();
  const collect = (node: AnyStateNode) => Object.keys(node.config.on ?? {}).forEach((t) => types.add(t));
  collect(def.machine.root);
  stateNodesByPath(def).forEach(collect);
  return types;
}

/**
 * Checks that metadata and machine agree: every state has a title, every event the machine accepts has
 * metadata and vice versa. Returns the problems (empty when consistent).
 */
export function checkDefinition(def: WorkflowDefinition): string[] {
  const problems: string[] = [];
  for (const path of stateNodesByPath(def).keys())
    if (!def.states[path]) problems.push(`state "${path}" has no metadata`);
  for (const path of Object.keys(def.states))
    if (!stateNodesByPath(def).has(path)) problems.push(`metadata for unknown state "${path}"`);
  const types = machineEventTypes(def);
  for (const t of types) if (!def.events[t]) problems.push(`event "${t}" has no metadata`);
  for (const t of Object.keys(def.events)) if (!types.has(t)) problems.push(`metadata for unknown event "${t}"`);
  return problems;
}

/**
 * Workflow definitions by key and version. A running case stays on the version it started with; new
 * cases use the latest. Old versions stay registered until their last case ends.
 */
@Injectable()
export class WorkflowRegistry {
  private readonly byKey = new Map<string, Map<number, WorkflowDefinition>>();

  register(def: WorkflowDefinition): void {
    const problems = checkDefinition(def);
    if (problems.length)
      throw new Error(`workflow ${def.key}@${def.version} is inconsistent:\n  ${problems.join('\n  ')}`);
    const versions = this.byKey.get(def.key) ?? new Map();
    versions.set(def.version, def);
    this.byKey.set(def.key, versions);
  }

  latest(key: string): WorkflowDefinition {
    const versions = this.byKey.get(key);
    if (!versions) throw new AppError(422, 'UNKNOWN_WORKFLOW', `未知的流程：${key}`);
    return versions.get(Math.max(...versions.keys()))!;
  }

  get(key: string, version: number): WorkflowDefinition {
    const def = this.byKey.get(key)?.get(version);
    if (!def) throw new Error(`workflow ${key}@${version} is not registered (needed by a running case)`);
    return def;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  list(): WorkflowDefinition[] {
    return [...this.byKey.keys()].map((k) => this.latest(k));
  }

  /** Every registered version of every workflow (running cases may be on an older one). */
  allVersions(): WorkflowDefinition[] {
    return [...this.byKey.values()].flatMap((versions) => [...versions.values()]);
  }
}
