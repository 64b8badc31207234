import { COMMON_EXIT_MIN, layoutStatechart } from '../apps/console/src/components/statechartLayout';
import { WORKFLOW_DEFINITIONS } from '../workflows';

/** The console's flow diagram of each procedure, laid out from its real statechart (as GET /workflows/:key gives it). */
describe('flow diagram layout', () => {
  const layoutOf = (key: string) => {
    const def = WORKFLOW_DEFINITIONS.find((d) => d.key === key)!;
    return layoutStatechart({
      // as the API sends it: JSON (the definition's targets are state nodes, serialized as their ids)
      statechart: JSON.parse(JSON.stringify(def.machine.root.definition)),
      states: Object.entries(def.states).map(([name, s]) => ({ name, title: s.title, actors: [], deadlines: [] })),
      events: Object.entries(def.events).map(([type, e]) => ({ type, title: e.title, system: false, actors: [] })),
    });
  };

  it('lists an exit open from many steps under the graph instead of drawing an edge from each', () => {
    // recruitment: the applicant may withdraw at almost any step, which drew fifteen edges across the diagram
    const { edges, commonExits, nodes } = layoutOf('recruitment');
    const withdraw = commonExits.find((x) => x.event === '撤回入党申请');
    expect(withdraw).toMatchObject({ to: 'withdrawn', toTitle: '已撤回入党申请' });
    expect(withdraw!.from).toBeGreaterThanOrEqual(COMMON_EXIT_MIN);
    expect(edges.filter((e) => e.to === 'withdrawn' && e.label.includes('撤回入党申请'))).toEqual([]);
    // the state itself stays on the diagram, and the main line is still drawn
    expect(nodes.map((n) => n.name)).toContain('withdrawn');
    expect(edges.length).toBeGreaterThan(10);
  });

  it('finds such exits in the procedures that have them, and only there', () => {
    const exits = Object.fromEntries(
      WORKFLOW_DEFINITIONS.map((d) => [d.key, layoutOf(d.key).commonExits.map((x) => `${x.event} → ${x.toTitle}`)]),
    );
    expect(exits).toEqual({
      'membership-transfer': ['执业（转所）申请撤回 → 执业（转所）申请撤回，接转取消'],
      'branch-formation': ['律师事务所注销，关闭 → 已关闭（律师事务所注销）'],
      recruitment: ['撤回入党申请 → 已撤回入党申请'],
      nonconforming: ['停止党籍（失去联系） → 停止党籍'],
      'annual-review': [],
      'org-life-watch': [],
      'inactivity-review': [],
      'branch-term': [],
      'grade-upgrade': [],
    });
  });
});
