import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { IdNumberCipher } from '../common/id-number-cipher';
import type { PartyOrgRow } from '../engine/party-resolver';
import { runPrepared } from '../persistence/prepared';
import { partyOrgsJsonSql } from '../registry/organizations.repository';

/** A member as the licensing events match and move them (with their organization's path). */
export interface LicensingMemberRow {
  id: string;
  name: string;
  org_id: string;
  status: string;
  license_no: string | null;
  /** the ID number itself (opened: the column holds it sealed) */
  id_number: string;
  firm_id: string | null;
  pending_verification: boolean;
  path: string;
}

/** A firm as the licensing events see it (with the name of its party organization). */
export interface LicensingFirmRow {
  id: string;
  name: string;
  kind: 'firm' | 'branch_office';
  head_firm_id: string | null;
  county: string;
  region_code: string;
  party_org_id: string | null;
  party_org_name?: string | null;
  coverage: string;
  status: string;
  established_on: string | null;
}

const MEMBER_SQL = `SELECT m.id, m.name, m.org_id, m.status, m.license_no, m.id_number, m.firm_id, m.pending_verification, o.path
  FROM members m JOIN orgs o ON o.id = m.org_id`;
const FIRM_SQL = `SELECT id, name, kind, head_firm_id, county, region_code, party_org_id, (SELECT name FROM orgs WHERE orgs.id = firms.party_org_id) AS party_org_name,
  coverage, status, to_char(established_on, 'YYYY-MM-DD') AS established_on FROM firms`;

/** The licence holder first, else the ID number's owner (`lic`, `blind`: the licence number's and the ID number's blind index's placeholders). */
const memberByLicenceOrIdSql = (lic: string, blind: string) =>
  `${MEMBER_SQL} WHERE (m.license_no = ${lic} OR m.id_number_blind_index = ${blind}) AND m.duplicate_of IS NULL
  ORDER BY coalesce(m.license_no = ${lic}, false) DESC LIMIT 1`;
/** $1 licence number, $2 the ID number's blind index. */
const MEMBER_BY_LICENCE_OR_ID = memberByLicenceOrIdSql('$1', '$2');

/** What an application event reads of the registry first: its firms (one or two) and its lawyer. */
export interface FirmsAndLawyerRequest {
  firmIds: string[];
  lawyer: { licenseNo: string; idNumber: string };
}

/** The answer of firmsAndLawyer (see there). */
export interface FirmsAndLawyer {
  firms: LicensingFirmRow[];
  member: LicensingMemberRow | undefined;
  partyOrgs: { covered: string[]; rows: PartyOrgRow[] };
}

/**
 * firmsAndLawyer's statement as parts of a statement — its CTEs `f`, `l` and its columns `firms`, `member`,
 * `party_orgs` — with its parameters appended to `values`: alone (firmsAndLawyer), or riding on the event's
 * insert (LicensingEventsRepository.insertProcessed). The firms' ids are two scalars, not an array:
 * PostgreSQL guesses ten elements for an array parameter, and with that guess the generic plan of the
 * prepared statement looked dearer than planning each call anew, which it then did (0.75 ms a call).
 */
function firmsAndLawyerParts(
  values: unknown[],
  r: FirmsAndLawyerRequest,
  blindIndex: string,
): { ctes: string; columns: string } {
  // an application event names its target firm and at most the one it leaves
  if (r.firmIds.length < 1 || r.firmIds.length > 2) throw new RangeError(`firmsAndLawyer reads one or two firms`);
  const p = (v: unknown) => `$${values.push(v)}`;
  const [lic, blind, first, second] = [p(r.lawyer.licenseNo), p(blindIndex), p(r.firmIds[0]), p(r.firmIds[1] ?? null)];
  return {
    ctes: `f AS (${FIRM_SQL} WHERE id IN (${first}::uuid, ${second}::uuid)), l AS (${memberByLicenceOrIdSql(lic, blind)})`,
    columns: `(SELECT coalesce(json_agg(f), '[]'::json) FROM f) AS firms, (SELECT row_to_json(l) FROM l) AS member,
    ${partyOrgsJsonSql('ARRAY(SELECT org_id FROM l UNION SELECT party_org_id FROM f)')} AS party_orgs`,
  };
}

/**
 * A read that rides on another statement: its parts (parameters appended to `values`), the names of the
 * columns it adds to the statement's row, and its answer from that row.
 */
export interface RidingRead<T> {
  parts(values: unknown[]): { ctes: string; columns: string };
  names: readonly string[];
  answer(row: Record<string, unknown>): T;
}

/**
 * What the licensing integration reads and writes of the registry (members, firms, organizations) and of
 * member_disciplines — always in the event's transaction. The registry's own repositories serve the console;
 * these statements are the licensing side's view of the same tables (matching lawyers by licence and ID
 * number, firms created from an event, the member's firm following a licence decision).
 */
@Injectable()
export class LicensingRegistryRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly idNumbers: IdNumberCipher,
  ) {}

  /** A member row with its ID number opened. */
  private opened(row: LicensingMemberRow | undefined): LicensingMemberRow | undefined {
    return row && { ...row, id_number: this.idNumbers.open(row.id_number) };
  }

  // ---------------------------------------------------------------- members

  async memberById(em: EntityManager, id: string): Promise<LicensingMemberRow | undefined> {
    const [member] = await em.query(`${MEMBER_SQL} WHERE m.id = $1`, [id]);
    return this.opened(member);
  }

  /** The member holding this licence number, else the one with this ID number (duplicates merged away are skipped). */
  async memberByLicenceOrIdNumber(
    em: EntityManager,
    licenseNo: string,
    idNumber: string,
  ): Promise<LicensingMemberRow | undefined> {
    const [member] = await em.query(`${MEMBER_BY_LICENCE_OR_ID}`, [licenseNo, this.idNumbers.blindIndex(idNumber)]);
    return this.opened(member);
  }

  /**
   * The firms (as firmsByIds) and the lawyer (as memberByLicenceOrIdNumber) in one round trip: what an
   * application event reads of the registry before it opens anything. With them, the organizations a case
   * about the lawyer would start its parties from — the lawyer's and each firm's party organization — with
   * their ancestors and the organization departments (`partyOrgs`, as the engine's party resolution reads
   * them, for `covered`), so the opening reads neither the member nor the org tree again.
   */
  async firmsAndLawyer(
    em: EntityManager,
    firmIds: string[],
    lawyer: FirmsAndLawyerRequest['lawyer'],
  ): Promise<FirmsAndLawyer> {
    const read = this.firmsAndLawyerRead({ firmIds, lawyer });
    const values: unknown[] = [];
    const { ctes, columns } = read.parts(values);
    // prepared: planning this statement cost PostgreSQL more than running it, on every event
    const [row] = await runPrepared(this.ds, em, 'pf_lic_firms_lawyer', `WITH ${ctes} SELECT ${columns}`, values);
    return read.answer(row);
  }

  /** firmsAndLawyer as a read that rides on another statement (the event's insert). */
  firmsAndLawyerRead(r: FirmsAndLawyerRequest): RidingRead<FirmsAndLawyer> {
    return {
      parts: (values) => firmsAndLawyerParts(values, r, this.idNumbers.blindIndex(r.lawyer.idNumber)),
      names: ['firms', 'member', 'party_orgs'],
      answer: (row) => {
        // every column read is text, uuid or boolean, so the JSON forms are the driver's own values
        const firms = row.firms as LicensingFirmRow[];
        const member = (row.member ?? undefined) as LicensingMemberRow | undefined;
        // the ids the statement asked the tree for (a firm without a party organization adds none)
        const covered = [member?.org_id, ...firms.map((f) => f.party_org_id)].filter((id): id is string => !!id);
        return { firms, member: this.opened(member), partyOrgs: { covered, rows: row.party_orgs as PartyOrgRow[] } };
      },
    };
  }

  /** Records a licence number on a member without one, unless another member already holds it. */
  async fillLicenceNo(em: EntityManager, memberId: string, licenseNo: string, now: Date): Promise<void> {
    await em.query(
      `UPDATE members SET license_no = $2, updated_at = $3 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM members WHERE license_no = $2)`,
      [memberId, licenseNo, now],
    );
  }

  /**
   * A lawyer unknown to the registry who declares party membership: a full member pending verification, held
   * by `orgId`. A concurrent event that created the same person first wins: its row is returned.
   */
  async createPendingMember(
    em: EntityManager,
    m: { name: string; gender: 'male' | 'female'; idNumber: string; birthDate: string; licenseNo: string },
    orgId: string,
    now: Date,
  ): Promise<LicensingMemberRow> {
    const [row] = await em.query(
      `INSERT INTO members (name, gender, id_number, id_number_blind_index, birth_date, license_no, org_id, status, pending_verification, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'full', true, $8, $8) ON CONFLICT DO NOTHING RETURNING id`,
      [
        m.name,
        m.gender,
        this.idNumbers.seal(m.idNumber),
        this.idNumbers.blindIndex(m.idNumber),
        m.birthDate,
        m.licenseNo,
        orgId,
        now,
      ],
    );
    const [member] = row
      ? await em.query(`${MEMBER_SQL} WHERE m.id = $1`, [row.id])
      : await em.query(
          `${MEMBER_SQL} WHERE (m.id_number_blind_index = $1 OR m.license_no = $2) AND m.duplicate_of IS NULL`,
          [this.idNumbers.blindIndex(m.idNumber), m.licenseNo],
        );
    return this.opened(member)!;
  }

  /** The lawyer now practises at `firmId` (a licence decision); the licence number is filled in when missing. */
  async setPractice(
    em: EntityManager,
    memberId: string,
    firmId: string,
    licenseNo: string | null,
    now: Date,
  ): Promise<void> {
    await em.query(
      `UPDATE members SET firm_id = $2, license_no = coalesce(license_no, $3), updated_at = $4 WHERE id = $1`,
      [memberId, firmId, licenseNo, now],
    );
  }

  /** The lawyer no longer practises at a firm (practice cancelled). */
  async clearPractice(em: EntityManager, memberId: string, now: Date): Promise<void> {
    await em.query(`UPDATE members SET firm_id = NULL, updated_at = $2 WHERE id = $1`, [memberId, now]);
  }

  // ---------------------------------------------------------------- organizations

  /** The nearest city committee above (or at) an organization path. */
  async cityCommitteeAbove(em: EntityManager, path: string): Promise<{ id: string; name: string } | undefined> {
    const [city] = await em.query(
      `SELECT id, name FROM orgs WHERE type = 'city_committee' AND id = ANY(string_to_array(trim(both '/' from $1), '/')::uuid[]) ORDER BY length(path) DESC LIMIT 1`,
      [path],
    );
    return city;
  }

  /** The region code of the oldest county committee of a county (by name). */
  async countyRegionCode(em: EntityManager, county: string): Promise<string | undefined> {
    const [row] = await em.query(
      `SELECT region_code FROM orgs WHERE type = 'county_committee' AND county = $1 ORDER BY created_at LIMIT 1`,
      [county],
    );
    return row?.region_code;
  }

  // ---------------------------------------------------------------- firms

  async firmById(em: EntityManager, id: string): Promise<LicensingFirmRow | undefined> {
    const [firm] = await em.query(`${FIRM_SQL} WHERE id = $1`, [id]);
    return firm;
  }

  /** The oldest firm of that name that is not closed. */
  async openFirmByName(em: EntityManager, name: string): Promise<LicensingFirmRow | undefined> {
    const [firm] = await em.query(`${FIRM_SQL} WHERE name = $1 AND status <> 'closed' ORDER BY created_at LIMIT 1`, [
      name,
    ]);
    return firm;
  }

  async firmsByIds(em: EntityManager, ids: string[]): Promise<LicensingFirmRow[]> {
    return em.query(`${FIRM_SQL} WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async firmExists(em: EntityManager, id: string): Promise<boolean> {
    const [head] = await em.query(`SELECT id FROM firms WHERE id = $1`, [id]);
    return !!head;
  }

  /** The party organization of a firm that has its own branch (what a branch office's branch reports to). */
  async ownBranchOrgOf(em: EntityManager, firmId: string): Promise<string | null> {
    const [head] = await em.query(`SELECT party_org_id FROM firms WHERE id = $1 AND coverage = 'branch'`, [firmId]);
    return head?.party_org_id ?? null;
  }

  /** A firm the licensing side announced, without party coverage yet (uncovered from its establishment). */
  async insertFirm(
    em: EntityManager,
    f: {
      id: string;
      name: string;
      kind: string;
      headFirmId: string | null;
      county: string;
      regionCode: string;
      directorName: string;
      status: 'pending' | 'active';
      establishedOn: string | null;
      uncoveredSince: Date | null;
    },
  ): Promise<LicensingFirmRow> {
    const [row] = await em.query(
      `INSERT INTO firms (id, name, kind, head_firm_id, county, region_code, director_name, coverage, status, established_on, uncovered_since)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'none', $8, $9, $10) RETURNING id`,
      [
        f.id,
        f.name,
        f.kind,
        f.headFirmId,
        f.county,
        f.regionCode,
        f.directorName,
        f.status,
        f.establishedOn,
        f.uncoveredSince,
      ],
    );
    return (await this.firmById(em, row.id))!;
  }

  /** A firm under review is established: active, and uncovered from then on if it has no party coverage. */
  async establishFirm(em: EntityManager, firmId: string, establishedOn: string, at: Date): Promise<void> {
    await em.query(
      `UPDATE firms SET status = 'active', established_on = $2, uncovered_since = CASE WHEN coverage = 'none' THEN coalesce(uncovered_since, $3) END WHERE id = $1`,
      [firmId, establishedOn, at],
    );
  }

  // ---------------------------------------------------------------- disciplines and cases

  /** Records a 行业处分 (member unknown to the registry: null); returns its id. */
  async insertDiscipline(
    em: EntityManager,
    d: {
      memberId: string | null;
      licenseNo: string;
      lawyerName: string;
      eventId: string;
      sanction: string;
      reason: string | null;
      decidedOn: string;
      authority: string | null;
      recordedAt: Date;
    },
  ): Promise<string> {
    const [row] = await em.query(
      `INSERT INTO member_disciplines (member_id, license_no, lawyer_name, event_id, sanction, reason, decided_on, authority, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [d.memberId, d.licenseNo, d.lawyerName, d.eventId, d.sanction, d.reason, d.decidedOn, d.authority, d.recordedAt],
    );
    return row.id;
  }

  async linkDisciplineToCase(em: EntityManager, disciplineId: string, caseId: string): Promise<void> {
    await em.query(`UPDATE member_disciplines SET case_id = $2 WHERE id = $1`, [disciplineId, caseId]);
  }

  /** An open case of `workflow` about this firm. */
  async openCaseOfFirm(em: EntityManager, workflow: string, firmId: string): Promise<string | undefined> {
    const [open] = await em.query(
      `SELECT id FROM cases WHERE workflow = $1 AND status = 'open' AND subject_firm_id = $2 LIMIT 1`,
      [workflow, firmId],
    );
    return open?.id;
  }

  /** An open case of `workflow` about this member. */
  async openCaseOfMember(em: EntityManager, workflow: string, memberId: string): Promise<string | undefined> {
    const [open] = await em.query(
      `SELECT id FROM cases WHERE workflow = $1 AND status = 'open' AND subject_member_id = $2 LIMIT 1`,
      [workflow, memberId],
    );
    return open?.id;
  }

  /** A case's status and state, row-locked for the event's transaction. */
  async lockCase(em: EntityManager, caseId: string): Promise<{ status: string; state: unknown }> {
    const [c] = await em.query(`SELECT status, state FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
    return c;
  }
}
