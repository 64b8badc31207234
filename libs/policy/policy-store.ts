import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DateTime } from 'luxon';
import { checkPolicyShape, normalizePolicy } from './policy-validation';
import {
  DEFAULT_ENGINE_SETTINGS,
  EngineSettings,
  Policy,
  PolicyDeadline,
  PolicyNotFoundError,
  PolicyValidationError,
  ResolvedPolicy,
} from './policy.types';

const ZONE = 'Asia/Shanghai';

/** A policy object and where it came from (a file path, or a label in tests). */
export interface PolicySource {
  source: string;
  json: unknown;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects; arrays and scalars of `over` replace those of `base`. Returns a new object. */
export function deepMerge<T extends Record<string, unknown>>(base: T, over: Record<string, unknown> | undefined): T {
  const out: Record<string, unknown> = structuredClone(base);
  if (!over) return out as T;
  for (const [k, v] of Object.entries(over)) {
    out[k] =
      isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : structuredClone(v);
  }
  return out as T;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** `*` → 0, province `360000` → 1, city `360700` → 2, county `360702` → 3. */
export function regionSpecificity(region: string): number {
  if (region === '*') return 0;
  if (region.endsWith('0000')) return 1;
  if (region.endsWith('00')) return 2;
  return 3;
}

/** Whether a policy for `policyRegion` applies to a case in `region` (same division or one inside it). */
export function regionCovers(policyRegion: string, region: string): boolean {
  if (policyRegion === '*') return true;
  if (!/^\d{6}$/.test(region)) return false;
  const prefix = policyRegion.slice(0, [0, 2, 4, 6][regionSpecificity(policyRegion)]);
  return region.startsWith(prefix);
}

/** Joins the layers of a composite policy version (policy ids are lower-case letters, digits and dashes). */
export const COMPOSITE_SEPARATOR = '+';

/** Merge order of policies in force together: older first, then less specific, so the later one wins. */
const byPrecedence = (a: Policy, b: Policy) =>
  a.effectiveFrom.localeCompare(b.effectiveFrom) ||
  regionSpecificity(a.region) - regionSpecificity(b.region) ||
  a.id.localeCompare(b.id);

function toDate(at: DateTime | Date | string): string {
  let dt: DateTime;
  if (DateTime.isDateTime(at)) dt = at.setZone(ZONE);
  else if (at instanceof Date) dt = DateTime.fromJSDate(at, { zone: ZONE });
  else dt = DateTime.fromISO(String(at), { zone: ZONE });
  if (!dt.isValid) throw new RangeError(`无效日期 (invalid date): ${String(at)}`);
  return dt.toISODate() as string;
}

/**
 * Versioned policies as data (`config/policies/<id>.json`). Pure core: `PolicyModule` wraps it for Nest.
 * Every load validates the whole set and fails loudly (malformed file, unknown unit, missing field,
 * unknown or cyclic `extends`, duplicate id); a failed load leaves the previous contents untouched.
 */
export class PolicyStore {
  private policies = new Map<string, Policy>();
  private loads = 0;

  /** Grows by one with every successful load: what was derived from an earlier generation is stale. */
  get generation(): number {
    return this.loads;
  }

  /** A store loaded from a directory. */
  static fromDirectory(dir: string): PolicyStore {
    const store = new PolicyStore();
    store.load(dir);
    return store;
  }

  /** A store loaded from objects (tests, programmatic setups). */
  static fromObjects(objects: unknown[]): PolicyStore {
    const store = new PolicyStore();
    store.loadObjects(objects.map((json, i) => ({ source: `policy[${i}]`, json })));
    return store;
  }

  /** Replaces the contents with every `*.json` of `dir`; the file name must be `<id>.json`. */
  load(dir: string): void {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const problems: string[] = [];
    const sources: PolicySource[] = [];
    for (const file of files) {
      const path = join(dir, file);
      try {
        sources.push({ source: path, json: JSON.parse(readFileSync(path, 'utf8')) });
      } catch (e) {
        problems.push(`${path}: not valid JSON (${(e as Error).message})`);
      }
    }
    if (problems.length) throw new PolicyValidationError(`策略文件无效 (invalid policy files in ${dir})`, problems);
    this.loadObjects(sources, { requireFileName: true });
  }

  /** Replaces the contents with these policies, validated as a set. */
  loadObjects(sources: PolicySource[], options: { requireFileName?: boolean } = {}): void {
    const problems: string[] = [];
    const next = new Map<string, Policy>();
    const origin = new Map<string, string>();
    for (const { source, json } of sources) {
      const shape = checkPolicyShape(json);
      if (shape.length) {
        problems.push(...shape.map((p) => `${source}: ${p}`));
        continue;
      }
      const policy = normalizePolicy(json as Record<string, unknown>);
      if (options.requireFileName && basename(source) !== `${policy.id}.json`)
        problems.push(`${source}: file name must be "${policy.id}.json" (the policy id)`);
      if (next.has(policy.id)) {
        problems.push(`${source}: duplicate policy id "${policy.id}" (also in ${origin.get(policy.id)})`);
        continue;
      }
      next.set(policy.id, policy);
      origin.set(policy.id, source);
    }
    for (const policy of next.values()) {
      if (policy.extends === null) continue;
      if (!next.has(policy.extends)) {
        problems.push(`${origin.get(policy.id)}: extends unknown policy "${policy.extends}"`);
        continue;
      }
      const seen = new Set([policy.id]);
      for (let cur = next.get(policy.extends); cur; cur = cur.extends ? next.get(cur.extends) : undefined) {
        if (seen.has(cur.id)) {
          problems.push(`${origin.get(policy.id)}: "extends" chain loops (${[...seen, cur.id].join(' → ')})`);
          break;
        }
        seen.add(cur.id);
      }
    }
    if (problems.length) throw new PolicyValidationError('策略文件无效 (invalid policies)', problems);
    for (const p of next.values()) deepFreeze(p);
    this.policies = next;
    this.loads++;
  }

  /** Every policy, by id. */
  list(): Policy[] {
    return [...this.policies.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  has(id: string): boolean {
    return this.policies.has(id);
  }

  /** The policy with this id, enabled or not (a running case keeps its policy). Throws when unknown. */
  get(id: string): Policy {
    if (id.includes(COMPOSITE_SEPARATOR)) return this.composite(id.split(COMPOSITE_SEPARATOR));
    const p = this.policies.get(id);
    if (!p) throw new PolicyNotFoundError(`策略不存在 (unknown policy): ${id}`);
    return p;
  }

  /**
   * The instants of the Asia/Shanghai day of `at`, as epoch milliseconds `[from, to)`: every instant in it
   * gets what `select` answers for `at` (the day is all `select` reads of the time), so a caller may keep
   * that answer for the day.
   */
  dayBounds(at: Date): { from: number; to: number } {
    const start = DateTime.fromJSDate(at, { zone: ZONE }).startOf('day');
    return { from: start.toMillis(), to: start.plus({ days: 1 }).toMillis() };
  }

  /**
   * The policy version for a new case in `region` (6-digit division code) on date `at` (Asia/Shanghai).
   * Policies are layered, one per level: at each region code covering the case (`*`, province, city,
   * county) the newest enabled policy whose `effectiveFrom` ≤ `at`. Layers another one already extends
   * drop out. One layer left: that policy. Several (a regional policy and a newer national revision it does
   * not extend): a composite version `a+b` whose settings merge every layer and its `extends` chain by
   * effective date — where two set the same deadline, parameter or engine setting, the later `effectiveFrom`
   * wins, and on the same day the more specific region. So a national revision reaches regions that have
   * their own policy, and a region keeps, or leaves, a national rule by dating its own setting later.
   */
  select(region: string, at: DateTime | Date | string): Policy {
    const day = toDate(at);
    const candidates = [...this.policies.values()]
      .filter((p) => p.enabled && p.effectiveFrom <= day && regionCovers(p.region, region))
      .sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom) || a.id.localeCompare(b.id));
    if (!candidates.length)
      throw new PolicyNotFoundError(
        `没有适用于地区 ${region}、日期 ${day} 的已启用策略 (no enabled policy for ${region} on ${day})`,
      );
    const heads = new Map<string, Policy>();
    for (const p of candidates) if (!heads.has(p.region)) heads.set(p.region, p);
    const extended = new Set(
      [...heads.values()].flatMap((h) =>
        this.chain(h)
          .slice(0, -1)
          .map((p) => p.id),
      ),
    );
    const layers = [...heads.values()].filter((h) => !extended.has(h.id)).sort(byPrecedence);
    return layers.length === 1 ? layers[0] : this.composite(layers.map((p) => p.id));
  }

  /**
   * A composite version (`a+b`, as `select` returns and a case stores): a policy with no settings of its
   * own whose chain is its layers' chains merged by precedence. Its `effectiveFrom` is its newest layer's.
   */
  private composite(ids: string[]): Policy {
    const layers = ids.map((id) => this.get(id));
    const newest = [...layers].sort(byPrecedence).at(-1)!;
    return {
      id: ids.join(COMPOSITE_SEPARATOR),
      title: layers.map((p) => p.title).join(' + '),
      region: newest.region,
      effectiveFrom: newest.effectiveFrom,
      enabled: layers.every((p) => p.enabled),
      extends: null,
      workflows: {},
    };
  }

  /**
   * The `extends` chain, root first. For a composite version: every layer's chain, each policy once,
   * ordered by precedence (a policy always after the one it extends).
   */
  chain(policy: Policy | string): Policy[] {
    const id = typeof policy === 'string' ? policy : policy.id;
    if (id.includes(COMPOSITE_SEPARATOR)) {
      const members = new Map<string, Policy>();
      for (const layer of id.split(COMPOSITE_SEPARATOR)) for (const p of this.chain(layer)) members.set(p.id, p);
      const out: Policy[] = [];
      const emit = (p: Policy) => {
        if (out.includes(p)) return;
        if (p.extends) emit(members.get(p.extends)!);
        out.push(p);
      };
      [...members.values()].sort(byPrecedence).forEach(emit);
      return out;
    }
    const out: Policy[] = [];
    for (let cur: Policy | undefined = typeof policy === 'string' ? this.get(policy) : policy; cur;) {
      out.unshift(cur);
      cur = cur.extends ? this.get(cur.extends) : undefined;
    }
    return out;
  }

  /**
   * What a workflow gets from a policy, following `extends` from the root: deadline overrides (a later
   * policy replaces an earlier one per key), params (deep-merged) and engine settings (over the defaults).
   */
  resolve(policy: Policy | string, workflowKey: string): ResolvedPolicy {
    const chain = this.chain(policy);
    let deadlineOverrides: Record<string, PolicyDeadline> = {};
    let params: Record<string, unknown> = {};
    let engine = structuredClone(DEFAULT_ENGINE_SETTINGS) as EngineSettings;
    for (const p of chain) {
      const wf = p.workflows[workflowKey];
      if (wf?.deadlines) deadlineOverrides = { ...deadlineOverrides, ...structuredClone(wf.deadlines) };
      if (wf?.params) params = deepMerge(params, wf.params);
      if (p.engine)
        engine = deepMerge(engine as unknown as Record<string, unknown>, p.engine) as unknown as EngineSettings;
    }
    const policyId = typeof policy === 'string' ? policy : policy.id;
    return { policyId, chain: chain.map((p) => p.id), deadlineOverrides, params, engine };
  }

  /** The organizational-life settings of a policy, deep-merged from the root of its `extends` chain. */
  orgLife(policy: Policy | string): Record<string, unknown> {
    let out: Record<string, unknown> = {};
    for (const p of this.chain(policy)) if (p.orgLife) out = deepMerge(out, p.orgLife);
    return out;
  }

  /**
   * Deadline keys of the policies that no definition declares (likely typos), given the known keys per
   * workflow key. For a start-up check once the definitions are registered.
   */
  unknownDeadlineKeys(known: Record<string, Iterable<string>>): string[] {
    const out: string[] = [];
    for (const p of this.policies.values())
      for (const [wfKey, wf] of Object.entries(p.workflows)) {
        const keys = known[wfKey] ? new Set(known[wfKey]) : undefined;
        if (!keys) {
          out.push(`${p.id}: unknown workflow "${wfKey}"`);
          continue;
        }
        for (const dKey of Object.keys(wf.deadlines ?? {}))
          if (!keys.has(dKey)) out.push(`${p.id}: workflow "${wfKey}" has no deadline "${dKey}"`);
      }
    return out;
  }
}
