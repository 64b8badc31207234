import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runPrepared } from '../persistence/prepared';
import { NAMES_OF } from './case-labels.repository';
import type { FollowUpView } from './follow-ups.repository';
import type { CaseTimerRow } from './timers.repository';

/** What a case view shows besides the case row itself. */
export interface CaseViewExtras {
  /** pending and fired timers of the cases, earliest due first */
  timers: CaseTimerRow[];
  /** follow-ups the cases asked for, and those opened as or attached to them, oldest first */
  followUps: FollowUpView[];
  /** names of members, firms and organizations by id (ids of other kinds are absent) */
  names: Map<string, string>;
}

/** The timer columns a case view reads (`CaseTimerRow`). */
export const VIEW_TIMER_COLUMNS =
  'case_id, deadline_key, title, state_path, due_at, stages, next_stage, provisional, rule, epoch, status';

/**
 * The select list of a case view's extras, as three json columns `timers`, `follow_ups` and `names`:
 * `liveTimers` is a query giving the cases' pending and fired timers (`VIEW_TIMER_COLUMNS`), `caseIds` a
 * uuid[] parameter, `nameIds` a uuid[] parameter of the ids to name. Shared by `extras` and by the transition's
 * compare-and-swap, which reads them in its own statement (`CasesRepository.applyTransitionWithView`).
 */
export const VIEW_EXTRAS_COLUMNS = (liveTimers: string, caseIds: string, nameIds: string) =>
  `(SELECT coalesce(json_agg(t ORDER BY t.due_at), '[]') FROM (${liveTimers}) t) AS timers,
   (SELECT coalesce(json_agg(json_build_object('caseId', case_id, 'workflow', workflow, 'subject', subject,
             'trigger', trigger, 'outcome', outcome, 'followUpCaseId', follow_up_case_id, 'code', code,
             'message', message, 'at', at) ORDER BY at, id), '[]')
    FROM case_follow_ups WHERE case_id = ANY(${caseIds}::uuid[]) OR follow_up_case_id = ANY(${caseIds}::uuid[])) AS follow_ups,
   (SELECT coalesce(json_object_agg(n.id, n.name), '{}') FROM (${NAMES_OF(nameIds)}) n) AS names`;

/** The ids a case view names: its subject's and its parties' (members, firms, organizations). */
export function viewNameIds(records: { subject: SubjectRef; parties: Record<string, string> | null }[]): string[] {
  const ids = records.flatMap((r) => [subjectIdOf(r.subject), ...Object.values(r.parties ?? {})]);
  return [...new Set(ids)].filter(Boolean) as string[];
}

type SubjectRef = { memberId?: string; firmId?: string; orgId?: string } | null | undefined;

/** The id of a case's subject (member, firm or organization). */
export function subjectIdOf(subject: SubjectRef): string | undefined {
  return subject?.memberId ?? subject?.firmId ?? subject?.orgId;
}

/** The extras from a row of `VIEW_EXTRAS_COLUMNS`. */
export function viewExtrasOf(row: { timers: unknown; follow_ups: unknown; names: unknown }): CaseViewExtras {
  // json carries timestamps as text in the session's offset: back to instants, as the other reads give them
  return {
    timers: (row.timers as (CaseTimerRow & { due_at: string })[]).map((t) => ({ ...t, due_at: new Date(t.due_at) })),
    followUps: (row.follow_ups as FollowUpView[]).map((f) => ({ ...f, at: new Date(f.at).toISOString() })),
    names: new Map(Object.entries(row.names as Record<string, string>)),
  };
}

/**
 * The read model of case views: a case's deadlines (`timers`), its follow-ups (`case_follow_ups`) and the names
 * of its subject and parties (`members`, `firms`, `orgs`), for a page of cases in one statement. Prepared (named):
 * planning its three sub-selects cost PostgreSQL more than running them (0.18 ms against 0.11 ms per event in the
 * HTTP bench). `POST /cases/:id/events` does not come here: its transition's statement reads the same columns.
 */
@Injectable()
export class CaseViewsRepository {
  constructor(private readonly ds: DataSource) {}

  async extras(caseIds: string[], nameIds: string[]): Promise<CaseViewExtras> {
    if (!caseIds.length) return { timers: [], followUps: [], names: new Map() };
    const [row] = await runPrepared(
      this.ds,
      undefined,
      'pf_case_view_extras',
      `SELECT ${VIEW_EXTRAS_COLUMNS(
        `SELECT ${VIEW_TIMER_COLUMNS} FROM timers WHERE case_id = ANY($1::uuid[]) AND status IN ('pending', 'fired')`,
        '$1',
        '$2',
      )}`,
      [caseIds, [...new Set(nameIds)].filter(Boolean)],
    );
    return viewExtrasOf(row);
  }
}
