import type { DurationUnit } from '../../workflows/kernel/definition';

/** A policy's replacement of a definition's default span for one deadline key. */
export interface PolicyDeadline {
  amount: number;
  unit: DurationUnit;
}

export interface PolicyWorkflow {
  /** Keyed by `DeadlineSpec.key`, e.g. `release_review.due`. */
  deadlines?: Record<string, PolicyDeadline>;
  /** Merged over the definition's `policyDefaults` into `context.policy`. Objects merge deeply. */
  params?: Record<string, unknown>;
}

export interface QuietHoursSetting {
  /** `HH:MM` */
  from: string;
  /** `HH:MM` */
  to: string;
}

/** Settings of the engine itself (timers, notifications). */
export interface EngineSettings {
  /** Working days between the first escalation (upper committee, at due) and the second (its supervisor). */
  escalationSecondLevelWd: number;
  /** Local hour (Asia/Shanghai) at which reminders land. */
  reminderHour: number;
  /** No notification goes out in this window; it waits for the next working morning. */
  quietHours: QuietHoursSetting;
}

/** A policy file, `config/policies/<id>.json`. */
export interface Policy {
  /** Stable id, equal to the file name; stored on each case as its policy version. */
  id: string;
  title: string;
  /** `*` (national) or a 6-digit administrative division code (GB/T 2260): province `360000`, city `360700`, county `360702`. */
  region: string;
  /** First day (Asia/Shanghai, `YYYY-MM-DD`) on which new cases may select this policy. */
  effectiveFrom: string;
  /** Disabled policies are never selected for new cases (running cases keep theirs). */
  enabled: boolean;
  /** Id of the policy this one refines; null for a root policy. */
  extends: string | null;
  description?: string;
  workflows: Record<string, PolicyWorkflow>;
  engine?: Partial<EngineSettings>;
  /**
   * Organizational-life settings (meeting requirements, reminders, the inactivity detector), deep-merged along
   * the `extends` chain; their fields are defined and checked by libs/org-life.
   */
  orgLife?: Record<string, unknown>;
}

/** What a case of one workflow gets from a policy and its `extends` chain. */
export interface ResolvedPolicy {
  policyId: string;
  /** Root first, the policy itself last. */
  chain: string[];
  deadlineOverrides: Record<string, PolicyDeadline>;
  params: Record<string, unknown>;
  engine: EngineSettings;
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = Object.freeze({
  escalationSecondLevelWd: 5,
  reminderHour: 9,
  quietHours: Object.freeze({ from: '20:00', to: '08:00' }),
}) as EngineSettings;

export class PolicyValidationError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}:\n  - ${problems.join('\n  - ')}` : message);
    this.name = 'PolicyValidationError';
  }
}

export class PolicyNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyNotFoundError';
  }
}
