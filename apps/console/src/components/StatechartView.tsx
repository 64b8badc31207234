import { GraphChart } from 'echarts/charts';
import { TooltipComponent, AriaComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useRef } from 'react';
import type { WorkflowDetail } from '../api/types';
import { prefersReducedMotion } from '../motion';

echarts.use([GraphChart, TooltipComponent, AriaComponent, CanvasRenderer]);

const PER_ROW = 4;

interface Node {
  name: string;
  title: string;
  layer: number;
}

/**
 * The procedure as a graph of its top-level states (a parallel or compound state is one node whose
 * active parts are listed), laid out in layers from the initial state, with the current state(s) in red.
 * Built from the statechart JSON of GET /workflows/:key, drawn with ECharts (its own chunk).
 */
export function layoutStatechart(workflow: WorkflowDetail) {
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
    edges: [...edges.entries()].map(([k, titles]) => ({
      from: k.split('→')[0],
      to: k.split('→')[1],
      label: [...titles].join(' / '),
    })),
  };
}

export default function StatechartView({ workflow, current }: { workflow: WorkflowDetail; current: string[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const { nodes, edges } = useMemo(() => layoutStatechart(workflow), [workflow]);
  const currentTop = new Set(current.map((c) => c.split('.')[0]));
  const perLayer = new Map<number, Node[]>();
  nodes.forEach((n) => perLayer.set(n.layer, [...(perLayer.get(n.layer) ?? []), n]));
  const layers = Math.max(...nodes.map((n) => n.layer)) + 1;
  const widest = PER_ROW;
  const height = Math.max(260, layers * 86);

  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    // nodes sized to the card (a phone's is narrow); names wrap onto a second line instead of being cut
    const nodeWidth = Math.max(64, Math.min(128, Math.floor((ref.current.clientWidth || 600) / widest) - 14));
    const subTitles = (name: string) =>
      current
        .filter((c) => c.startsWith(`${name}.`))
        .map((c) => workflow.states.find((s) => s.name === c)?.title ?? c)
        .join('、');
    chart.setOption({
      animation: !prefersReducedMotion,
      aria: {
        enabled: true,
        label: {
          description: `${workflow.title}流程图，当前环节：${current.map((c) => workflow.states.find((s) => s.name === c)?.title ?? c).join('、')}`,
        },
      },
      tooltip: { formatter: (p: any) => (p.dataType === 'edge' ? (p.data.label?.formatter ?? '') : p.data.tip) },
      series: [
        {
          type: 'graph',
          layout: 'none',
          roam: true,
          // keep the outer nodes inside the canvas: ECharts fits node centres, not their boxes
          left: nodeWidth / 2 + 4,
          right: nodeWidth / 2 + 4,
          top: 26,
          bottom: 26,
          symbol: 'roundRect',
          symbolSize: [nodeWidth, 40],
          edgeSymbol: ['none', 'arrow'],
          edgeSymbolSize: 8,
          label: { show: true, fontSize: 12, lineHeight: 14, width: nodeWidth - 8, overflow: 'break' },
          edgeLabel: { show: false },
          lineStyle: { color: '#8c8c8c', curveness: 0.15, width: 1.2 },
          data: nodes.map((n) => {
            const row = perLayer.get(n.layer)!;
            const i = row.indexOf(n);
            const on = currentTop.has(n.name);
            const sub = on ? subTitles(n.name) : '';
            return {
              name: n.name,
              x: (i - (row.length - 1) / 2) * 150 + (widest * 150) / 2,
              y: n.layer * 86,
              tip: sub ? `${n.title}（${sub}）` : n.title,
              label: { formatter: n.title, color: on ? '#fff' : '#262626', fontWeight: on ? 'bold' : 'normal' },
              itemStyle: on
                ? { color: '#cf1322', borderColor: '#820014', borderWidth: 2 }
                : { color: '#fafafa', borderColor: '#bfbfbf', borderWidth: 1 },
            };
          }),
          links: edges.map((e) => ({ source: e.from, target: e.to, label: { formatter: e.label } })),
        },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [nodes, edges, current, workflow]);

  return (
    <div
      ref={ref}
      role="img"
      aria-label={`${workflow.title}流程图，当前环节以红色标出`}
      data-testid="statechart"
      style={{ width: '100%', height }}
    />
  );
}
