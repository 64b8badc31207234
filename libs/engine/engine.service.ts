import { isOutcomeUnknownDbError, isRolledBackDbError, isTransientDbError } from '../common/db-errors';
import { HttpStatus, Injectable } from '@nestjs/common';
import { instanceToPlain, plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { createHash, randomUUID } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { type AnyMachineSnapshot } from 'xstate';
import { pureInitialTransition, pureTransition } from './pure-transition';
import type {
  ActorRule,
  Effect,
  PayloadClass,
  SubjectFacts,
  WorkflowDefinition,
  WorkflowEvent,
} from '../../workflows/kernel/definition';
import { inSavepoint } from '../persistence/savepoint';
import { isAdmin, isSystem, Principal, scopeOrgIds, SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { canonicalUuid, isUuid } from '../common/uuid';
import { flattenValidationErrors } from '../common/validation';
import { PolicyService, type CasePolicy } from './policy.service';
import { GENESIS_HASH, historyHash } from './canonical-json';
import { Clock } from './clock';
import { CaseRecord, CasesRepository, type TransitionRow } from './cases.repository';
import { type CaseViewExtras, viewNameIds } from './case-views.repository';
import { DeadlinePlanner, type PlanInput, PlannedTimer } from './deadline-planner';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';
import { TimersRepository } from './timers.repository';
import { FirmsRepository } from '../registry/firms.repository';
import { MembersRepository } from '../registry/members.repository';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { EffectsService } from './effects.service';
import { FactsService } from './facts.service';
import {
  baseParties,
  indexPartyOrgs,
  type PartyOrgsRead,
  resolveFromOrgs,
  resolveParties,
  type ResolvedParties,
} from './party-resolver';
import { activePaths } from './state-paths';
import { callerScopeOrgIds } from '../../workflows/kernel/org-ref';
import { inScope, scopePrefixes } from '../registry/scope';
import { WorkflowRegistry } from './workflow-registry';

export type { CaseRecord } from './cases.repository';

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

/**
 * What the caller of an opening already read in the same transaction (an integration that matched the
 * subject and its organizations to decide what to open): the opening uses it instead of reading again.
 */
export interface OpeningReads {
  /** the subject member as `MembersRepository.facts` reads it (with the path of the member's organization) */
  member?: NonNullable<SubjectFacts['member']> & { path: string };
  /** org rows for party resolution; used when they cover every org the parties start from */
  partyOrgs?: PartyOrgsRead;
}

export interface EngineResult {
  record: CaseRecord;
  /** false when an Idempotency-Key replayed an earlier result */
  created: boolean;
  /** what the case's view shows besides the row, when the write read it (`sendEvent`'s `withViewExtras`) */
  viewExtras?: CaseViewExtras;
}

/** A transition written: the record as it now is, and the view's extras when its statement read them. */
interface Applied {
  record: CaseRecord;
  viewExtras?: CaseViewExtras;
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
 * The durable engine: one event = one atomic write. It reads the persisted snapshot (or a cached one),
 * computes the next snapshot with XState's pure `transition`, and writes snapshot, history (hash-chained),
 * timers and outbox rows together, conditional on the version it read (compare-and-swap; one transaction
 * when the transition has registry effects). No actor lives between requests; XState never runs a timer.
 */
@Injectable()
export class EngineService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly cases: CasesRepository,
    private readonly timers: TimersRepository,
    private readonly idempotencyKeys: IdempotencyKeysRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly firms: FirmsRepository,
    private readonly members: MembersRepository,
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

  /**
   * Opens a case inside an existing transaction (also used by effects and integrations). `reads`: what the
   * caller already read of the subject and its organizations in this transaction (two round trips less).
   * `undoRefusal`: a refusal (AppError) leaves the caller's transaction as it was and usable, so the caller
   * may record it and go on — a savepoint guards the writes that a refusal can follow (the insert of a
   * definition with a once-key, whose lost race aborts the statement; the opening's effects), and only
   * those: every other refusal comes before anything is written, or (an open case of the subject) from an
   * insert that wrote nothing.
   */
  async openCaseIn(
    em: EntityManager,
    principal: Principal,
    def: WorkflowDefinition,
    subject: OpenCaseRequest['subject'],
    input: Record<string, unknown>,
    trigger: string,
    opts: { reads?: OpeningReads; undoRefusal?: boolean } = {},
  ): Promise<CaseRecord> {
    const now = this.clock.now();
    const reads = opts.reads ?? {};
    // ids are stored, hashed and compared in one spelling
    subject = Object.fromEntries(Object.entries(subject ?? {}).map(([k, v]) => [k, canonicalUuid(v)]));
    const subjectFacts = await this.loadSubject(em, principal, def, subject, reads.member);
    await this.requireOrgRefsInScope(em, principal, def.createInput, input, 'input');
    const resolved = await resolveParties(this.orgs, em, def, subjectFacts, input, reads.partyOrgs);
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
      const existing = (await this.cases.idsByOnceKeys(em, [onceKey])).get(onceKey);
      if (existing) throw duplicateCase(def, existing);
    }
    // one open case per subject: the insert checks it (cases_open_key_idx) and names the open case
    const openKey = openKeyOf(def, subject);

    const { record, planned, actions, actor, hashFields } = this.buildOpening(
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
    const write = async () => {
      // case, opening history row and timers in one statement (one round trip on the opening path)
      const held = await this.cases
        .insertOpened(em, record, { actor, data: hashFields.data, prevHash: GENESIS_HASH }, planned, onceKey, openKey)
        .catch(async (e) => {
          // lost a race for the same once-key: name the winner (the caller's transaction is aborted anyway)
          if (onceKey && e?.code === '23505' && String(e?.constraint ?? e?.message).includes('cases_once_key_idx'))
            throw duplicateCase(def, null);
          throw e;
        });
      // nothing was written: the open case kept the insert from doing anything
      if (held) throw duplicateOpenCase(def, held.openCaseId);
      await this.runEffects(em, record, actions, now);
    };
    if (opts.undoRefusal && (onceKey || actions.some((a) => a.type === 'effect')))
      // no RELEASE: the savepoint ends with the transaction; anything but a refusal loses the transaction anyway
      await inSavepoint(em, 'engine_opening', write, { release: false, keepOnError: (e) => !(e instanceof AppError) });
    else await write();
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
    const orgs = new Map((await this.orgs.findByIds(orgIds, em)).map((o) => [o.id, o]));
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
    const partyOrgs = indexPartyOrgs(await this.orgs.withAncestorsAndDepartments(em, [...partyIds]));
    // one policy per region and definition for the whole batch (resolving a policy chain is not free)
    const policies = new Map<string, CasePolicy>();
    const deadlines: PlanInput['memo'] = new Map();
    const keys = prepared.map((p) => def.onceKey?.(items[p.i].subject, p.input) ?? null);
    const taken = await this.cases.idsByOnceKeys(
      em,
      keys.filter((k): k is string => !!k),
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
        const resolved = await resolveFromOrgs(this.orgs, em, def, p.subject, p.baseIds, partyOrgs);
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
    await this.cases
      .insertOpenedBulk(
        em,
        def,
        openings.map((o) => ({
          record: o.record,
          opening: { actor: o.actor, data: o.hashFields.data, prevHash: GENESIS_HASH },
          planned: o.planned,
          onceKey: o.onceKey,
        })),
        now,
        GENESIS_HASH,
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
    const [snapshot, actions] = pureInitialTransition(def.machine, {
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

  /**
   * Organizations a caller names in an input or payload field that does not reach beyond the caller's
   * scope (see OrgRef) must lie in it. Out of scope and unknown get the same answer: the refusal must not
   * tell whether an organization exists elsewhere. The engine's own events (system) name what they like.
   */
  private async requireOrgRefsInScope(
    em: EntityManager | undefined,
    principal: Principal,
    cls: PayloadClass | undefined,
    value: Record<string, unknown>,
    field: string,
  ): Promise<void> {
    if (isSystem(principal)) return;
    const refs = callerScopeOrgIds(cls, value).map(([f, id]) => [f, id.toLowerCase()] as const);
    if (!refs.length) return;
    const prefixes = await scopePrefixes(this.orgs, principal);
    const paths = await this.orgs.pathsById(refs.map(([, id]) => id).filter(isUuid), em);
    const outside = [...new Set(refs.filter(([, id]) => !inScope(paths.get(id) ?? '', prefixes)).map(([f]) => f))];
    if (outside.length)
      throw AppError.validation(
        outside.map((f) => ({ field: `${field}.${f}`, errors: ['组织不存在或不在您的管辖范围内'] })),
        '指定的党组织不存在或不在您的管辖范围内',
      );
  }

  // ---------------------------------------------------------------- events

  /**
   * Applies one event. Without an Idempotency-Key the case is read without a lock and written back with a
   * compare-and-swap on its version in a single statement (history row, case row and timers together); a
   * transaction is opened only when the transition has registry effects. A lost race is retried from a
   * fresh read (or is a 409 when the client sent `expectedVersion`). A database error is retried only when
   * nothing can have been written: a rolled-back error, a lost connection after which history was checked
   * (NotWritten), or any transient error under an Idempotency-Key (the key's row answers a committed retry).
   * `withViewExtras`: the caller answers with the case's view, so the compare-and-swap also reads what the view
   * shows besides the row, where it can (no Idempotency-Key, no registry effects); `viewExtras` is absent otherwise.
   */
  async sendEvent(
    principal: Principal,
    caseId: string,
    req: SendEventRequest,
    opts: { idempotencyKey?: string; withViewExtras?: boolean } = {},
  ): Promise<EngineResult> {
    caseId = canonicalUuid(caseId);
    for (let attempt = 1; ; attempt++) {
      try {
        if (opts.idempotencyKey)
          return await this.inTransaction(principal, `POST /cases/${caseId}/events`, opts.idempotencyKey, req, (em) =>
            this.sendEventIn(em, principal, caseId, req),
          );
        const { record, viewExtras } = await this.applyEvent(null, principal, caseId, req, !!opts.withViewExtras);
        return { record, created: true, viewExtras };
      } catch (e) {
        // a deadlock victim or a serialization failure was rolled back whole: redo it rather than answer 409
        const redo = opts.idempotencyKey ? isTransientDbError(e) : isRolledBackDbError(e) || e instanceof NotWritten;
        if (redo && attempt < 5) continue;
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
        return (await this.applyEvent(em, principal, caseId, req, false)).record;
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
    withViewExtras: boolean,
  ): Promise<Applied> {
    const cached = em ? undefined : this.recent.get(caseId);
    if (!cached)
      return this.applyEventTo(
        em,
        principal,
        caseId,
        req,
        await this.readCase(em ?? undefined, caseId),
        withViewExtras,
      );
    try {
      return await this.applyEventTo(em, principal, caseId, req, cached, withViewExtras);
    } catch (e) {
      this.recent.delete(caseId);
      // a refusal decided on the cached record is re-checked; a database failure is not a refusal (after a lost
      // connection the event may even have been applied: sendEvent decides about a retry)
      if (e instanceof LostRace || e instanceof NotWritten || isTransientDbError(e)) throw e;
      return this.applyEventTo(em, principal, caseId, req, await this.readCase(undefined, caseId), withViewExtras);
    }
  }

  private async applyEventTo(
    em: EntityManager | null,
    principal: Principal,
    caseId: string,
    req: SendEventRequest,
    record: CaseRecord | undefined,
    withViewExtras: boolean,
  ): Promise<Applied> {
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
    await this.requireOrgRefsInScope(em ?? undefined, principal, meta.payload, data, 'data');
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
    // the stored id, never the caller's spelling of it: the chain is verified against the stored one
    const hash = historyHash(record.headHash, {
      caseId: record.id,
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

    const transition: TransitionRow = {
      fromVersion: record.version,
      fromState: record.state,
      prevHash: record.headHash,
      actor,
      type: req.type,
      data,
      comment,
    };
    const lostRace = async (tx: EntityManager | undefined) =>
      new LostRace((await this.cases.currentVersion(tx, caseId)) ?? record.version);
    const write = async (tx: EntityManager | undefined) => {
      // compare-and-swap on the version: the case row, its history row and its timers change together or not at all
      const swapped = await this.cases.applyTransition(tx, updated, transition, planned);
      if (!swapped) throw await lostRace(tx);
      await this.runEffects(tx ?? this.ds.manager, updated, actions, now);
    };
    const hasEffects = (actions as { type: string }[]).some((a) => a.type === 'effect');
    let viewExtras: CaseViewExtras | undefined;
    if (em) await write(em);
    else {
      try {
        if (hasEffects) await this.ds.transaction(write);
        else if (withViewExtras) {
          // effects write after the statement (follow-ups, the registry): only a transition without them reads its view here
          const read = await this.cases.applyTransitionWithView(updated, transition, planned, viewNameIds([updated]));
          if (!read) throw await lostRace(undefined);
          viewExtras = read;
        } else await write(undefined);
      } catch (e) {
        await this.settleLostConnection(e, caseId, version, hash);
      }
    }
    // only remember what is certainly committed (a caller's transaction may still roll back)
    if (!em) this.recent.set(updated);
    else this.recent.delete(caseId);
    return { record: updated, viewExtras };
  }

  /**
   * After an error that leaves the write's outcome unknown (the connection broke, possibly after the commit),
   * asks the database whether the history row of this very transition (its hash) is there: if so the event was
   * applied and this returns; if the row is missing it throws NotWritten (safe to redo); if another event took
   * that place a LostRace. Any other error, or a failed check, is rethrown as it is (never redone).
   */
  private async settleLostConnection(e: unknown, caseId: string, version: number, hash: string): Promise<void> {
    if (!isOutcomeUnknownDbError(e)) throw e;
    let stored: string | null | undefined;
    try {
      stored = await this.cases.historyHashAt(caseId, version);
    } catch {
      throw e;
    }
    if (stored === hash) return;
    if (stored) throw new LostRace(version);
    throw new NotWritten();
  }

  /**
   * Plans a case's timers again without a transition (a calendar year was added, a policy corrected):
   * deadlines that come out the same keep their rows, the others are replaced. Locks the case row so a
   * concurrent transition cannot interleave.
   */
  async replanTimers(caseId: string): Promise<void> {
    await this.ds.transaction(async (em) => {
      const record = await this.cases.findByIdForUpdate(em, caseId);
      if (!record) return;
      const def = this.registry.get(record.workflow, record.definitionVersion);
      await this.timers.replacePlan(em, caseId, record.version, record.entered, this.planTimers(def, record));
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

  async findCase(principal: Principal, caseId: string, em?: EntityManager): Promise<CaseRecord> {
    if (!isUuid(caseId)) throw AppError.notFound('案件');
    caseId = canonicalUuid(caseId);
    const row = await this.cases.findById(em, caseId);
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
    const out: { type: string; title: string }[] = [];
    for (const type of this.eventsHandledIn(def, record.snapshot)) {
      const meta = def.events[type];
      if (!meta || meta.system) continue;
      if (matchActor(principal, meta.actors ?? this.stateActors(def, record.statePaths), record.parties))
        out.push({ type, title: meta.title });
    }
    return out;
  }

  /**
   * The events the active states of a snapshot handle, by definition and state value. Which events a state
   * configuration handles depends on the value alone (the context only matters to guards, checked when an event
   * is sent), and a definition has few configurations; resolving the snapshot with XState for every row instead
   * was a quarter of what a 200-item `/tasks` page allocated (twice per row: the task filter, then the view).
   * Bounded by the definitions' state configurations (WeakMap: a replaced definition takes its entries along).
   */
  private eventsHandledIn(def: WorkflowDefinition, snapshot: CaseRecord['snapshot']): readonly string[] {
    let byValue = this.handledByValue.get(def);
    if (!byValue) this.handledByValue.set(def, (byValue = new Map()));
    const key = typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
    let types = byValue.get(key);
    if (!types) {
      const resolved = def.machine.resolveState({ value: snapshot.value, context: snapshot.context });
      types = [...handledEvents(resolved as AnyMachineSnapshot)];
      byValue.set(key, types);
    }
    return types;
  }
  private readonly handledByValue = new WeakMap<WorkflowDefinition, Map<string, readonly string[]>>();

  /** Actors of the active states (deepest first), used when an event names none of its own. */
  stateActors(def: WorkflowDefinition, paths: string[]): ActorRule[] {
    return [...paths].sort((a, b) => b.length - a.length).flatMap((p) => def.states[p]?.actors ?? []);
  }

  // ---------------------------------------------------------------- internals

  private async readCase(em: EntityManager | undefined, caseId: string): Promise<CaseRecord | undefined> {
    if (!isUuid(caseId)) throw AppError.notFound('案件');
    const row = await this.cases.findById(em, caseId);
    // outside a transaction the row is committed: remember it
    if (row && !em?.queryRunner) this.recent.set(row);
    return row;
  }

  private async loadSubject(
    em: EntityManager,
    principal: Principal,
    def: WorkflowDefinition,
    subject: OpenCaseRequest['subject'],
    read?: OpeningReads['member'],
  ): Promise<SubjectFacts> {
    const need = { member: 'memberId', firm: 'firmId', org: 'orgId' } as const;
    const field = need[def.subjectKind];
    const id = subject[field];
    if (!isUuid(id)) throw AppError.validation([{ field: `subject.${field}`, errors: [`${field} 必须是有效的 UUID`] }]);
    const facts: SubjectFacts = {};
    let orgPath: string | undefined;
    if (def.subjectKind === 'member') {
      const m = read?.id === id ? read : await this.members.facts(em, id);
      if (m) ({ path: orgPath, ...(facts as any).member } = m);
    } else if (def.subjectKind === 'firm') {
      const f = await this.firms.facts(em, id);
      if (f) ({ path: orgPath, ...(facts as any).firm } = f as any);
    } else {
      const o = await this.orgs.findById(id, em);
      if (o) {
        orgPath = o.path;
        facts.org = { id: o.id, name: o.name, type: o.type } as any;
      }
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
        if (!(await this.idempotencyKeys.claim(em, principal.userId, scope, key, requestHash))) {
          const prior = await this.idempotencyKeys.prior(em, principal.userId, scope, key);
          if (prior.requestHash !== requestHash)
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
      if (key) await this.idempotencyKeys.complete(em, principal.userId, scope, key, { caseId: record.id, record });
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

function duplicateOpenCase(def: WorkflowDefinition, existingCaseId: string | null): AppError {
  return new AppError(
    HttpStatus.CONFLICT,
    'DUPLICATE',
    `该对象已有未办结的${def.title}案件，办结前不得再次发起`,
    existingCaseId ? { caseId: existingCaseId } : undefined,
  );
}

/** `<workflow>:<kind>:<id>` for definitions allowing one open case per subject (cases.open_key), else null. */
export function openKeyOf(def: WorkflowDefinition, subject: OpenCaseRequest['subject']): string | null {
  if (!def.oneOpenPerSubject) return null;
  const id = subject?.memberId ?? subject?.firmId ?? subject?.orgId;
  return id ? `${def.key}:${def.subjectKind}:${canonicalUuid(id)}` : null;
}

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

/** The connection broke during an event's write and the database shows it was not written: safe to redo. */
class NotWritten extends Error {
  constructor() {
    super('event not written (connection lost before the commit)');
  }
}

/** Event types the active state nodes (and their ancestors) have transitions for. */
export function handledEvents(snapshot: AnyMachineSnapshot): Set<string> {
  const types = new Set<string>();
  for (const node of snapshot._nodes) for (const type of Object.keys(node.config.on ?? {})) types.add(type);
  return types;
}
