import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Test } from '@nestjs/testing';
import { PolicyStore, regionCovers, regionSpecificity } from './policy-store';
import { PolicyModule } from './policy.module';
import { DEFAULT_ENGINE_SETTINGS, PolicyNotFoundError, PolicyValidationError } from './policy.types';

const CONFIG_DIR = resolve(__dirname, '../../config/policies');

const policy = (over: Record<string, unknown> = {}) => ({
  id: 'root',
  title: '测试',
  region: '*',
  effectiveFrom: '2014-06-10',
  enabled: true,
  extends: null,
  workflows: {},
  ...over,
});

describe('config/policies', () => {
  const store = PolicyStore.fromDirectory(CONFIG_DIR);

  it('loads cn-2014, cn-2026 and ganzhou', () => {
    expect(store.list().map((p) => p.id)).toEqual(['cn-2014', 'cn-2026', 'ganzhou']);
    expect(store.get('cn-2026')).toMatchObject({ enabled: false, extends: 'cn-2014', effectiveFrom: '2026-01-01' });
    expect(store.get('ganzhou')).toMatchObject({
      region: '360700',
      extends: 'cn-2014',
      effectiveFrom: '2018-01-01',
      enabled: true,
    });
  });

  it('selects Ganzhou rules for a Ganzhou county from 2018, national rules elsewhere and before', () => {
    expect(store.select('360702', '2026-03-01').id).toBe('ganzhou');
    expect(store.select('360700', '2018-01-01').id).toBe('ganzhou');
    expect(store.select('360700', '2017-12-31').id).toBe('cn-2014');
    expect(store.select('360100', '2026-03-01').id).toBe('cn-2014');
    // Asia/Shanghai date of an instant: 2017-12-31T16:30Z is 2018-01-01 00:30 in Ganzhou
    expect(store.select('360702', '2017-12-31T16:30:00Z').id).toBe('ganzhou');
  });

  it('never selects the disabled 2026 revision', () => {
    expect(store.select('110105', '2026-06-01').id).toBe('cn-2014');
  });

  it('fails when no policy is in force yet', () => {
    expect(() => store.select('360702', '2014-06-09')).toThrow(PolicyNotFoundError);
  });

  it('resolves the Ganzhou [L] settings over the national engine settings', () => {
    const mt = store.resolve('ganzhou', 'membership-transfer');
    expect(mt).toEqual({
      policyId: 'ganzhou',
      chain: ['cn-2014', 'ganzhou'],
      deadlineOverrides: {},
      params: { letterMaxValidityMonths: 3, licensingSyncMonths: 6 },
      engine: { escalationSecondLevelWd: 5, reminderHour: 9, quietHours: { from: '20:00', to: '08:00' } },
    });
    expect(store.resolve(store.get('ganzhou'), 'annual-review').params).toEqual({ gradeThresholds: { I: 85, II: 70 } });
    expect(store.resolve('ganzhou', 'recruitment').params).toEqual({});
  });

  it('resolves the 2026 recruitment flag only in cn-2026', () => {
    expect(store.resolve('cn-2026', 'recruitment').params).toEqual({ rules2026: true });
    expect(store.resolve('cn-2014', 'recruitment').params).toEqual({});
    expect(store.resolve('cn-2026', 'membership-transfer').params).toEqual({});
  });
});

describe('PolicyStore', () => {
  describe('select', () => {
    const store = PolicyStore.fromObjects([
      policy({ id: 'cn', region: '*', effectiveFrom: '2014-06-10' }),
      policy({ id: 'cn-new', region: '*', effectiveFrom: '2026-01-01', extends: 'cn' }),
      policy({ id: 'cn-future', region: '*', effectiveFrom: '2030-01-01', extends: 'cn' }),
      policy({ id: 'cn-off', region: '*', effectiveFrom: '2027-01-01', extends: 'cn', enabled: false }),
      policy({ id: 'jiangxi', region: '360000', effectiveFrom: '2016-01-01', extends: 'cn' }),
      policy({ id: 'ganzhou', region: '360700', effectiveFrom: '2018-01-01', extends: 'jiangxi' }),
      policy({ id: 'zhanggong', region: '360702', effectiveFrom: '2020-01-01', extends: 'ganzhou' }),
    ]);

    it.each([
      ['360702', '2026-03-01', 'zhanggong+cn-new'],
      ['360702', '2025-12-31', 'zhanggong'],
      ['360702', '2019-06-01', 'ganzhou'],
      ['360781', '2026-03-01', 'ganzhou+cn-new'],
      ['360700', '2026-03-01', 'ganzhou+cn-new'],
      ['361000', '2026-03-01', 'jiangxi+cn-new'],
      ['361000', '2025-03-01', 'jiangxi'],
      ['360702', '2017-01-01', 'jiangxi'],
      ['440300', '2026-03-01', 'cn-new'],
      ['440300', '2025-12-31', 'cn'],
      ['440300', '2029-12-31', 'cn-new'],
      ['440300', '2030-01-01', 'cn-future'],
      ['*', '2026-03-01', 'cn-new'],
    ])('region %s on %s → %s', (region, at, id) => {
      expect(store.select(region, at).id).toBe(id);
    });

    it('layers a newer national policy over an older regional one instead of hiding it', () => {
      // it used to be `zhanggong` alone: a county's policy hid every later national revision
      expect(store.select('360702', '2030-06-01').id).toBe('zhanggong+cn-future');
      expect(store.chain('zhanggong+cn-future').map((p) => p.id)).toEqual([
        'cn',
        'jiangxi',
        'ganzhou',
        'zhanggong',
        'cn-future',
      ]);
    });

    it('skips disabled policies but can still get and resolve them', () => {
      expect(store.select('440300', '2027-06-01').id).toBe('cn-new');
      expect(store.get('cn-off').enabled).toBe(false);
      expect(store.resolve('cn-off', 'x').chain).toEqual(['cn', 'cn-off']);
    });

    it('rejects an invalid date', () => {
      expect(() => store.select('360702', 'soon')).toThrow(RangeError);
    });
  });

  describe('precedence by effective date (2026 rules reach regions with their own policy)', () => {
    const recruitment = (params: Record<string, unknown>) => ({ recruitment: { params } });
    const base = [
      policy({ id: 'cn-2014', region: '*', effectiveFrom: '2014-06-10', workflows: recruitment({ rules2026: false }) }),
      policy({
        id: 'ganzhou',
        region: '360700',
        effectiveFrom: '2018-01-01',
        extends: 'cn-2014',
        workflows: {
          ...recruitment({ activistMinMonths: 12 }),
          'membership-transfer': {
            params: { letterMaxValidityMonths: 3 },
            deadlines: { 'letter_pending.due': { amount: 3, unit: 'wd' } },
          },
        },
        engine: { reminderHour: 8 },
      }),
    ];
    const national2026 = policy({
      id: 'cn-2026',
      region: '*',
      effectiveFrom: '2026-01-01',
      extends: 'cn-2014',
      workflows: {
        ...recruitment({ rules2026: true }),
        'membership-transfer': { params: { letterMaxValidityMonths: 2 } },
      },
    });

    it('a newer national revision reaches a region with an older policy of its own; the regional rest stays', () => {
      const store = PolicyStore.fromObjects([...base, national2026]);
      const selected = store.select('360702', '2026-03-01');
      expect(selected.id).toBe('ganzhou+cn-2026');
      expect(store.resolve(selected, 'recruitment')).toMatchObject({
        policyId: 'ganzhou+cn-2026',
        chain: ['cn-2014', 'ganzhou', 'cn-2026'],
        params: { rules2026: true, activistMinMonths: 12 },
      });
      // where both set the same thing, the later effective date wins; what only the region sets stays
      expect(store.resolve(selected, 'membership-transfer')).toMatchObject({
        params: { letterMaxValidityMonths: 2 },
        deadlineOverrides: { 'letter_pending.due': { amount: 3, unit: 'wd' } },
        engine: { reminderHour: 8 },
      });
      // before the revision's date: the regional policy alone, as before
      expect(store.select('360702', '2025-12-31').id).toBe('ganzhou');
      // a case keeps its version: the stored composite id resolves the same later
      expect(store.resolve('ganzhou+cn-2026', 'recruitment').params).toEqual(
        store.resolve(selected, 'recruitment').params,
      );
      expect(store.get('ganzhou+cn-2026')).toMatchObject({ effectiveFrom: '2026-01-01', extends: null });
    });

    it('a region moves to the 2026 rule set from its own date while the national revision stays off', () => {
      const store = PolicyStore.fromObjects([
        ...base,
        { ...national2026, enabled: false },
        policy({
          id: 'ganzhou-2026',
          region: '360700',
          effectiveFrom: '2026-07-01',
          extends: 'ganzhou',
          workflows: recruitment({ rules2026: true }),
        }),
      ]);
      expect(store.select('360702', '2026-06-30').id).toBe('ganzhou');
      expect(store.resolve(store.select('360702', '2026-06-30'), 'recruitment').params.rules2026).toBe(false);
      expect(store.select('360702', '2026-07-01').id).toBe('ganzhou-2026');
      expect(store.resolve(store.select('360702', '2026-07-01'), 'recruitment').params).toEqual({
        rules2026: true,
        activistMinMonths: 12,
      });
      // other cities keep the 2014 rules
      expect(store.resolve(store.select('360100', '2026-07-01'), 'recruitment').params.rules2026).toBe(false);
    });

    it('a region keeps the old rule after a national revision by dating its own setting later', () => {
      const store = PolicyStore.fromObjects([
        ...base,
        national2026,
        policy({
          id: 'ganzhou-keep-2014',
          region: '360700',
          effectiveFrom: '2026-02-01',
          extends: 'ganzhou',
          workflows: recruitment({ rules2026: false }),
        }),
      ]);
      expect(store.resolve(store.select('360702', '2026-01-15'), 'recruitment').params.rules2026).toBe(true);
      const later = store.select('360702', '2026-02-01');
      expect(later.id).toBe('cn-2026+ganzhou-keep-2014');
      expect(store.chain(later).map((p) => p.id)).toEqual(['cn-2014', 'ganzhou', 'cn-2026', 'ganzhou-keep-2014']);
      expect(store.resolve(later, 'recruitment').params.rules2026).toBe(false);
      // the national revision's other settings still apply there
      expect(store.resolve(later, 'membership-transfer').params.letterMaxValidityMonths).toBe(2);
    });

    it('on the same day the more specific region wins', () => {
      const store = PolicyStore.fromObjects([
        base[0],
        policy({ id: 'national', effectiveFrom: '2026-01-01', extends: 'cn-2014', workflows: recruitment({ x: 1 }) }),
        policy({
          id: 'city',
          region: '360700',
          effectiveFrom: '2026-01-01',
          extends: 'cn-2014',
          workflows: recruitment({ x: 2 }),
        }),
      ]);
      const selected = store.select('360702', '2026-01-01');
      expect(selected.id).toBe('national+city');
      expect(store.resolve(selected, 'recruitment').params.x).toBe(2);
    });
  });

  describe('resolve along extends', () => {
    const store = PolicyStore.fromObjects([
      policy({
        id: 'root',
        workflows: {
          wf: {
            deadlines: { a: { amount: 5, unit: 'wd' }, b: { amount: 1, unit: 'm' } },
            params: { t: { I: 85, II: 70 }, list: [1, 2], flag: false },
          },
        },
        engine: { escalationSecondLevelWd: 5, reminderHour: 9, quietHours: { from: '20:00', to: '08:00' } },
      }),
      policy({
        id: 'mid',
        extends: 'root',
        workflows: { wf: { deadlines: { c: { amount: 10, unit: 'd' } }, params: { t: { II: 65 } } } },
      }),
      policy({
        id: 'leaf',
        extends: 'mid',
        workflows: {
          wf: { deadlines: { a: { amount: 3, unit: 'wd' } }, params: { list: [3], flag: true } },
          other: { params: { x: 1 } },
        },
        engine: { reminderHour: 8 },
      }),
    ]);

    it('merges deadlines per key, params deeply, engine over the defaults', () => {
      const r = store.resolve('leaf', 'wf');
      expect(r.chain).toEqual(['root', 'mid', 'leaf']);
      expect(r.deadlineOverrides).toEqual({
        a: { amount: 3, unit: 'wd' },
        b: { amount: 1, unit: 'm' },
        c: { amount: 10, unit: 'd' },
      });
      expect(r.params).toEqual({ t: { I: 85, II: 65 }, list: [3], flag: true });
      expect(r.engine).toEqual({
        escalationSecondLevelWd: 5,
        reminderHour: 8,
        quietHours: { from: '20:00', to: '08:00' },
      });
      expect(store.resolve('mid', 'wf').params).toEqual({ t: { I: 85, II: 65 }, list: [1, 2], flag: false });
      expect(store.resolve('leaf', 'other').params).toEqual({ x: 1 });
    });

    it('falls back to the default engine settings and empty maps', () => {
      const bare = PolicyStore.fromObjects([policy()]);
      expect(bare.resolve('root', 'wf')).toEqual({
        policyId: 'root',
        chain: ['root'],
        deadlineOverrides: {},
        params: {},
        engine: DEFAULT_ENGINE_SETTINGS,
      });
    });

    it('returns copies: mutating a resolution does not change the store', () => {
      const r = store.resolve('leaf', 'wf');
      (r.params.t as any).I = 0;
      r.deadlineOverrides.a.amount = 99;
      r.engine.quietHours.from = '00:00';
      expect(store.resolve('leaf', 'wf').params.t).toEqual({ I: 85, II: 65 });
      expect(store.resolve('leaf', 'wf').deadlineOverrides.a.amount).toBe(3);
      expect(DEFAULT_ENGINE_SETTINGS.quietHours.from).toBe('20:00');
      expect(Object.isFrozen(store.get('leaf').workflows)).toBe(true);
    });

    it('fails on an unknown policy id', () => {
      expect(() => store.resolve('nope', 'wf')).toThrow(PolicyNotFoundError);
      expect(() => store.get('nope')).toThrow(PolicyNotFoundError);
      expect(store.has('nope')).toBe(false);
    });

    it('reports policy deadline keys no definition declares', () => {
      expect(store.unknownDeadlineKeys({ wf: ['a', 'b'], other: [] })).toEqual([
        'mid: workflow "wf" has no deadline "c"',
      ]);
      expect(store.unknownDeadlineKeys({ wf: ['a', 'b', 'c'] })).toEqual(['leaf: unknown workflow "other"']);
    });
  });

  describe('validation fails loudly', () => {
    it.each<[string, unknown[], RegExp]>([
      [
        'an unknown unit',
        [policy({ workflows: { wf: { deadlines: { a: { amount: 5, unit: 'w' } } } } })],
        /unknown unit "w"/,
      ],
      [
        'a missing amount',
        [policy({ workflows: { wf: { deadlines: { a: { unit: 'wd' } } } } })],
        /missing field "amount"/,
      ],
      [
        'a negative amount',
        [policy({ workflows: { wf: { deadlines: { a: { amount: -1, unit: 'd' } } } } })],
        /non-negative integer/,
      ],
      ['a missing effectiveFrom', [policy({ effectiveFrom: undefined })], /missing field "effectiveFrom"/],
      ['a missing id', [policy({ id: undefined })], /missing field "id"/],
      ['a missing enabled', [policy({ enabled: undefined })], /missing field "enabled"/],
      ['a missing workflows', [policy({ workflows: undefined })], /missing field "workflows"/],
      ['an invalid date', [policy({ effectiveFrom: '2018-02-30' })], /"effectiveFrom" must be a YYYY-MM-DD date/],
      ['an invalid region', [policy({ region: '36070' })], /"region" must be "\*" or a 6-digit/],
      ['an unknown extends', [policy({ extends: 'cn-2013' })], /extends unknown policy "cn-2013"/],
      ['an extends cycle', [policy({ id: 'a', extends: 'b' }), policy({ id: 'b', extends: 'a' })], /chain loops/],
      ['a self extends', [policy({ id: 'a', extends: 'a' })], /cannot extend itself/],
      ['a duplicate id', [policy(), policy()], /duplicate policy id "root"/],
      ['an unknown top-level field', [policy({ effectivFrom: '2018-01-01' })], /unknown field "effectivFrom"/],
      ['an unknown workflow field', [policy({ workflows: { wf: { deadline: {} } } })], /unknown field "deadline"/],
      ['params that are not an object', [policy({ workflows: { wf: { params: [1] } } })], /params must be an object/],
      ['a bad reminder hour', [policy({ engine: { reminderHour: 24 } })], /reminderHour/],
      ['a bad quiet hour', [policy({ engine: { quietHours: { from: '8pm', to: '08:00' } } })], /quietHours.from/],
      ['an unknown engine field', [policy({ engine: { timezone: 'UTC' } })], /unknown field "timezone"/],
      ['a non-object', ['cn-2014'], /must be a JSON object/],
    ])('on %s', (_label, objects, message) => {
      expect(() => PolicyStore.fromObjects(objects)).toThrow(PolicyValidationError);
      expect(() => PolicyStore.fromObjects(objects)).toThrow(message);
    });

    it('lists every problem at once', () => {
      try {
        PolicyStore.fromObjects([policy({ title: '', region: 'x', enabled: 'yes' })]);
        throw new Error('expected a failure');
      } catch (e) {
        expect(e).toBeInstanceOf(PolicyValidationError);
        expect((e as PolicyValidationError).problems).toHaveLength(3);
      }
    });

    describe('files', () => {
      let dir: string;
      beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pf-policy-'))));
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      it('fails on invalid JSON, naming the file', () => {
        writeFileSync(join(dir, 'broken.json'), '{ "id": ');
        expect(() => PolicyStore.fromDirectory(dir)).toThrow(/broken\.json: not valid JSON/);
      });

      it('fails when the file name is not the id', () => {
        writeFileSync(join(dir, 'ganzhou-2018.json'), JSON.stringify(policy({ id: 'ganzhou' })));
        expect(() => PolicyStore.fromDirectory(dir)).toThrow(/file name must be "ganzhou.json"/);
      });

      it('fails on a child whose parent file is missing', () => {
        copyFileSync(join(CONFIG_DIR, 'ganzhou.json'), join(dir, 'ganzhou.json'));
        expect(() => PolicyStore.fromDirectory(dir)).toThrow(/extends unknown policy "cn-2014"/);
      });

      it('a failed reload leaves the previous contents in place', () => {
        const store = PolicyStore.fromDirectory(CONFIG_DIR);
        writeFileSync(
          join(dir, 'x.json'),
          JSON.stringify(policy({ id: 'x', workflows: { wf: { deadlines: { a: { amount: 1, unit: 'week' } } } } })),
        );
        expect(() => store.load(dir)).toThrow(PolicyValidationError);
        expect(store.list().map((p) => p.id)).toEqual(['cn-2014', 'cn-2026', 'ganzhou']);
      });
    });
  });

  it('region helpers', () => {
    expect([
      regionSpecificity('*'),
      regionSpecificity('360000'),
      regionSpecificity('360700'),
      regionSpecificity('360702'),
    ]).toEqual([0, 1, 2, 3]);
    expect(regionCovers('360700', '360702')).toBe(true);
    expect(regionCovers('360700', '360800')).toBe(false);
    expect(regionCovers('360702', '360700')).toBe(false);
    expect(regionCovers('*', 'anything')).toBe(true);
    expect(regionCovers('360000', 'ganzhou')).toBe(false);
  });
});

describe('PolicyModule', () => {
  it('provides the PolicyStore loaded from config/policies', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [PolicyModule] }).compile();
    const store = moduleRef.get(PolicyStore);
    expect(store.select('360702', '2026-03-01').id).toBe('ganzhou');
  });

  it('forRoot reads another directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-policy-'));
    try {
      writeFileSync(join(dir, 'only.json'), JSON.stringify(policy({ id: 'only' })));
      const moduleRef = await Test.createTestingModule({ imports: [PolicyModule.forRoot({ dir })] }).compile();
      expect(
        moduleRef
          .get(PolicyStore)
          .list()
          .map((p) => p.id),
      ).toEqual(['only']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
