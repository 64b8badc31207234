import { HttpStatus, Injectable } from '@nestjs/common';
import { instanceToPlain, plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { initialTransition, type AnyMachineSnapshot } from 'xstate';
import { pureTransition } from './pure-transition';
import type {
  ActorRule,
  Effect,
  PayloadClass,
  SubjectFacts,
  WorkflowDefinition,
  WorkflowEvent,
} from '../../workflows/kernel/definition';
import { isAdmin, isSystem, Principal, scopeOrgIds, SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { flattenValidationErrors } from '../common/validation';
import { PolicyService, type CasePolicy } from './policy.service';
import { GENESIS_HASH, historyHash } from './canonical-json';
import { Clock } from './clock';
import { DeadlinePlanner, type PlanInput, PlannedTimer, timerIdentity } from './deadline-planner';
import { EffectsService } from './effects.service';
import { FactsService } from './facts.service';
import {
  baseParties,
  indexPartyOrgs,
  loadPartyOrgs,
  resolveFromOrgs,
  resolveParties,
  type ResolvedParties,
} from './party-resolver';
import { activePaths } from './state-paths';
import { WorkflowRegistry } from './workflow-registry';

/** A case row as the engine reads it (snake_case columns mapped by hand: this is the hot path). */
export interface CaseRecord {
  id: string;
  workflow: string;
  definitionVersion: number;
  policyVersion: string;
  state: unknown;
  statePaths: string[];
  snapshot: { value: any; context: Record<string, any>; status: string };
  status: 'open' | 'closed';
  version: number;
  headHash: string;
  entered: Record<string, { at: string; version: number }>;
  subject: { memberId?: string; firmId?: string; orgId?: string };
  parties: Record<string, string>;
  scopeOrgIds: string[];
  openedBy: Record<string, unknown>;
  openedAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

const CASE_COLUMNS = `id, workflow, definition_version AS "definitionVersion", policy_version AS "policyVersion", state,
  state_paths AS "statePaths", snapshot, status, version, head_hash AS "headHash", entered, subject, parties,
  scope_org_ids AS "scopeOrgIds", opened_by AS "openedBy", opened_at AS "openedAt", updated_at AS "updatedAt", closed_at AS "closedAt"`;

export interface OpenCaseRequest {
  workflow: string;
  subject: { memberId?: string; firmId?: string; orgId?: string };
  input?: Record<string, unknown>;
}

export interface SendEventRequest {
  type: string;
  data?: Record<string, unknown>;
  comment?: string;
  expectedVersion?: number;
}

export interface ActingAs {
  role: string | null;
  orgId: string | null;
}

export interface EngineResult {
  record: CaseRecord;
  /** false when an Idempotency-Key replayed an earlier result */
  created: boolean;
}

/** Validates a payload against its class-validator class; returns the plain, whitelisted value. */
export async function validatePayload(
  cls: PayloadClass | undefined,
  data: unknown,
  field: string,
): Promise<Record<string, unknown>> {
  const value = data ?? {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw AppError.validation([{ field, errors: [`${field} 必须是对象`] }]);
  if (!cls) {
    if (Object.keys(value).length) throw AppError.validation([{ field, errors: ['此事件不接受数据'] }]);
    return {};
  }
  const instance = plainToInstance(cls, value, { enableImplicitConversion: false });
  const errors = await validate(instance as object, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: false,
  });
  if (errors.length) throw AppError.validation(flattenValidationErrors(errors, field));
  return instanceToPlain(instance) as Record<string, unknown>;
}

/** Does the principal hold one of the rules' (role, party org) pairs on this case? Returns how it acts. */
export function matchActor(
  principal: Principal,
  rules: ActorRule[] | undefined,
  parties: Record<string, string>,
): ActingAs | null {
  for (const rule of rules ?? []) {
    const orgId = parties[rule.party];
    if (!orgId) continue;
    const hit = principal.roles.find((r) => r.role === rule.role && r.orgId === orgId);
    if (hit) return { role: hit.role, orgId: hit.orgId };
  }
  // no admin override: who acts is always a role at an organization of the case, as the procedures say
  return null;
}

/**
 * SQL condition: the planned timer `t` (by ident) is already there for the current visit of its state —
 * pending, or fired during this visit (epoch ≥ the version at which the state was entered). Re-planning
 * after a transition that leaves the state active must not deliver a fired deadline again; a later
 * visit has a later entry version and plans its own.
 */
const SAME_DEADLINE_IN_THIS_VISIT = (caseParam: string, enteredParam: string) =>
  `SELECT 1 FROM timers x WHERE x.case_id = ${caseParam} AND x.ident = t.ident
     AND (x.status = 'pending' OR (x.status = 'fired' AND x.epoch >= coalesce((${enteredParam}::jsonb -> t.state_path ->> 'version')::int, 0)))`;

/**
 * The durable engine: one event = one atomic write. It reads the persisted snapshot (or a cached one),
 * computes the next snapshot with XState's pure `transition`, and writes snapshot, history (hash-chained),
 * timers and outbox rows together, conditional on the version it read (compare-and-swap; one transaction
 * when the transition has registry effects). No actor lives between requests; XState never runs a timer.
 */
@Injectable()
export class EngineService {
  constructor(
    private readonly ds: DataSource,
    private readonly registry: WorkflowRegistry,
    private readonly clock: Clock,
    private readonly planner: DeadlinePlanner,
    private readonly facts: FactsService,
    private readonly effects: EffectsService,
    private readonly policies: PolicyService,
  ) {}

  // ---------------------------------------------------------------- opening

  async openCase(
    principal: Principal,
    req: OpenCaseRequest,
    opts: { idempotencyKey?: string; trigger?: string } = {},
  ): Promise<EngineResult> {
    const def = this.registry.latest(req.workflow);
    const input = await validatePayload(def.createInput, req.input, 'input');
    return this.inTransaction(principal, 'POST /cases', opts.idempotencyKey, { ...req, input }, (em) =>
      this.openCaseIn(em, principal, def, req.subject ?? {}, input, opts.trigger ?? 'manual'),
    );
  }

  /** Opens a case inside an existing transaction (also used by effects and integrations). */
  async openCaseIn(
    em: EntityManager,
    principal: Principal,
    def: WorkflowDefinition,
    subject: OpenCaseRequest['subject'],
    input: Record<string, unknown>,
    trigger: string,
  ): Promise<CaseRecord> {
    const now = this.clock.now();
    const subjectFacts = await this.loadSubject(em, principal, def, subject);
    const resolved = await resolveParties(em, def, subjectFacts, input);
    const opener = isSystem(principal)
      ? { role: null, orgId: null }
      : matchActor(principal, def.openers, resolved.parties);
    if (!opener) throw AppError.forbidden('您无权为该对象发起此流程');

    // the opening facts decide the opening rule and reach the machine too (input.facts), so it decides alike
    const openingFacts = def.openingFacts?.length
      ? await this.facts.load(em, def.openingFacts, { subject, at: now })
      : undefined;
    if (def.openingRule) {
      const violation = def.openingRule(input, openingFacts ?? {}, now.toISOString());
      if (violation) throw AppError.rule(violation, { rule: 'opening' });
    }

    const onceKey = def.onceKey?.(subject, input) ?? null;
    if (onceKey) {
      // the unique index (cases_once_key_idx) is the guarantee; this read only makes the answer friendly
      const [existing] = await em.query(`SELECT id FROM cases WHERE once_key = $1`, [onceKey]);
      if (existing) throw duplicateCase(def, existing.id);
    }

    const { record, planned, actions, actor, hashFields, hash } = this.buildOpening(
      def,
      subject,
      input,
      resolved,
      opener,
      principal,
      trigger,
      onceKey,
      now,
      undefined,
      undefined,
      openingFacts,
    );
    const col = <K extends keyof PlannedTimer>(k: K) => planned.map((t) => t[k]);
    // case, opening history row and timers in one statement (one round trip on the opening path)
    await this.prepared(
      em,
      'pf_open_case',
      `WITH opened AS (
         INSERT INTO cases (id, workflow, definition_version, policy_version, state, state_paths, snapshot, status, version, head_hash, entered,
           subject, subject_member_id, subject_firm_id, subject_org_id, parties, scope_org_ids, opened_by, opened_at, updated_at, closed_at, once_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text, 1, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::timestamptz, $18::timestamptz,
           CASE WHEN $8::text = 'closed' THEN $18::timestamptz END, $33) RETURNING id),
       history AS (
         INSERT INTO case_history (case_id, seq, at, actor, type, data, comment, from_state, to_state, prev_hash, hash)
         SELECT id, 1, $18::timestamptz, $19, 'OPEN', $20, NULL, NULL, $5, $21, $9 FROM opened)
       INSERT INTO timers (case_id, epoch, ident, state_path, deadline_key, due_at, fire_event, party, provisional, rule, title, stages, next_at)
       SELECT o.id, 1, t.* FROM opened o,
         unnest($22::text[], $23::text[], $24::text[], $25::timestamptz[], $26::text[], $27::text[], $28::boolean[], $29::text[], $30::text[], $31::jsonb[], $32::timestamptz[])
           AS t(ident, state_path, deadline_key, due_at, fire_event, party, provisional, rule, title, stages, next_at)`,
      [
        record.id,
        def.key,
        def.version,
        record.policyVersion,
        JSON.stringify(record.state),
        record.statePaths,
        record.snapshot,
        record.status,
        hash,
        record.entered,
        subject,
        subject.memberId ?? null,
        subject.firmId ?? null,
        subject.orgId ?? null,
        resolved.parties,
        resolved.scopeOrgIds,
        { ...actor, trigger },
        now,
        actor,
        hashFields.data,
        GENESIS_HASH,
        planned.map(timerIdentity),
        col('statePath'),
        col('deadlineKey'),
        col('dueAt'),
        col('fireEvent'),
        col('party'),
        col('provisional'),
        col('rule'),
        col('title'),
        stagesJson(planned),
        col('nextAt'),
        onceKey,
      ],
    ).catch(async (e) => {
      // lost a race for the same once-key: name the winner (the caller's transaction is aborted anyway)
      if (onceKey && e?.code === '23505' && String(e?.constraint ?? e?.message).includes('cases_once_key_idx'))
        throw duplicateCase(def, null);
      throw e;
    });
    await this.runEffects(em, record, actions, now);
    return record;
  }

  /**
   * Opens many cases of one definition in the caller's transaction with a fixed number of statements,
   * however many there are (subjects, party orgs and once-keys read once; every case, opening history row
   * and timer written by one insert): a campaign opens tens of thousands this way. The engine itself is the
   * opener (system actor). A subject that cannot be opened gets its error in its slot; the others go in.
   * Organization subjects only (members and firms need per-subject look-ups: use `openCaseIn`).
   */
  async openCasesIn(
    em: EntityManager,
    def: WorkflowDefinition,
    items: { subject: OpenCaseRequest['subject']; input: Record<string, unknown> }[],
    trigger: string,
  ): Promise<({ caseId: string } | { error: AppError })[]> {
    if (def.subjectKind !== 'org' || def.openingRule)
      throw new Error(`bulk opening supports organization subjects without opening rules (${def.key})`);
    const now = this.clock.now();
    const out: ({ caseId: string } | { error: AppError })[] = items.map(() => ({
      error: AppError.notFound('办理对象'),
    }));
    const orgIds = items.map((i) => i.subject.orgId).filter(isUuid);
    const orgs = new Map<string, { id: string; name: string; type: string }>(
      (await em.query(`SELECT id, name, type FROM orgs WHERE id = ANY($1::uuid[])`, [orgIds])).map((o: any) => [
        o.id,
        o,
      ]),
    );
    const prepared: {
      i: number;
      subject: SubjectFacts;
      input: Record<string, unknown>;
      baseIds: Record<string, string>;
    }[] = [];
    const partyIds = new Set<string>();
    for (const [i, item] of items.entries()) {
      const org = item.subject.orgId ? orgs.get(item.subject.orgId) : undefined;
      if (!org) continue;
      try {
        const input = await validatePayload(def.createInput, item.input, 'input');
        const subject: SubjectFacts = { org };
        const { baseIds, ids } = baseParties(def, subject, input);
        ids.forEach((id) => partyIds.add(id));
        prepared.push({ i, subject, input, baseIds });
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        out[i] = { error: e };
      }
    }
    const partyOrgs = indexPartyOrgs(await loadPartyOrgs(em, [...partyIds]));
    // one policy per region and definition for the whole batch (resolving a policy chain is not free)
    const policies = new Map<string, CasePolicy>();
    const deadlines: PlanInput['memo'] = new Map();
    const keys = prepared.map((p) => def.onceKey?.(items[p.i].subject, p.input) ?? null);
    const taken = new Map<string, string>(
      (await em.query(`SELECT once_key, id FROM cases WHERE once_key = ANY($1::text[])`, [keys.filter(Boolean)])).map(
        (r: any) => [r.once_key, r.id],
      ),
    );
    const openings: ReturnType<EngineService['buildOpening']>[] = [];
    const seen = new Set<string>();
    for (const [k, p] of prepared.entries()) {
      const onceKey = keys[k];
      if (onceKey && (taken.has(onceKey) || seen.has(onceKey))) {
        out[p.i] = { error: duplicateCase(def, taken.get(onceKey) ?? null) };
        continue;
      }
      try {
        const resolved = await resolveFromOrgs(em, def, p.subject, p.baseIds, partyOrgs);
        let policy = policies.get(resolved.regionCode);
        if (!policy) policies.set(resolved.regionCode, (policy = this.policies.forCase(resolved.regionCode, now, def)));
        const opening = this.buildOpening(
          def,
          items[p.i].subject,
          p.input,
          resolved,
          { role: null, orgId: null },
          SYSTEM_PRINCIPAL,
          trigger,
          onceKey,
          now,
          policy,
          deadlines,
        );
        if (onceKey) seen.add(onceKey);
        openings.push(opening);
        out[p.i] = { caseId: opening.record.id };
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        out[p.i] = { error: e };
      }
    }
    if (!openings.length) return out;
    const cases = openings.map((o) => ({
      id: o.record.id,
      policy_version: o.record.policyVersion,
      state: o.record.state,
      state_paths: o.record.statePaths,
      snapshot: o.record.snapshot,
      status: o.record.status,
      head_hash: o.hash,
      entered: o.record.entered,
      subject: o.record.subject,
      subject_org_id: o.record.subject.orgId ?? null,
      parties: o.record.parties,
      scope_org_ids: o.record.scopeOrgIds,
      opened_by: o.record.openedBy,
      once_key: o.onceKey,
      actor: o.actor,
      data: o.hashFields.data,
    }));
    const timers = openings.flatMap((o) =>
      o.planned.map((t) => ({
        case_id: o.record.id,
        ident: timerIdentity(t),
        state_path: t.statePath,
        deadline_key: t.deadlineKey,
        due_at: t.dueAt,
        fire_event: t.fireEvent,
        party: t.party,
        provisional: t.provisional,
        rule: t.rule,
        title: t.title,
        stages: t.stages,
        next_at: t.nextAt,
      })),
    );
    await em
      .query(
        `WITH c AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(id uuid, policy_version text, state jsonb, state_paths text[], snapshot jsonb,
             status text, head_hash text, entered jsonb, subject jsonb, subject_org_id uuid, parties jsonb, scope_org_ids uuid[],
             opened_by jsonb, once_key text, actor jsonb, data jsonb)),
         opened AS (
           INSERT INTO cases (id, workflow, definition_version, policy_version, state, state_paths, snapshot, status, version, head_hash, entered,
             subject, subject_org_id, parties, scope_org_ids, opened_by, opened_at, updated_at, closed_at, once_key)
           SELECT id, $2, $3, policy_version, state, state_paths, snapshot, status, 1, head_hash, entered, subject, subject_org_id, parties,
             scope_org_ids, opened_by, $4, $4, CASE WHEN status = 'closed' THEN $4::timestamptz END, once_key FROM c
           RETURNING id),
         history AS (
           INSERT INTO case_history (case_id, seq, at, actor, type, data, comment, from_state, to_state, prev_hash, hash)
           SELECT c.id, 1, $4, c.actor, 'OPEN', c.data, NULL, NULL, c.state, $5, c.head_hash FROM c JOIN opened o ON o.id = c.id)
         INSERT INTO timers (case_id, epoch, ident, state_path, deadline_key, due_at, fire_event, party, provisional, rule, title, stages, next_at)
         SELECT t.case_id, 1, t.ident, t.state_path, t.deadline_key, t.due_at, t.fire_event, t.party, t.provisional, t.rule, t.title, t.stages, t.next_at
         FROM jsonb_to_recordset($6::jsonb) AS t(case_id uuid, ident text, state_path text, deadline_key text, due_at timestamptz, fire_event text,
           party text, provisional boolean, rule text, title text, stages jsonb, next_at timestamptz)
         JOIN opened o ON o.id = t.case_id`,
        [JSON.stringify(cases), def.key, def.version, now, GENESIS_HASH, JSON.stringify(timers)],
      )
      .catch((e) => {
        // a concurrent opener took a once-key between the read and the write: the caller retries one by one
        if (e?.code === '23505' && String(e?.constraint ?? e?.message).includes('cases_once_key_idx'))
          throw duplicateCase(def, null);
        throw e;
      });
    for (const o of openings)
      if (o.actions.some((a) => a.type === 'effect')) await this.runEffects(em, o.record, o.actions, now);
    return out;
  }

  /** Everything an opening writes, computed without I/O (one case, or each case of a bulk opening). */
  private buildOpening(
    def: WorkflowDefinition,
    subject: OpenCaseRequest['subject'],
    input: Record<string, unknown>,
    resolved: ResolvedParties,
    opener: ActingAs,
    principal: Principal,
    trigger: string,
    onceKey: string | null,
    now: Date,
    policy: CasePolicy = this.policies.forCase(resolved.regionCode, now, def),
    memo?: PlanInput['memo'],
    facts?: Partial<Record<string, unknown>>,
  ) {
    const [snapshot, actions] = initialTransition(def.machine, {
      subject,
      input,
      policy: policy.params,
      parties: resolved.parties,
      at: now.toISOString(),
      ...(facts ? { facts } : {}),
    });
    const persisted = def.machine.getPersistedSnapshot(snapshot) as unknown as CaseRecord['snapshot'];
    const paths = activePaths(snapshot.value as any);
    const entered = Object.fromEntries(paths.map((p) => [p, { at: now.toISOString(), version: 1 }]));
    const status = snapshot.status === 'done' ? 'closed' : 'open';
    const actor = {
      userId: isSystem(principal) ? null : principal.userId,
      username: principal.username,
      role: opener.role,
      orgId: opener.orgId,
    };
    const hashFields = {
      seq: 1,
      at: now.toISOString(),
      actor,
      type: 'OPEN',
      data: { workflow: def.key, subject, input, trigger },
      comment: null,
      from: null,
      to: snapshot.value,
    };

    // the id is chosen here so the opening history row can be hashed before the rows go in together
    const caseId = randomUUID();
    const hash = historyHash(GENESIS_HASH, { caseId, ...hashFields });
    const record: CaseRecord = {
      id: caseId,
      workflow: def.key,
      definitionVersion: def.version,
      policyVersion: policy.id,
      state: snapshot.value,
      statePaths: paths,
      snapshot: persisted,
      status,
      version: 1,
      headHash: hash,
      entered,
      subject,
      parties: resolved.parties,
      scopeOrgIds: resolved.scopeOrgIds,
      openedBy: { ...actor, trigger },
      openedAt: now,
      updatedAt: now,
      closedAt: status === 'closed' ? now : null,
    };
    const planned = this.planTimers(def, record, policy, memo);
    return {
      record,
      planned,
      actions: actions as { type: string; params?: unknown }[],
      actor,
      hashFields,
      hash,
      onceKey,
    };
  }

  // ---------------------------------------------------------------- events

  /**
   * Applies one event. Without an Idempotency-Key the case is read without a lock and written back with a
   * compare-and-swap on its version in a single statement (history row, case row and timers together); a
   * transaction is opened only when the transition has registry effects. A lost race is retried from a
   * fresh read (or is a 409 when the client sent `expectedVersion`).
   */
  async sendEvent(
    principal: Principal,
    caseId: string,
    req: SendEventRequest,
    opts: { idempotencyKey?: string } = {},
  ): Promise<EngineResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (opts.idempotencyKey)
          return await this.inTransaction(principal, `POST /cases/${caseId}/events`, opts.idempotencyKey, req, (em) =>
            this.sendEventIn(em, principal, caseId, req),
          );
        return { record: await this.applyEvent(null, principal, caseId, req), created: true };
      } catch (e) {
        if (!(e instanceof LostRace) || attempt >= 50)
          throw e instanceof LostRace ? this.conflict(e.currentVersion, req.expectedVersion) : e;
      }
    }
  }

  /** Applies an event inside the caller's transaction (timers, integrations, idempotent requests). */
  async sendEventIn(
    em: EntityManager,
    principal: Principal,
    caseId: string,
    req: SendEventRequest,
  ): Promise<CaseRecord> {
    // read committed: a retry after a lost compare-and-swap reads the winner's version (a clock event or a
    // licensing event must not be dropped because a clerk acted at the same moment)
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyEvent(em, principal, caseId, req);
      } catch (e) {
        if (!(e instanceof LostRace)) throw e;
        if (attempt >= 20 || req.expectedVersion !== undefined)
          throw this.conflict(e.currentVersion, req.expectedVersion);
      }
    }
  }

  /**
   * Like Temporal's sticky workflow cache: the last record this process wrote or read is reused, keyed by
   * the case's version. It is only ever a guess — the write is a compare-and-swap on the version, so a stale
   * entry (another process wrote meanwhile) loses the race and the event is retried from a fresh read; any
   * refusal decided on a cached record is also re-checked against a fresh read.
   */
  private readonly recent = new RecentCases(20_000);

  private async applyEvent(
    em: EntityManager | null,
    principal: Principal,
    caseId: string,
    req: SendEventRequest,
  ): Promise<CaseRecord> {
    const cached = em ? undefined : this.recent.get(caseId);
    if (!cached)
      return this.applyEventTo(em, principal, caseId, req, await this.readCase(em ?? this.ds.manager, caseId));
    try {
      return await this.applyEventTo(em, principal, caseId, req, cached);
    } catch (e) {
      this.recent.delete(caseId);
      if (e instanceof LostRace) throw e;
      return this.applyEventTo(em, principal, caseId, req, await this.readCase(this.ds.manager, caseId));
    }
  }

  private async applyEventTo(
    em: EntityManager | null,
    principal: Principal,
    caseId: string,
    req: SendEventRequest,
    record: CaseRecord | undefined,
  ): Promise<CaseRecord> {
    const db = em ?? this.ds.manager;
    if (!record || !this.canSee(principal, record)) throw AppError.notFound('案件');
    if (req.expectedVersion !== undefined && req.expectedVersion !== record.version)
      throw this.conflict(record.version, req.expectedVersion);
    const def = this.registry.get(record.workflow, record.definitionVersion);
    const meta = def.events[req.type];
    if (!meta)
      throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'UNKNOWN_EVENT', `流程“${def.title}”没有事件 ${req.type}`);
    if (record.status === 'closed')
      throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'EVENT_NOT_ALLOWED', '案件已办结，不能再办理', {
        state: record.state,
      });

    const snapshot = def.machine.resolveState({
      value: record.snapshot.value,
      context: record.snapshot.context,
    }) as AnyMachineSnapshot;
    if (!handledEvents(snapshot).has(req.type))
      throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'EVENT_NOT_ALLOWED', `当前环节不能办理“${meta.title}”`, {
        state: record.state,
        event: req.type,
      });

    let acting: ActingAs | null;
    if (meta.system) acting = isSystem(principal) ? { role: null, orgId: null } : null;
    else
      acting = isSystem(principal)
        ? null
        : matchActor(principal, meta.actors ?? this.stateActors(def, record.statePaths), record.parties);
    if (!acting) throw AppError.forbidden(`您无权办理“${meta.title}”`);

    const data = await validatePayload(meta.payload, req.data, 'data');
    const now = this.clock.now();
    const facts = await this.facts.load(db, meta.facts, { subject: record.subject, data, at: now });
    const event: WorkflowEvent = { type: req.type, data, at: now.toISOString(), facts };
    const violation = meta.rule?.(snapshot.context, event);
    if (violation) throw AppError.rule(violation, { event: req.type });

    const [next, actions] = pureTransition(def.machine, snapshot, event);
    if (next === snapshot) throw AppError.rule(`不满足“${meta.title}”的办理条件`, { event: req.type });

    const paths = activePaths(next.value as any);
    const version = record.version + 1;
    const entered: CaseRecord['entered'] = {};
    for (const p of paths)
      entered[p] =
        record.entered[p] && record.statePaths.includes(p) ? record.entered[p] : { at: now.toISOString(), version };
    const status = next.status === 'done' ? 'closed' : 'open';
    const actor = {
      userId: isSystem(principal) ? null : principal.userId,
      username: principal.username,
      role: acting.role,
      orgId: acting.orgId,
    };
    const comment = req.comment ?? null;
    const hash = historyHash(record.headHash, {
      caseId,
      seq: version,
      at: now.toISOString(),
      actor,
      type: req.type,
      data,
      comment,
      from: record.state,
      to: next.value,
    });
    const persisted = def.machine.getPersistedSnapshot(next) as unknown as CaseRecord['snapshot'];
    const updated: CaseRecord = {
      ...record,
      state: next.value,
      statePaths: paths,
      snapshot: persisted,
      status,
      version,
      headHash: hash,
      entered,
      updatedAt: now,
      closedAt: status === 'closed' ? now : null,
    };
    const planned = this.planTimers(def, updated);
    const idents = planned.map(timerIdentity);
    const col = <K extends keyof PlannedTimer>(k: K) => planned.map((t) => t[k]);

    const write = async (tx: EntityManager) => {
      // compare-and-swap on the version: the case row, its history row and its timers change together or not at all
      const [{ n }] = await this.prepared(
        tx,
        'pf_apply_event',
        `WITH upd AS (
           UPDATE cases SET state = $2, state_paths = $3, snapshot = $4, status = $5::text, version = $6, head_hash = $7, entered = $8,
             updated_at = $9::timestamptz, closed_at = CASE WHEN $5::text = 'closed' THEN $9::timestamptz END
           WHERE id = $1 AND version = $16 RETURNING id),
         history AS (
           INSERT INTO case_history (case_id, seq, at, actor, type, data, comment, from_state, to_state, prev_hash, hash)
           SELECT id, $6, $9::timestamptz, $10, $11, $12, $13, $14, $2, $15, $7 FROM upd),
         cancelled AS (
           UPDATE timers SET status = 'cancelled'
           WHERE case_id = $1 AND status = 'pending' AND NOT (ident = ANY($17::text[])) AND EXISTS (SELECT 1 FROM upd)),
         planned AS (
           INSERT INTO timers (case_id, epoch, ident, state_path, deadline_key, due_at, fire_event, party, provisional, rule, title, stages, next_at)
           SELECT $1, $6, t.* FROM unnest($17::text[], $18::text[], $19::text[], $20::timestamptz[], $21::text[], $22::text[], $23::boolean[], $24::text[], $25::text[], $26::jsonb[], $27::timestamptz[])
             AS t(ident, state_path, deadline_key, due_at, fire_event, party, provisional, rule, title, stages, next_at)
           WHERE EXISTS (SELECT 1 FROM upd) AND NOT EXISTS (${SAME_DEADLINE_IN_THIS_VISIT('$1', '$8')}))
         SELECT count(*)::int AS n FROM upd`,
        [
          caseId,
          JSON.stringify(next.value),
          paths,
          persisted,
          status,
          version,
          hash,
          entered,
          now,
          actor,
          req.type,
          data,
          comment,
          JSON.stringify(record.state),
          record.headHash,
          record.version,
          idents,
          col('statePath'),
          col('deadlineKey'),
          col('dueAt'),
          col('fireEvent'),
          col('party'),
          col('provisional'),
          col('rule'),
          col('title'),
          stagesJson(planned),
          col('nextAt'),
        ],
      );
      if (n !== 1) {
        const [current] = await tx.query(`SELECT version FROM cases WHERE id = $1`, [caseId]);
        throw new LostRace(current?.version ?? record.version);
      }
      await this.runEffects(tx, updated, actions, now);
    };
    const hasEffects = (actions as { type: string }[]).some((a) => a.type === 'effect');
    if (em) await write(em);
    else if (hasEffects) await this.ds.transaction(write);
    else await write(this.ds.manager);
    // only remember what is certainly committed (a caller's transaction may still roll back)
    if (!em) this.recent.set(updated);
    else this.recent.delete(caseId);
    return updated;
  }

  /**
   * Plans a case's timers again without a transition (a calendar year was added, a policy corrected):
   * deadlines that come out the same keep their rows, the others are replaced. Locks the case row so a
   * concurrent transition cannot interleave.
   */
  async replanTimers(caseId: string): Promise<void> {
    await this.ds.transaction(async (em) => {
      const [record]: CaseRecord[] = await em.query(`SELECT ${CASE_COLUMNS} FROM cases WHERE id = $1 FOR UPDATE`, [
        caseId,
      ]);
      if (!record) return;
      const def = this.registry.get(record.workflow, record.definitionVersion);
      const planned = this.planTimers(def, record);
      const col = <K extends keyof PlannedTimer>(k: K) => planned.map((t) => t[k]);
      await em.query(
        `WITH cancelled AS (
           UPDATE timers SET status = 'cancelled' WHERE case_id = $1 AND status = 'pending' AND NOT (ident = ANY($3::text[])))
         INSERT INTO timers (case_id, epoch, ident, state_path, deadline_key, due_at, fire_event, party, provisional, rule, title, stages, next_at)
         SELECT $1, $2, t.* FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::boolean[], $10::text[], $11::text[], $12::jsonb[], $13::timestamptz[])
           AS t(ident, state_path, deadline_key, due_at, fire_event, party, provisional, rule, title, stages, next_at)
         WHERE NOT EXISTS (${SAME_DEADLINE_IN_THIS_VISIT('$1', '$14')})`,
        [
          caseId,
          record.version,
          planned.map(timerIdentity),
          col('statePath'),
          col('deadlineKey'),
          col('dueAt'),
          col('fireEvent'),
          col('party'),
          col('provisional'),
          col('rule'),
          col('title'),
          stagesJson(planned),
          col('nextAt'),
          record.entered,
        ],
      );
    });
  }

  private conflict(currentVersion: number, expectedVersion?: number) {
    return new AppError(
      HttpStatus.CONFLICT,
      'CASE_VERSION_CONFLICT',
      `案件已被他人更新（当前版本 ${currentVersion}${expectedVersion !== undefined ? `，提交版本 ${expectedVersion}` : ''}），请刷新后重试`,
      {
        currentVersion,
      },
    );
  }

  // ---------------------------------------------------------------- reads

  async findCase(em: EntityManager | DataSource, principal: Principal, caseId: string): Promise<CaseRecord> {
    if (!isUuid(caseId)) throw AppError.notFound('案件');
    const [row] = await em.query(`SELECT ${CASE_COLUMNS} FROM cases WHERE id = $1`, [caseId]);
    if (!row || !this.canSee(principal, row)) throw AppError.notFound('案件');
    return row;
  }

  canSee(principal: Principal, record: Pick<CaseRecord, 'scopeOrgIds'>): boolean {
    if (isSystem(principal) || isAdmin(principal)) return true;
    const mine = scopeOrgIds(principal);
    return record.scopeOrgIds.some((id) => mine.includes(id));
  }

  /** Events the principal could send now (guards are evaluated when the event is sent). */
  availableEvents(principal: Principal, record: CaseRecord): { type: string; title: string }[] {
    if (record.status === 'closed' || isSystem(principal)) return [];
    const def = this.registry.get(record.workflow, record.definitionVersion);
    const snapshot = def.machine.resolveState({
      value: record.snapshot.value,
      context: record.snapshot.context,
    }) as AnyMachineSnapshot;
    const out: { type: string; title: string }[] = [];
    for (const type of handledEvents(snapshot)) {
      const meta = def.events[type];
      if (!meta || meta.system) continue;
      if (matchActor(principal, meta.actors ?? this.stateActors(def, record.statePaths), record.parties))
        out.push({ type, title: meta.title });
    }
    return out;
  }

  /** Actors of the active states (deepest first), used when an event names none of its own. */
  stateActors(def: WorkflowDefinition, paths: string[]): ActorRule[] {
    return [...paths].sort((a, b) => b.length - a.length).flatMap((p) => def.states[p]?.actors ?? []);
  }

  // ---------------------------------------------------------------- internals

  private async readCase(db: EntityManager, caseId: string): Promise<CaseRecord | undefined> {
    if (!isUuid(caseId)) throw AppError.notFound('案件');
    const [row] = await this.prepared(db, 'pf_read_case', `SELECT ${CASE_COLUMNS} FROM cases WHERE id = $1`, [caseId]);
    if (row && !db.queryRunner) this.recent.set(row);
    return row;
  }

  /**
   * Runs a hot-path statement as a named prepared statement on TypeORM's pg connection (the transaction's
   * client, or the pool), so PostgreSQL plans it once per connection instead of on every transition.
   */
  private async prepared(em: EntityManager, name: string, text: string, values: unknown[]): Promise<any[]> {
    const runner = em.queryRunner as any;
    const client = runner?.databaseConnection ?? (this.ds.driver as any).master;
    const result = await client.query({ name, text, values });
    return result.rows;
  }

  private async loadSubject(
    em: EntityManager,
    principal: Principal,
    def: WorkflowDefinition,
    subject: OpenCaseRequest['subject'],
  ): Promise<SubjectFacts> {
    const need = { member: 'memberId', firm: 'firmId', org: 'orgId' } as const;
    const field = need[def.subjectKind];
    const id = subject[field];
    if (!isUuid(id)) throw AppError.validation([{ field: `subject.${field}`, errors: [`${field} 必须是有效的 UUID`] }]);
    const facts: SubjectFacts = {};
    let orgPath: string | undefined;
    if (def.subjectKind === 'member') {
      const [m] = await em.query(
        `SELECT m.id, m.name, m.org_id AS "orgId", m.status, m.firm_id AS "firmId", m.birth_date AS "birthDate", o.path FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = $1`,
        [id],
      );
      if (m) ({ path: orgPath, ...(facts as any).member } = m);
    } else if (def.subjectKind === 'firm') {
      const [f] = await em.query(
        `SELECT f.id, f.name, f.kind, f.party_org_id AS "partyOrgId", f.head_firm_id AS "headFirmId", f.county, f.coverage, f.region_code AS "regionCode",
           coalesce(o.path, (SELECT path FROM orgs WHERE type = 'county_committee' AND region_code = f.region_code LIMIT 1)) AS path
         FROM firms f LEFT JOIN orgs o ON o.id = f.party_org_id WHERE f.id = $1`,
        [id],
      );
      if (f) ({ path: orgPath, ...(facts as any).firm } = f);
    } else {
      const [o] = await em.query(`SELECT id, name, type, path FROM orgs WHERE id = $1`, [id]);
      if (o) ({ path: orgPath, ...(facts as any).org } = o);
    }
    const found = facts.member ?? facts.firm ?? facts.org;
    if (!found) throw AppError.notFound('办理对象');
    if (!isSystem(principal) && !isAdmin(principal)) {
      const visible = orgPath && scopeOrgIds(principal).some((orgId) => orgPath!.includes(`/${orgId}/`));
      if (!visible) throw AppError.notFound('办理对象');
    }
    return facts;
  }

  private async runEffects(
    em: EntityManager,
    record: CaseRecord,
    actions: { type: string; params?: unknown }[],
    now: Date,
  ) {
    for (const action of actions) {
      if (action.type !== 'effect') continue;
      await this.effects.apply(action.params as Effect, {
        em,
        caseId: record.id,
        workflow: record.workflow,
        context: record.snapshot.context,
        parties: record.parties,
        at: now,
        openCase: async (workflow, subject, input, trigger) => {
          const def = this.registry.latest(workflow);
          const valid = await validatePayload(def.createInput, input, 'input');
          const opened = await this.openCaseIn(em, SYSTEM_PRINCIPAL, def, subject, valid, trigger);
          return opened.id;
        },
      });
    }
  }

  /** Timers the case should have now: none when closed, else those of its active states (PostgreSQL is the truth). */
  private planTimers(
    def: WorkflowDefinition,
    record: CaseRecord,
    known?: CasePolicy,
    memo?: PlanInput['memo'],
  ): PlannedTimer[] {
    if (record.status === 'closed') return [];
    const policy = known?.id === record.policyVersion ? known : this.policies.byId(record.policyVersion, def);
    return this.planner.plan({
      def,
      activePaths: record.statePaths,
      entered: record.entered,
      context: record.snapshot.context,
      deadlineOverrides: policy.deadlineOverrides,
      policyId: policy.id,
      engine: policy.engine,
      memo,
    });
  }

  /**
   * Runs `work` in one transaction, guarded by an Idempotency-Key when given: the key row is inserted
   * first, so a concurrent duplicate waits on it and then replays the stored result.
   */
  private async inTransaction(
    principal: Principal,
    scope: string,
    key: string | undefined,
    request: unknown,
    work: (em: EntityManager) => Promise<CaseRecord>,
  ): Promise<EngineResult> {
    const requestHash = createHash('sha256')
      .update(JSON.stringify(request ?? null))
      .digest('hex');
    return this.ds.transaction(async (em) => {
      if (key) {
        const inserted = await em.query(
          `INSERT INTO idempotency_keys (user_id, scope, key, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key`,
          [principal.userId, scope, key, requestHash],
        );
        if (!inserted.length) {
          const [prior] = await em.query(
            `SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3`,
            [principal.userId, scope, key],
          );
          if (prior.request_hash !== requestHash)
            throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'IDEMPOTENCY_KEY_REUSED', '该幂等键已用于另一请求', {
              idempotencyKey: key,
            });
          const record = prior.response.record as CaseRecord;
          return {
            record: {
              ...record,
              openedAt: new Date(record.openedAt),
              updatedAt: new Date(record.updatedAt),
              closedAt: record.closedAt && new Date(record.closedAt),
            },
            created: false,
          };
        }
      }
      const record = await work(em);
      if (key)
        await em.query(
          `UPDATE idempotency_keys SET status_code = 200, response = $4 WHERE user_id = $1 AND scope = $2 AND key = $3`,
          [principal.userId, scope, key, { caseId: record.id, record }],
        );
      return { record, created: true };
    });
  }
}

/** 409 for a second case under a definition's once-key (one annual review per organization and year). */
function duplicateCase(def: WorkflowDefinition, existingCaseId: string | null): AppError {
  return new AppError(
    HttpStatus.CONFLICT,
    'DUPLICATE',
    `该对象已有同一${def.title}案件，不得重复发起`,
    existingCaseId ? { caseId: existingCaseId } : undefined,
  );
}

/** jsonb[] parameter: node-postgres sends arrays of objects element by element, so serialize each. */
const stagesJson = (planned: PlannedTimer[]) => planned.map((t) => JSON.stringify(t.stages));

/** A bounded map of recently seen case records (insertion-ordered Map as a cheap LRU). */
class RecentCases {
  private readonly map = new Map<string, CaseRecord>();
  constructor(private readonly max: number) {}
  get(id: string) {
    const r = this.map.get(id);
    if (r) {
      this.map.delete(id);
      this.map.set(id, r);
    }
    return r;
  }
  set(r: CaseRecord) {
    this.map.delete(r.id);
    this.map.set(r.id, r);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  delete(id: string) {
    this.map.delete(id);
  }
}

/** Another writer changed the case between our read and our write. */
class LostRace extends Error {
  constructor(readonly currentVersion: number) {
    super('case version changed');
  }
}

/** Event types the active state nodes (and their ancestors) have transitions for. */
export function handledEvents(snapshot: AnyMachineSnapshot): Set<string> {
  const types = new Set<string>();
  for (const node of snapshot._nodes) for (const type of Object.keys(node.config.on ?? {})) types.add(type);
  return types;
}
