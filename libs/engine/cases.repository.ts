import { Injectable } from '@nestjs/common';
import { CURSOR_TIME_SQL } from '../common/keyset';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { runPrepared } from '../persistence/prepared';
import { CaseViewExtras, VIEW_EXTRAS_COLUMNS, VIEW_TIMER_COLUMNS, viewExtrasOf } from './case-views.repository';
import { PlannedTimer, timerIdentity } from './deadline-planner';

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

/** Who acted, as recorded in a history row. */
export interface HistoryActor {
  userId: string | null;
  username: string;
  role: string | null;
  orgId: string | null;
}

/** The opening history row (seq 1), hashed by the engine before the rows go in. */
export interface OpeningRow {
  actor: Record<string, unknown>;
  data: Record<string, unknown>;
  prevHash: string;
}

/** One transition's history row; the case's new fields come from the updated record. */
export interface TransitionRow {
  fromVersion: number;
  fromState: unknown;
  prevHash: string;
  actor: Record<string, unknown>;
  type: string;
  data: Record<string, unknown>;
  comment: string | null;
}

export interface CaseFilter {
  workflow?: string;
  state?: string;
  status?: 'open' | 'closed';
  orgId?: string;
  overdue?: boolean;
  /** only these cases (a set another module keeps, e.g. a campaign's): the other filters narrow it further */
  caseIds?: string[];
}

/**
 * A case row as the engine reads it. The two arrays come as json: node-postgres parses a text[] or uuid[] in its
 * text form one character at a time (a new string per character), and for a page of 200 cases that was a fifth
 * of what `/tasks` allocated; JSON.parse gives the same arrays of strings.
 */
const CASE_COLUMNS = `c.id, c.workflow, c.definition_version AS "definitionVersion", c.policy_version AS "policyVersion", c.state,
  to_json(c.state_paths) AS "statePaths", c.snapshot, c.status, c.version, c.head_hash AS "headHash", c.entered, c.subject, c.parties,
  to_json(c.scope_org_ids) AS "scopeOrgIds", c.opened_by AS "openedBy", c.opened_at AS "openedAt", c.updated_at AS "updatedAt", c.closed_at AS "closedAt"`;

/** Columns of a planned timer, in the order of the `unnest(...) AS t(...)` lists below. */
export const TIMER_COLUMNS = `ident, state_path, deadline_key, due_at, fire_event, party, provisional, rule, title, stages, next_at`;
export const unnestTimers = (first: number) => {
  const types = [
    'text',
    'text',
    'text',
    'timestamptz',
    'text',
    'text',
    'boolean',
    'text',
    'text',
    'jsonb',
    'timestamptz',
  ];
  return `unnest(${types.map((t, i) => `$${first + i}::${t}[]`).join(', ')}) AS t(${TIMER_COLUMNS})`;
};
/** The planned timers as the eleven array parameters of `unnestTimers` (jsonb[] is sent element by element, so serialized). */
export function timerArrays(planned: PlannedTimer[]): unknown[] {
  const col = <K extends keyof PlannedTimer>(k: K) => planned.map((t) => t[k]);
  return [
    planned.map(timerIdentity),
    col('statePath'),
    col('deadlineKey'),
    col('dueAt'),
    col('fireEvent'),
    col('party'),
    col('provisional'),
    col('rule'),
    col('title'),
    planned.map((t) => JSON.stringify(t.stages)),
    col('nextAt'),
  ];
}

/**
 * SQL condition: the timer `t` of case `c` is a deadline of the case's current state visit that has passed by
 * `now` (pending, or fired: the visit's overdue mark; a timer of an earlier visit has an older epoch). What the
 * case list, the statistics and a campaign's progress call overdue (with `c.status = 'open'`).
 */
export const PASSED_DEADLINE_OF_CURRENT_VISIT = (now: string) =>
  `t.status IN ('pending', 'fired') AND t.due_at < ${now}
   AND t.state_path = ANY(c.state_paths) AND t.epoch >= coalesce((c.entered -> t.state_path ->> 'version')::int, 0)`;

/**
 * SQL condition: the planned timer `t` (by ident) is already there for the current visit of its state —
 * pending, or fired during this visit (epoch ≥ the version at which the state was entered). Re-planning
 * after a transition that leaves the state active must not deliver a fired deadline again; a later
 * visit has a later entry version and plans its own.
 */
export const SAME_DEADLINE_IN_THIS_VISIT = (caseParam: string, enteredParam: string) =>
  `SELECT 1 FROM timers x WHERE x.case_id = ${caseParam} AND x.ident = t.ident
     AND (x.status = 'pending' OR (x.status = 'fired' AND x.epoch >= coalesce((${enteredParam}::jsonb -> t.state_path ->> 'version')::int, 0)))`;

/**
 * SQL condition: a timer of the case that is live (pending, or fired: the visit's overdue mark) but that the new
 * plan (`identsParam`, its idents) no longer holds. A re-plan cancels these, fired ones too: a deadline moved or
 * re-armed within the visit, such as a daily watch's next run, retires the fired one instead of piling up as
 * overdue. Shared by a transition and by a re-plan outside one (`TimersRepository.replacePlan`).
 */
export const UNPLANNED_LIVE_TIMER = (caseParam: string, identsParam: string) =>
  `case_id = ${caseParam} AND status IN ('pending', 'fired') AND NOT (ident = ANY(${identsParam}::text[]))`;

/**
 * The compare-and-swap of one transition as CTEs: `upd` (the case row, if still at `$16`), `history`, `cancelled`
 * (live timers no longer planned: `UNPLANNED_LIVE_TIMER`) and `planned` (new timers, unless the same deadline
 * exists for this visit);
 * `returning` makes the last two return their rows (`applyTransitionWithView`).
 */
const transitionCtes = (returning: boolean) => `WITH upd AS (
     UPDATE cases SET state = $2, state_paths = $3, snapshot = $4, status = $5::text, version = $6, head_hash = $7, entered = $8,
       updated_at = $9::timestamptz, closed_at = CASE WHEN $5::text = 'closed' THEN $9::timestamptz END
     WHERE id = $1 AND version = $16 RETURNING id),
   history AS (
     INSERT INTO case_history (case_id, seq, at, actor, type, data, comment, from_state, to_state, prev_hash, hash)
     SELECT id, $6, $9::timestamptz, $10, $11, $12, $13, $14, $2, $15, $7 FROM upd),
   cancelled AS (
     UPDATE timers SET status = 'cancelled'
     WHERE ${UNPLANNED_LIVE_TIMER('$1', '$17')} AND EXISTS (SELECT 1 FROM upd)
     ${returning ? 'RETURNING id' : ''}),
   planned AS (
     INSERT INTO timers (case_id, epoch, ${TIMER_COLUMNS})
     SELECT $1, $6, t.* FROM ${unnestTimers(17)}
     WHERE EXISTS (SELECT 1 FROM upd) AND NOT EXISTS (${SAME_DEADLINE_IN_THIS_VISIT('$1', '$8')})
     ${returning ? `RETURNING ${VIEW_TIMER_COLUMNS}` : ''})`;

/** The parameters of `transitionCtes`, in order. */
const transitionParams = (updated: CaseRecord, row: TransitionRow, planned: PlannedTimer[]): unknown[] => [
  updated.id,
  JSON.stringify(updated.state),
  updated.statePaths,
  updated.snapshot,
  updated.status,
  updated.version,
  updated.headHash,
  updated.entered,
  updated.updatedAt,
  row.actor,
  row.type,
  row.data,
  row.comment,
  JSON.stringify(row.fromState),
  row.prevHash,
  row.fromVersion,
  ...timerArrays(planned),
];

/**
 * Cases and their hash-chained history. The two write statements also write the case's planned timers:
 * case row, history row and timers go in together in ONE statement (one round trip per transition, and
 * the compare-and-swap decides for all three). They are named prepared statements: they run on every
 * transition, so PostgreSQL plans them once per connection.
 */
@Injectable()
export class CasesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Inserts a new case with its opening history row (seq 1) and its timers (epoch 1). `onceKey` (unique
   * index `cases_once_key_idx`) refuses a second case under the same key with a unique violation. Under an
   * `openKey` that an open case holds (`cases_open_key_idx`), nothing is written and the answer names that
   * case (`openCaseId`; null when it committed while this statement waited for it): the check costs no round
   * trip of its own. Undefined when the case was inserted.
   */
  async insertOpened(
    em: EntityManager,
    record: CaseRecord,
    opening: OpeningRow,
    planned: PlannedTimer[],
    onceKey: string | null = null,
    openKey: string | null = null,
  ): Promise<{ openCaseId: string | null } | undefined> {
    const s = record.subject;
    const [row] = await runPrepared<{ id: string | null; open_case_id: string | null }>(
      this.ds,
      em,
      'pf_open_case',
      `WITH opened AS (
         INSERT INTO cases (id, workflow, definition_version, policy_version, state, state_paths, snapshot, status, version, head_hash, entered,
           subject, subject_member_id, subject_firm_id, subject_org_id, parties, scope_org_ids, opened_by, opened_at, updated_at, closed_at, once_key, open_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text, 1, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::timestamptz, $18::timestamptz,
           CASE WHEN $8::text = 'closed' THEN $18::timestamptz END, $33, $34::text)
         ON CONFLICT (open_key) WHERE status = 'open' DO NOTHING RETURNING id),
       history AS (
         INSERT INTO case_history (case_id, seq, at, actor, type, data, comment, from_state, to_state, prev_hash, hash)
         SELECT id, 1, $18::timestamptz, $19, 'OPEN', $20, NULL, NULL, $5, $21, $9 FROM opened),
       planned AS (
         INSERT INTO timers (case_id, epoch, ${TIMER_COLUMNS})
         SELECT o.id, 1, t.* FROM opened o, ${unnestTimers(22)})
       SELECT (SELECT id FROM opened) AS id,
         (SELECT c.id FROM cases c WHERE NOT EXISTS (SELECT 1 FROM opened) AND c.open_key = $34::text AND c.status = 'open' LIMIT 1) AS open_case_id`,
      [
        record.id,
        record.workflow,
        record.definitionVersion,
        record.policyVersion,
        JSON.stringify(record.state),
        record.statePaths,
        record.snapshot,
        record.status,
        record.headHash,
        record.entered,
        s,
        s.memberId ?? null,
        s.firmId ?? null,
        s.orgId ?? null,
        record.parties,
        record.scopeOrgIds,
        record.openedBy,
        record.openedAt,
        opening.actor,
        opening.data,
        opening.prevHash,
        ...timerArrays(planned),
        onceKey,
        openKey,
      ],
    );
    return row.id ? undefined : { openCaseId: row.open_case_id };
  }

  /**
   * Inserts many opened cases of one definition (opening history rows and timers included) with one
   * statement however many there are: a campaign opens tens of thousands this way. Rows travel as two
   * jsonb documents (`jsonb_to_recordset`), which keeps the statement's parameter count fixed.
   */
  async insertOpenedBulk(
    em: EntityManager,
    def: { key: string; version: number },
    openings: { record: CaseRecord; opening: OpeningRow; planned: PlannedTimer[]; onceKey: string | null }[],
    at: Date,
    genesisHash: string,
  ) {
    const cases = openings.map(({ record, opening, onceKey }) => ({
      id: record.id,
      policy_version: record.policyVersion,
      state: record.state,
      state_paths: record.statePaths,
      snapshot: record.snapshot,
      status: record.status,
      head_hash: record.headHash,
      entered: record.entered,
      subject: record.subject,
      subject_org_id: record.subject.orgId ?? null,
      parties: record.parties,
      scope_org_ids: record.scopeOrgIds,
      opened_by: record.openedBy,
      once_key: onceKey,
      actor: opening.actor,
      data: opening.data,
    }));
    const timers = openings.flatMap(({ record, planned }) =>
      planned.map((t) => ({
        case_id: record.id,
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
    await em.query(
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
      [JSON.stringify(cases), def.key, def.version, at, genesisHash, JSON.stringify(timers)],
    );
  }

  /** The open case holding this open-key (one open transfer of a member at a time), if any. */
  async openCaseIdByOpenKey(em: EntityManager, openKey: string): Promise<string | undefined> {
    const [row] = await em.query(`SELECT id FROM cases WHERE open_key = $1 AND status = 'open'`, [openKey]);
    return row?.id;
  }

  /** The case holding each of these once-keys (one annual review per organization and year). */
  async idsByOnceKeys(em: EntityManager, keys: string[]): Promise<Map<string, string>> {
    if (!keys.length) return new Map();
    const rows: { once_key: string; id: string }[] = await em.query(
      `SELECT once_key, id FROM cases WHERE once_key = ANY($1::text[])`,
      [keys],
    );
    return new Map(rows.map((r) => [r.once_key, r.id]));
  }

  /**
   * The compare-and-swap write of one transition: the case row moves from `row.fromVersion` to
   * `updated.version`, its history row goes in, pending timers no longer planned are cancelled and the
   * newly planned ones inserted (unless the same deadline already exists for this visit) — all or nothing.
   * Returns false when another writer changed the case since it was read (the version no longer matches).
   */
  async applyTransition(
    em: EntityManager | undefined,
    updated: CaseRecord,
    row: TransitionRow,
    planned: PlannedTimer[],
  ): Promise<boolean> {
    const [{ n }] = await runPrepared<{ n: number }>(
      this.ds,
      em,
      'pf_apply_event',
      `${transitionCtes(false)} SELECT count(*)::int AS n FROM upd`,
      transitionParams(updated, row, planned),
    );
    return n === 1;
  }

  /**
   * `applyTransition`, reading in the same statement what the case's view shows besides the case row: its live
   * timers after this write, its follow-ups and the names of `nameIds` (`VIEW_EXTRAS_COLUMNS`). An HTTP event
   * answers with the case's view, and a second round trip for these cost more than the reads themselves (on two
   * shared cores each round trip wakes a PostgreSQL backend and then node). The statement sees the timers
   * as they were before it, so the live ones are the unchanged rows, less those this write cancels, plus those it
   * inserts. Returns null when the compare-and-swap lost.
   */
  async applyTransitionWithView(
    updated: CaseRecord,
    row: TransitionRow,
    planned: PlannedTimer[],
    nameIds: string[],
  ): Promise<CaseViewExtras | null> {
    const params = transitionParams(updated, row, planned);
    const nameParam = `$${params.push(nameIds)}`;
    const liveTimers = `SELECT ${VIEW_TIMER_COLUMNS} FROM timers
        WHERE case_id = $1 AND status IN ('pending', 'fired') AND id NOT IN (SELECT id FROM cancelled)
      UNION ALL SELECT ${VIEW_TIMER_COLUMNS} FROM planned`;
    const [result] = await runPrepared(
      this.ds,
      undefined,
      'pf_apply_event_view',
      `${transitionCtes(true)} SELECT (SELECT count(*)::int FROM upd) AS n,
         ${VIEW_EXTRAS_COLUMNS(liveTimers, 'ARRAY[$1::uuid]', nameParam)}`,
      params,
    );
    return result.n === 1 ? viewExtrasOf(result) : null;
  }

  /**
   * The hash of a case's history row at `seq`, or null when there is none: whether a transition whose answer
   * was lost with its connection was committed (a fresh connection from the pool, never a caller's transaction).
   */
  async historyHashAt(caseId: string, seq: number): Promise<string | null> {
    const [row] = await this.ds.query(`SELECT hash FROM case_history WHERE case_id = $1 AND seq = $2`, [caseId, seq]);
    return row?.hash ?? null;
  }

  /** The case's version now (after a lost compare-and-swap), or undefined when it is gone. */
  async currentVersion(em: EntityManager | undefined, caseId: string): Promise<number | undefined> {
    const [row] = await (em ?? this.ds.manager).query(`SELECT version FROM cases WHERE id = $1`, [caseId]);
    return row?.version;
  }

  /** One case by id (prepared: it is read before most transitions). */
  async findById(em: EntityManager | undefined, caseId: string): Promise<CaseRecord | undefined> {
    const [row] = await runPrepared<CaseRecord>(
      this.ds,
      em,
      'pf_read_case',
      `SELECT ${CASE_COLUMNS} FROM cases c WHERE c.id = $1`,
      [caseId],
    );
    return row;
  }

  /** The cases with these ids, in no particular order (a caller with a page restores the page's). */
  async findByIds(ids: string[]): Promise<CaseRecord[]> {
    if (!ids.length) return [];
    return this.ds.query(`SELECT ${CASE_COLUMNS} FROM cases c WHERE c.id = ANY($1::uuid[])`, [ids]);
  }

  /** One case, its row locked until the transaction ends (re-planning must not interleave with a transition). */
  async findByIdForUpdate(em: EntityManager, caseId: string): Promise<CaseRecord | undefined> {
    const [row] = await em.query(`SELECT ${CASE_COLUMNS} FROM cases c WHERE c.id = $1 FOR UPDATE OF c`, [caseId]);
    return row;
  }

  /**
   * A page of cases, newest change first, in keyset order `(updated_at, id)` descending (index
   * `cases_updated_keyset_idx`): after `after` (the previous page's last row) or at `offset`. `scopeOrgIds` null =
   * everything (admins); otherwise cases whose scope overlaps. `overdue` keeps open cases with a passed deadline of
   * a current state visit; `subjectIds` keeps cases about these subjects. Also counts the matches up to `countCap + 1`.
   */
  async list(
    f: CaseFilter & {
      scopeOrgIds: string[] | null;
      now: Date;
      subjectIds?: string[];
      after?: (string | number)[];
      offset: number;
      limit: number;
      countCap: number;
    },
  ): Promise<{ rows: (CaseRecord & { cursorAt: string })[]; count: number }> {
    const params: unknown[] = [];
    const where: string[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (f.scopeOrgIds) where.push(`c.scope_org_ids && ${p(f.scopeOrgIds)}::uuid[]`);
    if (f.workflow) where.push(`c.workflow = ${p(f.workflow)}`);
    if (f.state) where.push(`${p(f.state)} = ANY(c.state_paths)`);
    if (f.status) where.push(`c.status = ${p(f.status)}`);
    // `@>` (not `= ANY`): the GIN index on scope_org_ids serves it
    if (f.orgId) where.push(`c.scope_org_ids @> ARRAY[${p(f.orgId)}::uuid]`);
    if (f.caseIds) where.push(`c.id = ANY(${p(f.caseIds)}::uuid[])`);
    if (f.subjectIds)
      where.push(
        `coalesce(c.subject->>'memberId', c.subject->>'firmId', c.subject->>'orgId') = ANY(${p(f.subjectIds)}::text[])`,
      );
    if (f.overdue)
      where.push(
        `c.status = 'open' AND EXISTS (SELECT 1 FROM timers t WHERE t.case_id = c.id AND ${PASSED_DEADLINE_OF_CURRENT_VISIT(p(f.now))})`,
      );
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const countParams = [...params];
    if (f.after) where.push(`(c.updated_at, c.id) < (${p(f.after[0])}::timestamptz, ${p(f.after[1])}::uuid)`);
    const [rows, [{ n }]] = await Promise.all([
      this.ds.query(
        `SELECT ${CASE_COLUMNS}, ${CURSOR_TIME_SQL('c.updated_at')} AS "cursorAt" FROM cases c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY c.updated_at DESC, c.id DESC LIMIT ${f.limit} OFFSET ${f.offset}`,
        params,
      ) as Promise<(CaseRecord & { cursorAt: string })[]>,
      this.ds.query(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM cases c ${filter} LIMIT ${f.countCap + 1}) x`,
        countParams,
      ) as Promise<{ n: number }[]>,
    ]);
    return { rows, count: n };
  }

  /**
   * A case's history, oldest first, with who acted by name (`actorDisplayName` from users, `actorOrgName` from
   * orgs): the names come in the same statement, since a clerk's history page is read far more often than written.
   * Ids that are not UUIDs (the system actor) match nothing rather than fail a cast.
   */
  async history(caseId: string) {
    const rows: any[] = await this.ds.query(
      `SELECT h.seq, h.at, h.actor, h.type, h.data, h.comment, h.from_state AS "from", h.to_state AS "to", h.hash,
              h.prev_hash AS "prevHash", u.display_name AS "actorDisplayName", o.name AS "actorOrgName"
       FROM case_history h
       LEFT JOIN users u ON u.id = CASE WHEN h.actor->>'userId' ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                                        THEN (h.actor->>'userId')::uuid END
       LEFT JOIN orgs o ON o.id = CASE WHEN h.actor->>'orgId' ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                                       THEN (h.actor->>'orgId')::uuid END
       WHERE h.case_id = $1 ORDER BY h.seq`,
      [caseId],
    );
    return rows;
  }

  /** The open cases of `workflow` about any of these members (oldest first), with the member each is about. */
  async openCasesOfMembers(
    em: EntityManager,
    workflow: string,
    memberIds: string[],
  ): Promise<{ caseId: string; memberId: string }[]> {
    if (!memberIds.length) return [];
    return em.query(
      `SELECT id AS "caseId", subject_member_id AS "memberId" FROM cases
       WHERE workflow = $1 AND status = 'open' AND subject_member_id = ANY($2::uuid[]) ORDER BY opened_at, id`,
      [workflow, memberIds],
    );
  }

  /** Is there an open case of `workflow` about this member? */
  async memberHasOpenCase(em: EntityManager, workflow: string, memberId: string): Promise<boolean> {
    const [row] = await em.query(
      `SELECT EXISTS (SELECT 1 FROM cases WHERE workflow = $1 AND status = 'open' AND subject_member_id = $2) AS x`,
      [workflow, memberId],
    );
    return row.x;
  }

  /**
   * The Asia/Shanghai date on which a case of `workflow` about this member last entered one of
   * `enteredStates` (by `at`), among its cases not in `unlessIn` (e.g. an outcome undone on appeal); or null.
   */
  async memberDecisionDate(
    em: EntityManager,
    workflow: string,
    memberId: string,
    opts: { enteredStates: string[]; unlessIn: string; at: Date },
  ): Promise<string | null> {
    const [row] = await em.query(
      `SELECT to_char(max(h.at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS d
       FROM case_history h JOIN cases c ON c.id = h.case_id
       WHERE c.workflow = $1 AND c.subject_member_id = $2 AND h.to_state #>> '{}' = ANY($3::text[])
         AND NOT ($4 = ANY(c.state_paths)) AND h.at <= $5`,
      [workflow, memberId, opts.enteredStates, opts.unlessIn, opts.at],
    );
    return row?.d ?? null;
  }

  /** Was a case of `workflow` about this member closed in one of `states` less than `years` before `at`? */
  async memberCaseClosedInWithin(
    em: EntityManager,
    workflow: string,
    memberId: string,
    states: string[],
    at: Date,
    years: number,
  ): Promise<boolean> {
    // the interval is PostgreSQL's calendar arithmetic (29 February minus a year is 28 February)
    const [row] = await em.query(
      `SELECT EXISTS (SELECT 1 FROM cases WHERE workflow = $1 AND subject_member_id = $2 AND status = 'closed'
         AND state_paths && $3::text[] AND closed_at > $4::timestamptz - make_interval(years => $5)) AS x`,
      [workflow, memberId, states, at, years],
    );
    return row.x;
  }
}
