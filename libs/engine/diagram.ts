import type { AnyStateNode } from 'xstate';
import type { WorkflowDefinition } from '../../workflows/kernel/definition';

const id = (path: string) => path.replace(/[.-]/g, '_');

/** Target state paths of a transition config (`'x'`, `'.x'`, `'#machine.x'`, objects, arrays). */
function targetsOf(node: AnyStateNode, transition: any): string[] {
  const list = Array.isArray(transition) ? transition : [transition];
  return list.flatMap((t: any) => {
    const target = typeof t === 'string' ? t : t?.target;
    if (!target) return [];
    return (Array.isArray(target) ? target : [target]).map((x: string) => resolveTarget(node, x));
  });
}

function resolveTarget(node: AnyStateNode, target: string): string {
  const rootId = node.machine.id;
  if (target.startsWith(`#${rootId}.`)) return target.slice(rootId.length + 2);
  if (target.startsWith('#')) return target.slice(1);
  const parentPath = node.path.slice(0, -1).join('.');
  if (target.startsWith('.')) return [...node.path, target.slice(1)].join('.');
  return parentPath ? `${parentPath}.${target}` : target;
}

/** Mermaid `stateDiagram-v2` text of a workflow, labelled in Chinese, for the workflow endpoint and docs. */
export function toMermaid(def: WorkflowDefinition): string {
  const lines = ['stateDiagram-v2'];
  const walk = (node: AnyStateNode, indent: string) => {
    const children = Object.values(node.states ?? {}) as AnyStateNode[];
    if (node.initial && children.length) {
      const initial = (node.initial as any).target?.[0] as AnyStateNode | undefined;
      if (initial) lines.push(`${indent}[*] --> ${id(initial.path.join('.'))}`);
    }
    for (const child of children) {
      const path = child.path.join('.');
      const title = def.states[path]?.title ?? path;
      if (Object.keys(child.states ?? {}).length) {
        lines.push(`${indent}state "${title}" as ${id(path)} {`);
        walk(child, indent + '  ');
        lines.push(`${indent}}`);
      } else lines.push(`${indent}state "${title}" as ${id(path)}`);
      if (child.type === 'final') lines.push(`${indent}${id(path)} --> [*]`);
      for (const [event, transition] of Object.entries(child.config.on ?? {})) {
        for (const target of targetsOf(child, transition))
          lines.push(`${indent}${id(path)} --> ${id(target)}: ${def.events[event]?.title ?? event}`);
      }
      for (const target of targetsOf(child, (child.config as any).always ?? []))
        lines.push(`${indent}${id(path)} --> ${id(target)}: （自动判定）`);
      const onDone = (child.config as any).onDone;
      if (onDone)
        for (const target of targetsOf(child, onDone))
          lines.push(`${indent}${id(path)} --> ${id(target)}: （全部完成）`);
    }
  };
  walk(def.machine.root, '  ');
  return lines.join('\n');
}
