import { GraphChart } from 'echarts/charts';
import { TooltipComponent, AriaComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useRef } from 'react';
import type { WorkflowDetail } from '../api/types';
import { layoutStatechart, PER_ROW, type Node } from './statechartLayout';
import { prefersReducedMotion } from '../motion';

echarts.use([GraphChart, TooltipComponent, AriaComponent, CanvasRenderer]);

export default function StatechartView({ workflow, current }: { workflow: WorkflowDetail; current: string[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const { nodes, edges, commonExits } = useMemo(() => layoutStatechart(workflow), [workflow]);
  const currentTop = new Set(current.map((c) => c.split('.')[0]));
  const perLayer = new Map<number, Node[]>();
  nodes.forEach((n) => perLayer.set(n.layer, [...(perLayer.get(n.layer) ?? []), n]));
  const layers = Math.max(...nodes.map((n) => n.layer)) + 1;
  const widest = PER_ROW;
  // the drawing is as tall as its rows (positions are pixels: a taller box would stay empty below them)
  const height = Math.max(120, layers * 86 + 16);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const chart = echarts.init(el, undefined, { renderer: 'canvas' });
    // nodes sized to the card (a phone's is narrow); names wrap onto a second line instead of being cut
    const diagramOption = (width: number, animate: boolean) => {
      const nodeWidth = Math.max(64, Math.min(128, Math.floor(width / widest) - 14));
      // ECharts stretches the nodes' bounding box onto the drawing area and keeps node sizes by the horizontal scale
      // only: a tall procedure whose nodes stand in one column was stretched sideways far more than downwards, and
      // each box shrank to a thin line under its name. Positions are therefore in pixels of the drawing area, and
      // two invisible anchors at its corners make the box the area itself: both scales are 1.
      const areaWidth = width - nodeWidth - 8;
      const areaHeight = height - 52;
      const spacing = Math.min(176, areaWidth / (widest - 1));
      const subTitles = (name: string) =>
        current
          .filter((c) => c.startsWith(`${name}.`))
          .map((c) => workflow.states.find((s) => s.name === c)?.title ?? c)
          .join('、');
      return {
        animation: animate,
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
            data: [
              ...nodes.map((n) => {
                const row = perLayer.get(n.layer)!;
                const i = row.indexOf(n);
                const on = currentTop.has(n.name);
                const sub = on ? subTitles(n.name) : '';
                return {
                  name: n.name,
                  x: areaWidth / 2 + (i - (row.length - 1) / 2) * spacing,
                  y: n.layer * 86,
                  tip: sub ? `${n.title}（${sub}）` : n.title,
                  label: { formatter: n.title, color: on ? '#fff' : '#262626', fontWeight: on ? 'bold' : 'normal' },
                  itemStyle: on
                    ? { color: '#cf1322', borderColor: '#820014', borderWidth: 2 }
                    : { color: '#fafafa', borderColor: '#bfbfbf', borderWidth: 1 },
                };
              }),
              // the two corner anchors (no symbol, no label, no tooltip)
              { name: 'anchor:0', x: 0, y: 0, symbolSize: 0, silent: true, tip: '', label: { show: false } },
              {
                name: 'anchor:1',
                x: areaWidth,
                y: areaHeight,
                symbolSize: 0,
                silent: true,
                tip: '',
                label: { show: false },
              },
            ],
            links: edges.map((e) => ({ source: e.from, target: e.to, label: { formatter: e.label } })),
          },
        ],
      };
    };
    // The positions below are pixels of the card's width at drawing time, so a card that changes width (the window
    // resized, a tablet turned) is drawn again from its new width: ECharts' own resize only rescales the old
    // drawing, and at a narrower width the boxes overlapped one another and grew taller than their rows.
    let drawnWidth = -1;
    const draw = (animate: boolean) => {
      const width = el.clientWidth || 600;
      if (width === drawnWidth) return;
      drawnWidth = width;
      chart.resize();
      chart.setOption(diagramOption(width, animate), { notMerge: true });
    };
    // drawn once with its animation; drawn again, at once, whenever the card's width changes
    draw(!prefersReducedMotion);
    const resized = new ResizeObserver(() => draw(false));
    resized.observe(el);
    return () => {
      resized.disconnect();
      chart.dispose();
    };
  }, [nodes, edges, current, workflow]);

  return (
    <>
      <div
        ref={ref}
        role="img"
        aria-label={`${workflow.title}流程图，当前环节以红色标出`}
        data-testid="statechart"
        style={{ width: '100%', height }}
      />
      {commonExits.map((x) => (
        <div key={`${x.event}→${x.to}`} data-testid="statechart-common-exit" style={{ color: '#595959', fontSize: 12 }}>
          {x.from} 个环节均可“{x.event}”，转入“{x.toTitle}”（图中未逐一画出这些连线）
        </div>
      ))}
    </>
  );
}
