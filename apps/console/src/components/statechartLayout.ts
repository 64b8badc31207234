import type { WorkflowDetail } from '../api/types';

export const PER_ROW = 4;

export interface Node {
  name: string;
  title: string;
  layer: number;
}

/**
 * An exit open from this many steps or more by the same event (撤回入党申请, from any of fifteen) is not
 * drawn as that many edges crossing the whole graph: it is listed under it instead (`commonExits`).
 */
export const COMMON_EXIT_MIN = 4;

/**
 * The procedure as a graph of its top-level states (a parallel or compound state is one node whose
 * active parts are listed), laid out in layers from the initial state. Built from the statechart JSON of
 * GET /workflows/:key; StatechartView draws it with ECharts, the current state(s) in red.
 */
export function layoutStatechart(workflow: Pick<WorkflowDetail, 'statechart' | 'events' | 'states'>) {
  const sc = workflow.statechart;
  const prefix = `#${sc.id}.`;
  const top = (target: string) => target.replace(prefix, '').split('.')[0];
  const edges = new Map<string, Set<string>>();
  const eventTitle = (type: string) =>
    type ? (workflow.events.find((e) => e.type === type)?.title ?? type) : '自动判定';
  const walk = (node: any, owner: string) => {
    // `always` transitions (decided by the engine itself, e.g. routing) count as edges too
    const on: Record<string, any[]> = { ...(node.on ?? {}), ...(node.always?.length ? { '': node.always } : {}) };
    for (const [type, transitions] of Object.entries<any[]>(on)) {
      for (const t of transitions ?? []) {
        for (const target of t.target ?? []) {
          const to = top(target);
          if (to === owner) continue;
          const key = `${owner}→${to}`;
          if (!edges.has(key)) edges.set(key, new Set());
          edges.get(key)!.add(eventTitle(type));
        }
      }
    }
    for (const child of Object.values<any>(node.states ?? {})) walk(child, owner);
  };
  for (const [name, node] of Object.entries<any>(sc.states ?? {})) walk(node, name);
  // the same event into the same state from many steps: one line under the graph
  const sources = new Map<string, string[]>();
  for (const [key, titles] of edges)
    for (const title of titles) {
      const [from, to] = key.split('→');
      const exit = `${title}→${to}`;
      sources.set(exit, [...(sources.get(exit) ?? []), from]);
    }
  const commonExits: { event: string; to: string; toTitle: string; from: number }[] = [];
  for (const [exit, from] of sources) {
    if (from.length < COMMON_EXIT_MIN) continue;
    const [event, to] = exit.split('→');
    for (const f of from) {
      const titles = edges.get(`${f}→${to}`)!;
      titles.delete(event);
      if (!titles.size) edges.delete(`${f}→${to}`);
    }
    commonExits.push({
      event,
      to,
      toTitle: workflow.states.find((s) => s.name === to)?.title ?? to,
      from: from.length,
    });
  }
  const initial = top(sc.initial?.target?.[0] ?? Object.keys(sc.states)[0]);
  // layers: breadth-first from the initial state (unreached states go last)
  const layer = new Map<string, number>([[initial, 0]]);
  const queue = [initial];
  while (queue.length) {
    const from = queue.shift()!;
    for (const key of edges.keys()) {
      const [a, b] = key.split('→');
      if (a === from && !layer.has(b)) {
        layer.set(b, layer.get(from)! + 1);
        queue.push(b);
      }
    }
  }
  const maxLayer = Math.max(0, ...layer.values());
  // a layer wider than PER_ROW nodes continues on the next row (final states often share one layer)
  const byLayer = new Map<number, string[]>();
  for (const name of Object.keys(sc.states)) {
    const l = layer.get(name) ?? maxLayer + 1;
    byLayer.set(l, [...(byLayer.get(l) ?? []), name]);
  }
  const nodes: Node[] = [];
  let row = 0;
  for (const l of [...byLayer.keys()].sort((a, b) => a - b)) {
    const names = byLayer.get(l)!;
    for (let i = 0; i < names.length; i += PER_ROW, row++)
      for (const name of names.slice(i, i + PER_ROW))
        nodes.push({ name, title: workflow.states.find((s) => s.name === name)?.title ?? name, layer: row });
  }
  return {
    nodes,
    commonExits,
    edges: [...edges.entries()].map(([k, titles]) => ({
      from: k.split('→')[0],
      to: k.split('→')[1],
      label: [...titles].join(' / '),
    })),
  };
}
