import { HttpStatus, Injectable } from '@nestjs/common';
import { instanceToPlain, plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { ActorRule, Effect, PayloadClass, SubjectFacts, WorkflowDefinition, WorkflowEvent } from '../../workflows/kernel/definition';
import { isAdmin, isSystem, Principal, scopeOrgIds, SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { flattenValidationErrors } from '../common/validation';
import { CasePolicy, PolicyService } from './policy.service';
import { GENESIS_HASH, historyHash } from './canonical-json';
import { Clock } from './clock';
import { DeadlinePlanner, PlannedTimer, timerIdentity } from './deadline-planner';
import { EffectsService } from './effects.service';
import { FactsService } from './facts.service';
import { resolveParties } from './party-resolver';
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
export async function validatePayload(cls: PayloadClass | undefined, data: unknown, field: string): Promise<Record<string, unknown>> {
  const value = data ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) throw AppError.validation([{ field, errors: [`${field} 必须是对象`] }]);
  if (!cls) {
    if (Object.keys(value).length) throw AppError.validation([{ field, errors: ['此事件不接受数据'] }]);
    return {};
  }
  const instance = plainToInstance(cls, value, { enableImplicitConversion: false });
  const errors = await validate(instance as object, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
  if (errors.length) throw AppError.validation(flattenValidationErrors(errors, field));
  return instanceToPlain(instance) as Record<string, unknown>;
}

/** Does the principal hold one of the rules' (role, party org) pairs on this case? Returns how it acts. */
export function matchActor(principal: Principal, rules: ActorRule[] | undefined, parties: Record<string, string>): ActingAs | null {
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
 * The durable engine: one event = one transaction. It loads the persisted snapshot under a row lock,
 * computes the next snapshot with XState's pure `transition`, and writes snapshot, history (hash-chained),
 * timers and outbox rows together. No actor lives between requests; XState never runs a timer.
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

  async openCase(principal: Principal, req: OpenCaseRequest, opts: { idempotencyKey?: string; trigger?: string } = {}): Promise<EngineResult> {
    const def = this.registry.latest(req.workflow);
    const input = await validatePayload(def.createInput, req.input, 'input');
    return this.inTransaction(principal, 'POST /cases', opts.idempotencyKey, { ...req, input }, (em) =>
      this.openCaseIn(em, principal, def, req.subject ?? {}, input, opts.trigger ?? 'manual'),
    );
  }

  /** Opens a case inside an existing transaction (also used by effects and integrations). */
  async openCaseIn(em: EntityManager, principal: Principal, def: WorkflowDefinition, subject: OpenCaseRequest['subject'], input: Record<string, unknown>, trigger: string): Promise<CaseRecord> {
    const now = this.clock.now();
    const subjectFacts = await this.loadSubject(em, principal, def, subject);
    const resolved = await resolveParties(em, def, subjectFacts, input);
    const opener = isSystem(principal) ? { role: null, orgId: null } : matchActor(principal, def.openers, resolved.parties);
    if (!opener) throw AppError.forbidden('您无权为该对象发起此流程');

    if (def.openingRule) {
      const facts = await this.facts.load(em, def.openingFacts, { subject, at: now });
      const violation = def.openingRule(input, facts, now.toISOString());
      if (violation) throw AppError.rule(violation, { rule: 'opening' });
    }

    const policy = this.policies.forCase(resolved.regionCode, now, def);
    const [snapshot, actions] = initialTransition(def.machine, { subject, input, policy: policy.params, parties: resolved.parties, at: now.toISOString() });
    const persisted = def.machine.getPersistedSnapshot(snapshot) as unknown as CaseRecord['snapshot'];
    const paths = activePaths(snapshot.value as any);
    const entered = Object.fromEntries(paths.map((p) => [p, { at: now.toISOString(), version: 1 }]));
    const status = snapshot.status === 'done' ? 'closed' : 'open';
    const actor = { userId: isSystem(principal) ? null : principal.userId, username: principal.username, role: opener.role, orgId: opener.orgId };
    const hashFields = { seq: 1, at: now.toISOString(), actor, type: 'OPEN', data: { workflow: def.key, subject, input, trigger }, comment: null, from: null, to: snapshot.value };

    // the id is chosen here so the opening history row can be hashed before both rows go in together
    const caseId = randomUUID();
    const hash = historyHash(GENESIS_HASH, { caseId, ...hashFields });
    await em.query(
      `WITH opened AS (
         INSERT INTO cases (id, workflow, definition_version, policy_version, state, state_paths, snapshot, status, version, head_hash, entered,
           subject, subject_member_id, subject_firm_id, subject_org_id, parties, scope_org_ids, opened_by, opened_at, updated_at, closed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text, 1, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::timestamptz, $18::timestamptz,
           CASE WHEN $8::text = 'closed' THEN $18::timestamptz END) RETURNING id)
       INSERT INTO case_history (case_id, seq, at, actor, type, data, comment, from_state, to_state, prev_hash, hash)
       SELECT id, 1, $18::timestamptz, $19, 'OPEN', $20, NULL, NULL, $5, $21, $9 FROM opened`,
      [caseId, def.key, def.version, policy.id, JSON.stringify(snapshot.value), paths, persisted, status, hash, entered, subject,
       subject.memberId ?? null, subject.firmId ?? null, subject.orgId ?? null, resolved.parties, resolved.scopeOrgIds, { ...actor, trigger }, now,
       actor, hashFields.data, GENESIS_HASH],
    );
    const record: CaseRecord = {
      id: caseId, workflow: def.key, definitionVersion: def.version, policyVersion: policy.id, state: snapshot.value, statePaths: paths,
      snapshot: persisted, status, version: 1, headHash: hash, entered, subject, parties: resolved.parties, scopeOrgIds: resolved.scopeOrgIds,
      openedBy: { ...actor, trigger }, openedAt: now, updatedAt: now, closedAt: status === 'closed' ? now : null,
    };
    await this.runEffects(em, record, actions, now);
    await this.syncTimers(em, def, record, policy, []);
    return record;
  }

  // ---------------------------------------------------------------- events

  async sendEvent(principal: Principal, caseId: string, req: SendEventRequest, opts: { idempotencyKey?: string } = {}): Promise<EngineResult> {
    return this.inTransaction(principal, `POST /cases/${caseId}/events`, opts.idempotencyKey, req, (em) => this.sendEventIn(em, principal, caseId, req));
  }

  async sendEventIn(em: EntityManager, principal: Principal, caseId: string, req: SendEventRequest): Promise<CaseRecord> {
    const record = await this.lockCase(em, caseId);
    if (!record || !this.canSee(principal, record)) throw AppError.notFound('案件');
    if (req.expectedVersion !== undefined && req.expectedVersion !== record.version)
      throw new AppError(HttpStatus.CONFLICT, 'CASE_VERSION_CONFLICT', `案件已被他人更新（当前版本 ${record.version}，提交版本 ${req.expectedVersion}），请刷新后重试`, {
        currentVersion: record.version,
      });
    const def = this.registry.get(record.workflow, record.definitionVersion);
    const meta = def.events[req.type];
    if (!meta) throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'UNKNOWN_EVENT', `流程“${def.title}”没有事件 ${req.type}`);
    if (record.status === 'closed') throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'EVENT_NOT_ALLOWED', '案件已办结，不能再办理', { state: record.state });

    const snapshot = def.machine.resolveState({ value: record.snapshot.value, context: record.snapshot.context }) as AnyMachineSnapshot;
    if (!handledEvents(snapshot).has(req.type))
      throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'EVENT_NOT_ALLOWED', `当前环节不能办理“${meta.title}”`, { state: record.state, event: req.type });

    let acting: ActingAs | null;
    if (meta.system) acting = isSystem(principal) ? { role: null, orgId: null } : null;
    else acting = isSystem(principal) ? null : matchActor(principal, meta.actors ?? this.stateActors(def, record.statePaths), record.parties);
    if (!acting) throw AppError.forbidden(`您无权办理“${meta.title}”`);

    const data = await validatePayload(meta.payload, req.data, 'data');
    const now = this.clock.now();
    const facts = await this.facts.load(em, meta.facts, { subject: record.subject, data, at: now });
    const event: WorkflowEvent = { type: req.type, data, at: now.toISOString(), facts };
    const violation = meta.rule?.(snapshot.context, event);
    if (violation) throw AppError.rule(violation, { event: req.type });

    const [next, actions] = transition(def.machine, snapshot, event as any);
    if (next === snapshot) throw AppError.rule(`不满足“${meta.title}”的办理条件`, { event: req.type });

    const paths = activePaths(next.value as any);
    const version = record.version + 1;
    const entered: CaseRecord['entered'] = {};
    for (const p of paths) entered[p] = record.entered[p] && record.statePaths.includes(p) ? record.entered[p] : { at: now.toISOString(), version };
    const status = next.status === 'done' ? 'closed' : 'open';
    const actor = { userId: isSystem(principal) ? null : principal.userId, username: principal.username, role: acting.role, orgId: acting.orgId };
    const comment = req.comment ?? null;
    const hash = historyHash(record.headHash, { caseId, seq: version, at: now.toISOString(), actor, type: req.type, data, comment, from: record.state, to: next.value });

    const persisted = def.machine.getPersistedSnapshot(next) as unknown as CaseRecord['snapshot'];
    // history row and case update in one round trip
    await em.query(
      `WITH history AS (
         INSERT INTO case_history (case_id, seq, at, actor, type, data, comment, from_state, to_state, prev_hash, hash)
         VALUES ($1, $6, $9::timestamptz, $10, $11, $12, $13, $14, $2, $15, $7))
       UPDATE cases SET state = $2, state_paths = $3, snapshot = $4, status = $5::text, version = $6, head_hash = $7, entered = $8,
         updated_at = $9::timestamptz, closed_at = CASE WHEN $5::text = 'closed' THEN $9::timestamptz END WHERE id = $1`,
      [caseId, JSON.stringify(next.value), paths, persisted, status, version, hash, entered, now, actor, req.type, data, comment, JSON.stringify(record.state), record.headHash],
    );
    const updated: CaseRecord = { ...record, state: next.value, statePaths: paths, snapshot: persisted, status, version, headHash: hash, entered, updatedAt: now, closedAt: status === 'closed' ? now : null };
    await this.runEffects(em, updated, actions, now);
    const policy = this.policies.byId(record.policyVersion, def);
    await this.syncTimers(em, def, updated, policy, record.statePaths);
    return updated;
  }

  // ---------------------------------------------------------------- reads

  async findCase(em: EntityManager | DataSource, principal: Principal, caseId: string): Promise<CaseRecord> {
    if (!/^[0-9a-f-]{36}$/i.test(caseId)) throw AppError.notFound('案件');
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
    const snapshot = def.machine.resolveState({ value: record.snapshot.value, context: record.snapshot.context }) as AnyMachineSnapshot;
    const out: { type: string; title: string }[] = [];
    for (const type of handledEvents(snapshot)) {
      const meta = def.events[type];
      if (!meta || meta.system) continue;
      if (matchActor(principal, meta.actors ?? this.stateActors(def, record.statePaths), record.parties)) out.push({ type, title: meta.title });
    }
    return out;
  }

  /** Actors of the active states (deepest first), used when an event names none of its own. */
  stateActors(def: WorkflowDefinition, paths: string[]): ActorRule[] {
    return [...paths].sort((a, b) => b.length - a.length).flatMap((p) => def.states[p]?.actors ?? []);
  }

  // ---------------------------------------------------------------- internals

  private async lockCase(em: EntityManager, caseId: string): Promise<CaseRecord> {
    if (!/^[0-9a-f-]{36}$/i.test(caseId)) throw AppError.notFound('案件');
    const [row] = await em.query(`SELECT ${CASE_COLUMNS} FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
    return row;
  }

  private async loadSubject(em: EntityManager, principal: Principal, def: WorkflowDefinition, subject: OpenCaseRequest['subject']): Promise<SubjectFacts> {
    const need = { member: 'memberId', firm: 'firmId', org: 'orgId' } as const;
    const field = need[def.subjectKind];
    const id = subject[field];
    if (!id || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id))
      throw AppError.validation([{ field: `subject.${field}`, errors: [`${field} 必须是有效的 UUID`] }]);
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

  private async runEffects(em: EntityManager, record: CaseRecord, actions: { type: string; params?: unknown }[], now: Date) {
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

  /**
   * Makes the pending timers match the active states: keeps those still planned, cancels the rest (leaving
   * a state cancels its timers in the same transaction), inserts new ones with the case version as epoch.
   */
  private async syncTimers(em: EntityManager, def: WorkflowDefinition, record: CaseRecord, policy: CasePolicy, previousPaths: string[]) {
    const planned: PlannedTimer[] =
      record.status === 'closed'
        ? []
        : this.planner.plan({ def, activePaths: record.statePaths, entered: record.entered, context: record.snapshot.context, deadlineOverrides: policy.deadlineOverrides, policyId: policy.id, engine: policy.engine });
    const hadTimers = previousPaths.some((p) => def.states[p]?.deadlines?.length);
    if (!planned.length && !hadTimers) return;
    const idents = planned.map(timerIdentity);
    const col = <K extends keyof PlannedTimer>(k: K) => planned.map((t) => t[k]);
    // one statement: cancel pending timers no longer planned, insert planned ones not yet pending
    await em.query(
      `WITH cancelled AS (
         UPDATE timers SET status = 'cancelled' WHERE case_id = $1 AND status = 'pending' AND NOT (ident = ANY($3::text[])) RETURNING id)
       INSERT INTO timers (case_id, epoch, ident, state_path, deadline_key, kind, level, due_at, fire_event, party, provisional, rule, title)
       SELECT $1, $2, t.* FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::timestamptz[], $9::text[], $10::text[], $11::boolean[], $12::text[], $13::text[])
         AS t(ident, state_path, deadline_key, kind, level, due_at, fire_event, party, provisional, rule, title)
       WHERE NOT EXISTS (SELECT 1 FROM timers x WHERE x.case_id = $1 AND x.status = 'pending' AND x.ident = t.ident)`,
      [record.id, record.version, idents, col('statePath'), col('deadlineKey'), col('kind'), col('level'), col('dueAt'), col('fireEvent'), col('party'), col('provisional'), col('rule'), col('title')],
    );
  }

  /**
   * Runs `work` in one transaction, guarded by an Idempotency-Key when given: the key row is inserted
   * first, so a concurrent duplicate waits on it and then replays the stored result.
   */
  private async inTransaction(principal: Principal, scope: string, key: string | undefined, request: unknown, work: (em: EntityManager) => Promise<CaseRecord>): Promise<EngineResult> {
    const requestHash = createHash('sha256').update(JSON.stringify(request ?? null)).digest('hex');
    return this.ds.transaction(async (em) => {
      if (key) {
        const inserted = await em.query(
          `INSERT INTO idempotency_keys (user_id, scope, key, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key`,
          [principal.userId, scope, key, requestHash],
        );
        if (!inserted.length) {
          const [prior] = await em.query(`SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3`, [principal.userId, scope, key]);
          if (prior.request_hash !== requestHash)
            throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'IDEMPOTENCY_KEY_REUSED', '该幂等键已用于另一请求', { idempotencyKey: key });
          const record = prior.response.record as CaseRecord;
          return { record: { ...record, openedAt: new Date(record.openedAt), updatedAt: new Date(record.updatedAt), closedAt: record.closedAt && new Date(record.closedAt) }, created: false };
        }
      }
      const record = await work(em);
      if (key)
        await em.query(`UPDATE idempotency_keys SET status_code = 200, response = $4 WHERE user_id = $1 AND scope = $2 AND key = $3`, [
          principal.userId,
          scope,
          key,
          { caseId: record.id, record },
        ]);
      return { record, created: true };
    });
  }
}

/** Event types the active state nodes (and their ancestors) have transitions for. */
export function handledEvents(snapshot: AnyMachineSnapshot): Set<string> {
  const types = new Set<string>();
  for (const node of snapshot._nodes) for (const type of Object.keys(node.config.on ?? {})) types.add(type);
  return types;
}
