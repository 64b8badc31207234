import { WORKFLOW_DEFINITIONS } from '../../workflows';
import { canonicalJson, GENESIS_HASH, historyHash } from './canonical-json';
import { toMermaid } from './diagram';
import { activePaths, currentStepsTitle, leafPaths, stateValueTitle } from './state-paths';
import { checkDefinition, stateNodesByPath, WorkflowRegistry } from './workflow-registry';
import { referencedParties } from './party-resolver';

describe('state paths', () => {
  it('lists ancestors and leaves of nested and parallel values', () => {
    const value = { candidate: { introducers: 'done', training: 'pending' } };
    expect(activePaths(value)).toEqual([
      'candidate',
      'candidate.introducers',
      'candidate.introducers.done',
      'candidate.training',
      'candidate.training.pending',
    ]);
    expect(leafPaths(value)).toEqual(['candidate.introducers.done', 'candidate.training.pending']);
    expect(activePaths('release_review')).toEqual(['release_review']);
  });

  it('names the current steps as the console does: a state with inner steps by its title and theirs', () => {
    const def = {
      states: {
        candidate: { title: '发展对象培养' },
        'candidate.training.pending': { title: '待集中培训' },
        release_review: { title: '转出审核' },
      },
    };
    const paths = activePaths({ candidate: { introducers: 'done', training: 'pending' } });
    // an untitled step by its path
    expect(currentStepsTitle(def, paths)).toBe('发展对象培养（candidate.introducers.done、待集中培训）');
    expect(currentStepsTitle(def, ['candidate'])).toBe('发展对象培养');
    expect(stateValueTitle(def, 'release_review')).toBe('转出审核');
    expect(stateValueTitle(def, { candidate: { training: 'pending' } })).toBe('发展对象培养（待集中培训）');
  });
});

describe('history hashing', () => {
  const row = {
    caseId: 'c',
    seq: 2,
    at: '2026-01-01T00:00:00.000Z',
    actor: { username: 'a', role: 'clerk' },
    type: 'X',
    data: { b: 1, a: [1, { d: 2, c: 3 }] },
    comment: null,
    from: 'a',
    to: 'b',
  };

  it('is independent of key order (jsonb does not keep it) but not of content', () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
    const reordered = { ...row, data: { a: [1, { c: 3, d: 2 }], b: 1 } };
    expect(historyHash(GENESIS_HASH, reordered)).toBe(historyHash(GENESIS_HASH, row));
    expect(historyHash(GENESIS_HASH, { ...row, comment: 'x' })).not.toBe(historyHash(GENESIS_HASH, row));
    expect(historyHash('f'.repeat(64), row)).not.toBe(historyHash(GENESIS_HASH, row));
  });
});

describe('the five registered definitions', () => {
  it.each(WORKFLOW_DEFINITIONS.map((d) => [d.key, d] as const))(
    '%s: metadata matches the machine and registers',
    (_, def) => {
      expect(checkDefinition(def)).toEqual([]);
      const registry = new WorkflowRegistry();
      registry.register(def);
      expect(registry.latest(def.key)).toBe(def);
      // every state has a Chinese title and every actor names a party the engine can resolve or derives
      for (const path of stateNodesByPath(def).keys()) expect(def.states[path].title).toMatch(/[\u4e00-\u9fa5]/);
      for (const meta of Object.values(def.events)) expect(meta.title).toMatch(/[\u4e00-\u9fa5]/);
      expect(referencedParties(def).size).toBeGreaterThan(0);
    },
  );

  it.each(WORKFLOW_DEFINITIONS.map((d) => [d.key, d] as const))('%s: Mermaid diagram names every state', (_, def) => {
    const text = toMermaid(def);
    expect(text.startsWith('stateDiagram-v2')).toBe(true);
    for (const path of stateNodesByPath(def).keys()) expect(text).toContain(`as ${path.replace(/[.-]/g, '_')}`);
  });

  it('rejects a definition whose metadata misses a state', () => {
    const def = WORKFLOW_DEFINITIONS[0];
    const broken = { ...def, states: Object.fromEntries(Object.entries(def.states).slice(1)) };
    expect(checkDefinition(broken).length).toBeGreaterThan(0);
    expect(() => new WorkflowRegistry().register(broken)).toThrow(/inconsistent/);
  });
});
