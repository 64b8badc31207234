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

function deepFreeze<T>(value: T): T {
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
    const p = this.policies.get(id);
    if (!p) throw new PolicyNotFoundError(`策略不存在 (unknown policy): ${id}`);
    return p;
  }

  /**
   * The policy for a new case in `region` (6-digit division code) on date `at` (Asia/Shanghai): among the
   * enabled policies whose region covers it (or is `*`) and whose `effectiveFrom` ≤ `at`, the most
   * specific region first (county > city > province > `*`), then the newest `effectiveFrom`.
   */
  select(region: string, at: DateTime | Date | string): Policy {
    const day = toDate(at);
    const candidates = [...this.policies.values()]
      .filter((p) => p.enabled && p.effectiveFrom <= day && regionCovers(p.region, region))
      .sort(
        (a, b) =>
          regionSpecificity(b.region) - regionSpecificity(a.region) ||
          b.effectiveFrom.localeCompare(a.effectiveFrom) ||
          a.id.localeCompare(b.id),
      );
    if (!candidates.length)
      throw new PolicyNotFoundError(
        `没有适用于地区 ${region}、日期 ${day} 的已启用策略 (no enabled policy for ${region} on ${day})`,
      );
    return candidates[0];
  }

  /** The `extends` chain, root first. */
  chain(policy: Policy | string): Policy[] {
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
    return { policyId: chain[chain.length - 1].id, chain: chain.map((p) => p.id), deadlineOverrides, params, engine };
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
