import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { scopeOrgIds } from '../auth/principal';
import { AppError } from '../common/app-error';
import { WorkflowRegistry } from '../engine/workflow-registry';
import type { DeadlineSpec, DurationUnit } from '../../workflows/kernel/definition';
import { PolicyRegionsRepository } from './policy-regions.repository';
import { COMPOSITE_SEPARATOR, PolicyStore, regionCovers } from '../policy/policy-store';
import { PolicyNotFoundError } from '../policy/policy.types';

const UNIT: Record<DurationUnit, string> = { wd: '个工作日', d: '日', m: '个月' };

/** `5 个工作日（自进入该环节起）` — a deadline's rule in the words a clerk reads. */
export function describeDeadline(spec: Pick<DeadlineSpec, 'anchor'>, amount: number, unit: DurationUnit): string {
  // the context key (e.g. validUntil) stays in the API's `anchor`, not in the words a clerk reads
  const from = spec.anchor.kind === 'entry' ? '自进入该环节起' : '自案件中登记的起算日起';
  if (amount === 0 && spec.anchor.kind === 'context') return '案件中登记的到期日当日';
  return `${amount} ${UNIT[unit]}（${from}）`;
}

/**
 * Read-only view of the policies that govern a region: every version (which one new cases get today) and,
 * for the one in effect, each procedure's deadlines with the rule and where it comes from — the procedure's
 * statutory default or the policy (and which one in the `extends` chain) that set it.
 */
@Injectable()
export class PolicyOverviewService {
  constructor(
    private readonly store: PolicyStore,
    private readonly registry: WorkflowRegistry,
    private readonly regions: PolicyRegionsRepository,
  ) {}

  async overview(principal: Principal, q: { region?: string; at?: string }) {
    const region = q.region ?? (await this.regions.regionOf(scopeOrgIds(principal))) ?? '*';
    const at = q.at ? new Date(q.at) : new Date();
    let current;
    try {
      current = this.store.select(region, at);
    } catch (e) {
      if (e instanceof PolicyNotFoundError) throw AppError.notFound(`地区 ${region} 适用的规则`);
      throw e;
    }
    const chain = this.store.chain(current);
    const versions = this.store
      .list()
      .filter((p) => regionCovers(p.region, region))
      .map((p) => ({
        id: p.id,
        title: p.title,
        description: p.description ?? null,
        region: p.region,
        effectiveFrom: p.effectiveFrom,
        enabled: p.enabled,
        extends: p.extends,
        // a composite version (`ganzhou+cn-2026`) is in effect through each of its layers
        inEffect: current.id.split(COMPOSITE_SEPARATOR).includes(p.id),
        inChain: chain.some((c) => c.id === p.id),
      }));
    const workflows = this.registry.list().map((def) => {
      const resolved = this.store.resolve(current, def.key);
      const deadlines = Object.entries(def.states).flatMap(([state, meta]) =>
        (meta.deadlines ?? []).map((spec) => {
          // the last policy of the chain that sets this key is its source
          const setBy = [...chain].reverse().find((p) => p.workflows[def.key]?.deadlines?.[spec.key]);
          const o = resolved.deadlineOverrides[spec.key];
          const amount = o?.amount ?? spec.amount;
          const unit = (o?.unit ?? spec.unit) as DurationUnit;
          return {
            key: spec.key,
            title: spec.title,
            state,
            stateTitle: meta.title,
            amount,
            unit,
            rule: describeDeadline(spec, amount, unit),
            anchor: spec.anchor.kind === 'entry' ? 'entry' : `context.${spec.anchor.path}`,
            fireEvent: spec.fireEvent ?? null,
            source: setBy
              ? { kind: 'policy' as const, policyId: setBy.id, title: setBy.title }
              : { kind: 'definition' as const, policyId: null, title: `流程“${def.title}”的法定默认期限` },
            default: { amount: spec.amount, unit: spec.unit },
          };
        }),
      );
      return { workflow: def.key, title: def.title, params: resolved.params, deadlines };
    });
    return { region, at: at.toISOString(), inEffect: current.id, chain: chain.map((p) => p.id), versions, workflows };
  }
}
