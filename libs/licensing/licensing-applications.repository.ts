import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MEMBERSHIP_TRANSFER_KEY } from '../../workflows/membership-transfer';
import { ApplicationKind, PartyTransferStatus } from './licensing.constants';
import { ApplicationView, transferOutcomes } from './licensing-status';

/** A licensing_applications row. */
export interface ApplicationRow {
  application_ref: string;
  kind: ApplicationKind;
  license_no: string | null;
  lawyer_name: string | null;
  declared_party_member: boolean | null;
  member_id: string | null;
  from_firm_id: string | null;
  to_firm_id: string | null;
  firm_id: string | null;
  case_id: string | null;
  party_transfer: PartyTransferStatus;
  applied_at: Date | null;
  approved_at: Date | null;
  withdrawn_at: Date | null;
}

/** Columns an event may change (the keys of a patch are written as column names). */
const PATCHABLE: ReadonlySet<string> = new Set([
  'kind',
  'license_no',
  'lawyer_name',
  'declared_party_member',
  'member_id',
  'from_firm_id',
  'to_firm_id',
  'firm_id',
  'case_id',
  'party_transfer',
  'applied_at',
  'approved_at',
  'withdrawn_at',
]);

const literal = (s: string) => {
  // state names and statuses are identifiers of our own code, never input; refuse anything else outright
  if (!/^[a-z][a-z0-9_-]*$/.test(s)) throw new RangeError(`not an identifier: ${s}`);
  return `'${s}'`;
};

/**
 * The party-transfer status of an application (`a`), derived from its linked membership-transfer case (`c`):
 * open → pending; closed → what its final state means (transferOutcomes, read from the procedure); any other
 * state → not_required. Without a linked transfer case the stored status decides.
 */
export function partyTransferSql(storedStatus = 'a.party_transfer'): string {
  const finals = transferOutcomes().map(
    ({ state, status }) => `WHEN ${literal(state)} = ANY(c.state_paths) THEN ${literal(status)}`,
  );
  return `CASE
  WHEN c.id IS NULL OR c.workflow <> ${literal(MEMBERSHIP_TRANSFER_KEY)} THEN ${storedStatus}
  WHEN c.status = 'open' THEN 'pending'
  ${finals.join('\n  ')}
  ELSE 'not_required' END`;
}

/** An event's collected changes to its application row, written with the event's stored answer. */
export interface ApplicationChanges {
  ref: string;
  eventId: string;
  now: Date;
  patch: Partial<ApplicationRow>;
}

/**
 * The UPDATE writing an event's changes to its application row, `RETURNING case_id, party_transfer`, as a CTE
 * body for the statement that writes them (its parameters are appended to `values`): used alone by
 * applyChanges, and by LicensingEventsRepository.storeResult to write them with the event's answer in one
 * round trip.
 */
export function applicationChangesSql(values: unknown[], c: ApplicationChanges): string {
  const cols = Object.keys(c.patch) as (keyof ApplicationRow)[];
  for (const col of cols)
    if (!PATCHABLE.has(col)) throw new RangeError(`licensing_applications.${col} is not patchable`);
  const p = (v: unknown) => `$${values.push(v)}`;
  const sets = cols.map((col) => `${col} = ${p(c.patch[col])}`);
  return `UPDATE licensing_applications SET ${[...sets, `last_event_id = ${p(c.eventId)}`, `updated_at = ${p(c.now)}`].join(', ')}
         WHERE application_ref = ${p(c.ref)} RETURNING case_id, party_transfer`;
}

/** An application to lock (or create) with the event that names it. */
export interface ApplicationToLock {
  ref: string;
  kind: ApplicationKind;
  now: Date;
}

/**
 * lockOrCreate's statement (parameters appended to `values`); `onlyIf`, a condition of the enclosing
 * statement, skips it (LicensingEventsRepository.insertProcessed: only when the event row is new).
 */
export function lockOrCreateSql(values: unknown[], a: ApplicationToLock, onlyIf?: string): string {
  const p = (v: unknown) => `$${values.push(v)}`;
  const [ref, kind, now] = [p(a.ref), p(a.kind), p(a.now)];
  return `INSERT INTO licensing_applications (application_ref, kind, party_transfer, created_at, updated_at)
       SELECT ${ref}::text, ${kind}::text, 'pending', ${now}::timestamptz, ${now}::timestamptz ${onlyIf ? `WHERE ${onlyIf}` : ''}
       ON CONFLICT (application_ref) DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING *`;
}

let updatedStatus: string | undefined;
/** partyTransferSql over the UPDATE's returned row `u` (joined to its case as `c`). */
export const partyTransferOfUpdated = () => (updatedStatus ??= partyTransferSql('u.party_transfer'));

/**
 * licensing_applications: one row per application the licensing side numbered (practice, firm transfer,
 * cancellation, establishment), with the case it led to; events about one application apply one at a time.
 */
@Injectable()
export class LicensingApplicationsRepository {
  private readonly partyTransfer = partyTransferSql();

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The application row, locked for the caller's transaction; created when new. One statement: the insert
   * creates it, else `DO UPDATE` takes its row lock, and either way it is returned.
   */
  async lockOrCreate(em: EntityManager, ref: string, kind: ApplicationKind, now: Date): Promise<ApplicationRow> {
    const values: unknown[] = [];
    const [app]: ApplicationRow[] = await em.query(lockOrCreateSql(values, { ref, kind, now }), values);
    return app;
  }

  /** Writes an event's collected changes in one statement; returns the resulting party-transfer status. */
  async applyChanges(
    em: EntityManager,
    ref: string,
    eventId: string,
    now: Date,
    patch: Partial<ApplicationRow>,
  ): Promise<PartyTransferStatus> {
    const values: unknown[] = [];
    const [row] = await em.query(
      `WITH u AS (${applicationChangesSql(values, { ref, eventId, now, patch })})
       SELECT ${partyTransferOfUpdated()} AS s FROM u LEFT JOIN cases c ON c.id = u.case_id`,
      values,
    );
    return row.s;
  }

  /** An application as the licensing side and the console read it, with its linked case; null when unknown. */
  async read(ref: string): Promise<ApplicationView | null> {
    const [row] = await this.ds.query(
      `SELECT a.application_ref AS "applicationRef", ${this.partyTransfer} AS "partyTransfer", a.case_id AS "caseId", a.kind, c.workflow,
         c.state AS "caseState", c.status AS "caseStatus", a.member_id AS "memberId", a.firm_id AS "firmId", a.to_firm_id AS "toFirmId",
         a.applied_at AS "appliedAt", a.approved_at AS "approvedAt", a.withdrawn_at AS "withdrawnAt", c.snapshot->'context'->>'sixMonthDueAt' AS "sixMonthDueAt",
         greatest(a.updated_at, c.updated_at) AS "updatedAt", c.scope_org_ids AS "scopeOrgIds"
       FROM licensing_applications a LEFT JOIN cases c ON c.id = a.case_id WHERE a.application_ref = $1`,
      [ref],
    );
    if (!row) return null;
    for (const k of Object.keys(row)) if (row[k] === null) delete row[k];
    return row;
  }

  /** The application a case was opened for, if any. */
  async refOfCase(caseId: string): Promise<string | null> {
    const [app] = await this.ds.query(`SELECT application_ref FROM licensing_applications WHERE case_id = $1 LIMIT 1`, [
      caseId,
    ]);
    return app?.application_ref ?? null;
  }
}
