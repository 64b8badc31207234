import { Injectable } from '@nestjs/common';
import type { WorkflowDefinition } from '../../workflows/kernel/definition';
import type { DeadlineEngineSettings } from '../calendar/deadline-calculator';
import { deepFreeze, PolicyStore } from '../policy/policy-store';

export interface CasePolicy {
  /** policy version recorded on the case; a case keeps it for life */
  id: string;
  /** parameters put into the machine context (`context.policy`) */
  params: Record<string, unknown>;
  deadlineOverrides: Record<string, { amount: number; unit: 'wd' | 'd' | 'm' }>;
  /** reminder hour, escalation spacing, quiet hours */
  engine: DeadlineEngineSettings;
}

/** Chooses the policy for a new case (region + date) and re-reads a running case's policy by id. */
@Injectable()
export class PolicyService {
  constructor(private readonly store: PolicyStore) {}

  /**
   * Resolved policies by (policy version, workflow, definition version), for the store generation they were
   * built from: every transition re-reads its case's policy to plan timers, and resolving walks the `extends`
   * chain with deep merges each time. Frozen, so no caller can change what the next one gets.
   */
  private readonly built = new Map<string, CasePolicy>();
  /**
   * The policy chosen for a new case by (region, workflow, definition version), with the day it was chosen
   * for (epoch ms): selecting walks every policy and reads the date in Asia/Shanghai, ~50 µs on every opening,
   * and its answer only changes with the day or the store.
   */
  private readonly chosen = new Map<string, { from: number; to: number; policy: CasePolicy }>();
  private builtGeneration = -1;

  forCase(regionCode: string, at: Date, def: WorkflowDefinition): CasePolicy {
    this.sameGeneration();
    const key = `${regionCode}|${def.key}|${def.version}`;
    const t = at.getTime();
    const known = this.chosen.get(key);
    if (known && t >= known.from && t < known.to) return known.policy;
    const policy = this.build(this.store.select(regionCode, at).id, def);
    this.chosen.set(key, { ...this.store.dayBounds(at), policy });
    return policy;
  }

  byId(id: string, def: WorkflowDefinition): CasePolicy {
    return this.build(id, def);
  }

  /** What was derived from an earlier load of the store is dropped. */
  private sameGeneration() {
    if (this.builtGeneration !== this.store.generation) {
      this.built.clear();
      this.chosen.clear();
      this.builtGeneration = this.store.generation;
    }
  }

  private build(id: string, def: WorkflowDefinition): CasePolicy {
    this.sameGeneration();
    const key = `${id}|${def.key}|${def.version}`;
    let policy = this.built.get(key);
    if (!policy) {
      const resolved = this.store.resolve(this.store.get(id), def.key);
      policy = deepFreeze({
        id,
        params: { ...(def.policyDefaults ?? {}), ...resolved.params },
        deadlineOverrides: resolved.deadlineOverrides as CasePolicy['deadlineOverrides'],
        engine: resolved.engine as unknown as CasePolicy['engine'],
      });
      this.built.set(key, policy);
    }
    return policy;
  }
}
