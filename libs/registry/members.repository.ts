import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { IdNumberCipher } from '../common/id-number-cipher';
import type { MemberStatus } from './registry.types';

/** What a search term that is a whole resident ID number looks like (it is then matched through the blind index). */
const RESIDENT_ID_SHAPE = /^\d{17}[\dXx]$/;

const MEMBER_COLUMNS = `m.id, m.name, m.gender, m.id_number AS "idNumber", to_char(m.birth_date, 'YYYY-MM-DD') AS "birthDate", m.license_no AS "licenseNo",
  m.firm_id AS "firmId", m.org_id AS "orgId", m.status, to_char(m.joined_on, 'YYYY-MM-DD') AS "joinedOn", m.pending_verification AS "pendingVerification",
  m.duplicate_of AS "duplicateOf"`;

/** What a procedure knows about a member who is the subject of a case. */
export interface MemberFacts {
  id: string;
  name: string;
  orgId: string;
  status: MemberStatus;
  firmId: string | null;
  birthDate: string;
  /** the path of the member's organization */
  path: string;
}

export interface MemberFilter {
  orgId?: string;
  status?: string;
  q?: string;
  page?: number;
  pageSize?: number;
  /** only registrations kept as duplicates of another member */
  duplicates?: 'true' | 'false';
}

/** Party members (`members`) and the receipts of their transfers (`transfer_receipts`). */
@Injectable()
export class MembersRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly idNumbers: IdNumberCipher,
  ) {}

  private db(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  /** A row of MEMBER_COLUMNS with its ID number opened (it is stored sealed). */
  private opened<T extends { idNumber: string }>(row: T): T;
  private opened<T extends { idNumber: string }>(row: T | undefined): T | undefined;
  private opened<T extends { idNumber: string }>(row: T | undefined): T | undefined {
    return row && { ...row, idNumber: this.idNumbers.open(row.idNumber) };
  }

  /**
   * A page of members of the subtrees of `prefixes`, by name; `total` counts all matches. `q` matches part of
   * a name, a whole licence number or a whole ID number (through its blind index: the stored one is sealed).
   */
  async page(prefixes: string[], q: MemberFilter): Promise<{ rows: any[]; total: number }> {
    const pageSize = q.pageSize ?? 50;
    const offset = ((q.page ?? 1) - 1) * pageSize;
    const byIdNumber = q.q && RESIDENT_ID_SHAPE.test(q.q.trim()) ? this.idNumbers.blindIndex(q.q) : null;
    const rows: any[] = await this.ds.query(
      `SELECT ${MEMBER_COLUMNS}, count(*) OVER ()::int AS total FROM members m JOIN orgs o ON o.id = m.org_id
       WHERE o.path LIKE ANY($1) AND ($2::uuid IS NULL OR m.org_id = $2) AND ($3::text IS NULL OR m.status = $3)
         AND ($4::text IS NULL OR m.name LIKE '%' || $4 || '%' OR m.license_no = $4 OR m.id_number_blind_index = $6)
         AND (NOT $5::boolean OR m.duplicate_of IS NOT NULL)
       ORDER BY m.name, m.id LIMIT ${Number(pageSize)} OFFSET ${Number(offset)}`,
      [prefixes, q.orgId ?? null, q.status ?? null, q.q ?? null, q.duplicates === 'true', byIdNumber],
    );
    const total = rows[0]?.total ?? 0;
    for (const r of rows) delete r.total;
    return { rows: rows.map((r) => this.opened(r)), total };
  }

  /** One member with the path of their organization (for the visibility check), or undefined. */
  async findWithPath(id: string, em?: EntityManager) {
    const [row] = await this.db(em).query(
      `SELECT ${MEMBER_COLUMNS}, o.path FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = $1`,
      [id],
    );
    return this.opened(row);
  }

  /** A member as a case about them sees it. */
  async facts(em: EntityManager, id: string): Promise<MemberFacts | undefined> {
    const [row] = await em.query(
      `SELECT m.id, m.name, m.org_id AS "orgId", m.status, m.firm_id AS "firmId", m.birth_date AS "birthDate", o.path
       FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = $1`,
      [id],
    );
    return row;
  }

  /** A member's registered birth date (YYYY-MM-DD), or null. */
  async birthDate(em: EntityManager, id: string): Promise<string | null> {
    const [row] = await em.query(`SELECT to_char(birth_date, 'YYYY-MM-DD') AS d FROM members WHERE id = $1`, [id]);
    return row?.d ?? null;
  }

  /** A member's registered status, or null. */
  async status(em: EntityManager, id: string): Promise<MemberStatus | null> {
    const [row] = await em.query(`SELECT status FROM members WHERE id = $1`, [id]);
    return row?.status ?? null;
  }

  /**
   * Every registration under this ID number or licence number (the member, then any duplicate records of
   * it), with the path of its organization.
   */
  async findDuplicates(
    idNumber: string,
    licenseNo: string | null,
  ): Promise<{ id: string; path: string; duplicateOf: string | null }[]> {
    return this.ds.query(
      `SELECT m.id, o.path, m.duplicate_of AS "duplicateOf" FROM members m JOIN orgs o ON o.id = m.org_id
       WHERE m.id_number_blind_index = $1 OR ($2::text IS NOT NULL AND m.license_no = $2)
       ORDER BY m.duplicate_of IS NOT NULL, m.created_at, m.id`,
      [this.idNumbers.blindIndex(idNumber), licenseNo],
    );
  }

  async insert(dto: {
    name: string;
    gender?: string | null;
    idNumber: string;
    birthDate: string;
    licenseNo?: string | null;
    firmId?: string | null;
    orgId: string;
    status: string;
    duplicateOf?: string | null;
  }): Promise<string> {
    const [row] = await this.ds.query(
      `INSERT INTO members (name, gender, id_number, id_number_blind_index, birth_date, license_no, firm_id, org_id, status, duplicate_of)
       VALUES ($1, $2, $3, $10, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        dto.name,
        dto.gender ?? null,
        this.idNumbers.seal(dto.idNumber),
        dto.birthDate,
        dto.licenseNo ?? null,
        dto.firmId ?? null,
        dto.orgId,
        dto.status,
        dto.duplicateOf ?? null,
        this.idNumbers.blindIndex(dto.idNumber),
      ],
    );
    return row.id;
  }

  /** Full, probationary and all members of an organization. */
  async countsOfOrg(orgId: string): Promise<{ full: number; probationary: number; total: number }> {
    const [row] = await this.ds.query(
      `SELECT count(*) FILTER (WHERE status = 'full')::int AS full, count(*) FILTER (WHERE status = 'probationary')::int AS probationary,
         count(*)::int AS total FROM members WHERE org_id = $1`,
      [orgId],
    );
    return row;
  }

  async moveToOrg(em: EntityManager, memberId: string, orgId: string, at: Date) {
    await em.query(`UPDATE members SET org_id = $2, updated_at = $3 WHERE id = $1`, [memberId, orgId, at]);
  }

  /** The member's 入党日期, when the registry has none yet (an admission; an imported date is kept). */
  async setJoinedOnWhenMissing(em: EntityManager, memberId: string, joinedOn: string, at: Date) {
    await em.query(`UPDATE members SET joined_on = $2::date, updated_at = $3 WHERE id = $1 AND joined_on IS NULL`, [
      memberId,
      joinedOn,
      at,
    ]);
  }

  async setStatus(em: EntityManager, memberId: string, status: string, at: Date) {
    await em.query(`UPDATE members SET status = $2, updated_at = $3 WHERE id = $1`, [memberId, status, at]);
  }

  /** The receiving organization's receipt of a transfer (the letter came back). */
  async recordTransferReceipt(
    em: EntityManager,
    r: {
      caseId: string;
      memberId: string;
      fromOrgId: string | null;
      toOrgId: string;
      letterNo: string | null;
      at: Date;
    },
  ) {
    await em.query(
      `INSERT INTO transfer_receipts (case_id, member_id, from_org_id, to_org_id, letter_no, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [r.caseId, r.memberId, r.fromOrgId, r.toOrgId, r.letterNo, r.at],
    );
  }

  /** Of these ids, the members not in `orgId` (with their current org). */
  async notInOrg(em: EntityManager, ids: string[], orgId: string): Promise<{ id: string; org_id: string }[]> {
    return em.query(`SELECT id, org_id FROM members WHERE id = ANY($1::uuid[]) AND org_id <> $2`, [ids, orgId]);
  }

  /** Of these ids, those that are no full member — unknown ids included (they cannot be verified as full). */
  async notFullMembers(em: EntityManager, ids: string[]): Promise<string[]> {
    const rows: { id: string }[] = await em.query(
      `SELECT id FROM members WHERE id = ANY($1::uuid[]) AND status <> 'full'`,
      [ids],
    );
    const known: { id: string }[] = await em.query(`SELECT id FROM members WHERE id = ANY($1::uuid[])`, [ids]);
    const unknown = ids.filter((id) => !known.some((k) => k.id === id));
    return [...rows.map((r) => r.id), ...unknown];
  }

  /** Ids of the full members of an organization, ordered. */
  async fullMemberIdsOf(em: EntityManager, orgId: string | undefined): Promise<string[]> {
    const rows: { id: string }[] = await em.query(
      `SELECT id FROM members WHERE org_id = $1 AND status = 'full' ORDER BY id`,
      [orgId],
    );
    return rows.map((r) => r.id);
  }

  // ---------------------------------------------------------------- party disciplines (留党察看)

  /** Records a party discipline in force on a member, in the transaction of the case that decided it. */
  async insertPartyDiscipline(
    em: EntityManager,
    d: { memberId: string; kind: 'party_probation'; fromOn: string; untilOn: string; caseId: string; at: Date },
  ): Promise<void> {
    await em.query(
      `INSERT INTO member_party_disciplines (member_id, kind, from_on, until_on, case_id, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [d.memberId, d.kind, d.fromOn, d.untilOn, d.caseId, d.at],
    );
  }

  /** Of these ids, the members under 留党察看 on `day` (YYYY-MM-DD), with the day their rights come back. */
  async onPartyProbation(
    em: EntityManager,
    ids: string[],
    day: string,
  ): Promise<{ id: string; name: string; until: string }[]> {
    return em.query(
      `SELECT m.id, m.name, to_char(max(d.until_on), 'YYYY-MM-DD') AS until
       FROM member_party_disciplines d JOIN members m ON m.id = d.member_id
       WHERE d.member_id = ANY($1::uuid[]) AND d.kind = 'party_probation' AND d.from_on <= $2::date AND d.until_on > $2::date
       GROUP BY m.id, m.name ORDER BY m.name, m.id`,
      [ids, day],
    );
  }

  /** The members of an organization under 留党察看 on `day` (YYYY-MM-DD), with the day their rights come back. */
  async orgMembersOnPartyProbation(
    em: EntityManager,
    orgId: string | undefined,
    day: string,
  ): Promise<{ id: string; name: string; until: string }[]> {
    if (!orgId) return [];
    return em.query(
      `SELECT m.id, m.name, to_char(max(d.until_on), 'YYYY-MM-DD') AS until
       FROM member_party_disciplines d JOIN members m ON m.id = d.member_id
       WHERE m.org_id = $1 AND d.kind = 'party_probation' AND d.from_on <= $2::date AND d.until_on > $2::date
       GROUP BY m.id, m.name ORDER BY m.name, m.id`,
      [orgId, day],
    );
  }

  /**
   * The party discipline in force on a member today, by engine time (the shared offset in `engine_clock`, in
   * Beijing time), or undefined.
   */
  async partyDisciplineInForce(
    memberId: string,
  ): Promise<{ kind: string; from: string; until: string; caseId: string | null } | undefined> {
    const [row] = await this.ds.query(
      `WITH today AS (
         SELECT ((now() + coalesce((SELECT offset_ms FROM engine_clock WHERE id = 1), 0) * interval '1 millisecond')
                 AT TIME ZONE 'Asia/Shanghai')::date AS day)
       SELECT d.kind, to_char(d.from_on, 'YYYY-MM-DD') AS "from", to_char(d.until_on, 'YYYY-MM-DD') AS until,
              d.case_id AS "caseId"
       FROM member_party_disciplines d, today
       WHERE d.member_id = $1 AND d.from_on <= today.day AND d.until_on > today.day
       ORDER BY d.until_on DESC LIMIT 1`,
      [memberId],
    );
    return row;
  }

  /** Names of these members. */
  async names(ids: string[]): Promise<{ id: string; name: string }[]> {
    return this.ds.query(`SELECT id, name FROM members WHERE id = ANY($1::uuid[])`, [ids]);
  }
}
