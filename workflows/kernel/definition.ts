/**
 * The contract between pure workflow definitions (this folder) and the durable engine (libs/engine).
 * A definition is data plus pure functions: no I/O, no Nest, no database.
 */
import type { AnyStateMachine } from 'xstate';

/** Role names of a user's role assignment `(role, orgId)`. */
export type Role = 'admin' | 'supervisor' | 'clerk' | 'orgdept';

/**
 * A party is a named organization slot of a case (e.g. `sending`, `receiving`). The definition names its
 * base parties; the engine resolves them to org ids at case creation and adds, for every base party P,
 * `PUpper` (the party committee P reports to: nearest city or provincial committee above it). It also
 * always adds `city` (the city committee over the subject), `county` (the county justice bureau org of
 * the subject's county, when known) and `orgdept` (the organization department).
 */
export type PartyName = string;

/** Who may act: a role held at the organization filling a party slot of the case. */
export interface ActorRule {
  role: Role;
  party: PartyName;
}

export type DurationUnit = 'wd' | 'd' | 'm';

/** Where a deadline is counted from: entry into the state, or a date (ISO string) in the machine context. */
export type DeadlineAnchor = { kind: 'entry' } | { kind: 'context'; path: string };

export interface DeadlineSpec {
  /** Stable key, unique within the definition, e.g. `release_review.due`. Policies override by this key. */
  key: string;
  /** Chinese label shown to clerks, e.g. `党组织关系转出审核期限`. */
  title: string;
  /** Default span; a policy may override amount and unit by `key`. */
  amount: number;
  unit: DurationUnit;
  anchor: DeadlineAnchor;
  /** Event the clock itself sends when the deadline passes (recorded with the `system` actor). */
  fireEvent?: string;
  /** Fractions of the span at which reminders go out. Default [0.7, 1]. Empty = none. */
  remindAt?: number[];
  /** Escalate to the upper committee then its supervisor when overdue. Default true. */
  escalate?: boolean;
  /** The first escalation goes to the clerks of these parties instead of the acting party's upper committee. */
  escalateTo?: PartyName[];
  /** Party whose clerks must act (reminders go to them). Defaults to the state's first actor. */
  party?: PartyName;
}

export interface StateMeta {
  /** Chinese label, e.g. `转出审核`. */
  title: string;
  /** Who acts in this state (used for tasks and as the default for events without their own actors). */
  actors?: ActorRule[];
  deadlines?: DeadlineSpec[];
}

/** Class of an event payload, validated with class-validator (whitelist, forbid unknown fields). */
export type PayloadClass = new () => object;

export interface EventMeta {
  /** Chinese label, e.g. `同意转出`. */
  title: string;
  payload?: PayloadClass;
  /** Who may send it; when absent, the actors of the current state. */
  actors?: ActorRule[];
  /** Sent only by the engine itself (clock, licensing integration), never by a user. */
  system?: boolean;
  /** Facts (loaded by the engine, see FactName) the machine needs to decide; attached as `event.facts`. */
  facts?: FactName[];
  /**
   * Business rule checked before the transition; returns a Chinese message when violated (→ 422
   * RULE_VIOLATION). Machines call the same function from their guards so they are self-contained.
   */
  rule?: (context: any, event: WorkflowEvent) => string | null;
}

/** Facts the engine can load for a machine (read-only queries). */
export type FactName =
  | 'memberHasOpenNonconforming'
  | 'memberRemovedWithin5Years'
  | 'jointBranchUnitCount'
  /** of the ids in `data.memberIds`, `data.talkerIds` and `data.by` (a list), those that are no full member (unknown ids included) */
  | 'memberIdsUnderProbation'
  | 'fullMemberIdsOfOrg'
  /** the subject member's birth date as registered (ISO date) */
  | 'memberRegistryBirthDate'
  /** the subject member's registry status */
  | 'memberRegistryStatus'
  /** the latest removal / persuaded withdrawal of the subject member still standing: `{ decidedOn }` or null */
  | 'memberReapplicationBar'
  /**
   * full members (never probationary) of the subject member's branch on the meeting's day (`data.heldOn`),
   * as the registry had them then: `{ heldOn, count }`
   */
  | 'fullMembersAtMeeting'
  /**
   * of the ids in `data.memberIds` and `data.talkerIds`, those under 留党察看 on the engine's day (the registry's party disciplines,
   * `member_party_disciplines`): `{ id, name, until }[]`
   */
  | 'memberIdsOnPartyProbation'
  /**
   * the members of the subject organization under 留党察看 on the engine's day (no vote, no right to elect or be
   * elected, 党章): `{ id, name, until }[]`
   */
  | 'orgMembersOnPartyProbation'
  /** the subject organization's secretary as stored by its branch-term case: `{ memberId, name, termEndsOn }`, or null */
  | 'orgSecretary';

/** Every event reaching a machine carries `at` (engine clock, ISO) and may carry `data` and `facts`. */
export interface WorkflowEvent {
  type: string;
  at?: string;
  data?: any;
  facts?: Partial<Record<FactName, any>>;
  [k: string]: unknown;
}

/**
 * Effects a machine asks for, as `{ type: 'effect', params: Effect }` actions. The engine performs them
 * in the transition's transaction (registry changes) or through the outbox (external delivery).
 */
export type Effect =
  | { kind: 'member.changeOrg'; memberId: string; orgId: string }
  /**
   * The member's status in the registry; with `joinedOn`, also their 入党日期 when the registry has none yet
   * (a recruitment's admission: the day the branch meeting accepted them as a probationary member).
   */
  | { kind: 'member.setStatus'; memberId: string; status: string; joinedOn?: string }
  /**
   * A party discipline (党纪处分) now in force on the member, recorded in the registry with the case as its source.
   * Only 留党察看 is kept (it takes rights away for a time: 党章 art. 40); it is in force from `from` until the day
   * before `until`, when the member's rights come back (发展党员工作细则: 尚未恢复党员权利的 cannot introduce).
   */
  | { kind: 'member.setPartyDiscipline'; memberId: string; discipline: 'party_probation'; from: string; until: string }
  | { kind: 'transfer.receipt'; memberId: string; fromOrgId?: string; toOrgId: string; letterNo?: string }
  | { kind: 'case.open'; workflow: string; subject: CaseSubject; input: Record<string, unknown> }
  | { kind: 'licensing.statusChanged'; status: string }
  | {
      kind: 'org.createForFirm';
      firmId: string;
      orgType: 'branch';
      name?: string;
      secretaryId?: string;
      memberIds: string[];
    }
  | {
      kind: 'firm.setCoverage';
      firmId: string;
      coverage: 'branch' | 'joint_branch' | 'instructor' | 'none';
      orgId?: string;
      instructorId?: string;
    }
  /** The firm was deregistered: it leaves the coverage report (closed firms are not "uncovered"). */
  | { kind: 'firm.close'; firmId: string }
  | { kind: 'org.recordGrade'; orgId: string; year: number; score: number; grade: 'I' | 'II' | 'III' }
  | { kind: 'commendation.add'; year: number; memberIds: string[]; orgIds: string[] }
  /** The organization's secretary and current term (branch-term), stored on the organization. */
  | { kind: 'org.setTerm'; orgId: string; secretaryId: string; termStartedOn: string; termEndsOn: string }
  /**
   * Background work a transition asks for (e.g. the daily inactivity detection of a committee): written to the
   * outbox as topic `job.<job>` in the transition's transaction, delivered after commit and retried until its
   * handler succeeds; the same (job, key) twice is one job.
   */
  | { kind: 'job.request'; job: string; key: string; params: Record<string, unknown> };

/**
 * Every effect kind, at run time: the engine checks at boot that each has exactly one `@EffectHandler`
 * (libs/engine/engine-extensions.ts). Listing a kind twice or leaving one of `Effect` out fails to compile.
 */
export const EFFECT_KINDS = [
  'member.changeOrg',
  'member.setStatus',
  'member.setPartyDiscipline',
  'transfer.receipt',
  'case.open',
  'licensing.statusChanged',
  'org.createForFirm',
  'firm.setCoverage',
  'firm.close',
  'org.recordGrade',
  'commendation.add',
  'org.setTerm',
  'job.request',
] as const satisfies readonly Effect['kind'][];
export type EffectKind = Effect['kind'];
/** Compile-time completeness of EFFECT_KINDS: a kind of `Effect` missing from the list makes this `never`. */
export const EFFECT_KINDS_COMPLETE: [Exclude<EffectKind, (typeof EFFECT_KINDS)[number]>] extends [never]
  ? true
  : never = true;

export interface CaseSubject {
  memberId?: string;
  firmId?: string;
  orgId?: string;
}

/** What the engine knows about the subject when opening a case (loaded from the registry). */
export interface SubjectFacts {
  member?: { id: string; name: string; orgId: string; status: string; firmId?: string | null };
  firm?: {
    id: string;
    name: string;
    kind: 'firm' | 'branch_office';
    partyOrgId?: string | null;
    headFirmId?: string | null;
    county: string;
    coverage: string;
  };
  org?: { id: string; name: string; type: string };
}

/** Machine input at case creation. */
export interface CaseInput<TInput = Record<string, unknown>> {
  subject: CaseSubject;
  input: TInput;
  /** Resolved policy parameters for this workflow (numbers, flags), frozen for the case's life. */
  policy: Record<string, unknown>;
  /** Engine clock at creation (ISO). */
  at: string;
  /** Resolved parties (party name → org id), e.g. the sending org defaulted from the member's org. */
  parties?: Record<PartyName, string>;
}

export interface WorkflowDefinition {
  key: string;
  version: number;
  /** Chinese title, e.g. `组织关系接转`. */
  title: string;
  subjectKind: 'member' | 'firm' | 'org';
  /** Pure XState v5 machine. Its input is `CaseInput`. No `after`, no invoked actors. */
  machine: AnyStateMachine;
  /** class-validator class of `POST /cases` `input`. */
  createInput?: PayloadClass;
  /**
   * Base parties as org ids, from the subject facts and the validated input. Returns an error message
   * (Chinese) instead when the case cannot be opened for this subject.
   */
  parties: (subject: SubjectFacts, input: any) => Record<PartyName, string | undefined> | { error: string };
  /** Who may open a case by hand (besides the engine's integrations). */
  openers: ActorRule[];
  /**
   * Organizations that oversee the procedure besides the supervisors (督办): they hear of the second
   * escalation of an overdue step together with the supervisors, see such cases in their inbox and may urge
   * them. They act on no step through this (recruitment: the organization department).
   */
  overseers?: ActorRule[];
  /** Keyed by state id path: `release_review`, or `candidate.training` for nested/parallel regions. */
  states: Record<string, StateMeta>;
  events: Record<string, EventMeta>;
  /**
   * Rule checked before a case is opened (e.g. minimum age); returns a Chinese message when the case may
   * not be opened (→ 422 RULE_VIOLATION). `facts` are those listed in `openingFacts`, about the subject.
   */
  openingRule?: (input: any, facts: Partial<Record<FactName, any>>, at: string) => string | null;
  openingFacts?: FactName[];
  /**
   * At most one case per key, ever (e.g. one annual review per organization and year): opening a second
   * one is a 409 DUPLICATE naming the existing case. The database enforces it too (unique index).
   */
  onceKey?: (subject: CaseSubject, input: any) => string | undefined;
  /**
   * At most one open case of this procedure per subject (one transfer of a member at a time): opening
   * another while one is open is a 409 DUPLICATE naming it. The database enforces it too (cases.open_key,
   * unique among open cases).
   */
  oneOpenPerSubject?: boolean;
  /**
   * `<party>Upper` is "the committee that handles this party's business": the party's org itself when it is a
   * city or provincial committee, else the nearest one above it. Without it, `<party>Upper` is always a
   * committee strictly above (for a city committee: the provincial one).
   */
  committeeIsItsOwnUpper?: boolean;
  /** Default policy parameters put into context (`context.policy`); overridden by policy files. */
  policyDefaults?: Record<string, unknown>;
}

/** Helper for machine actions: `effect(...)` in an actions list. */
export const effect = (params: Effect | ((args: { context: any; event: any }) => Effect)) => ({
  type: 'effect' as const,
  params: params as any,
});
