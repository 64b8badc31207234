import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { IdNumberCipher } from '../common/id-number-cipher';
import type { MeetingKind, MembershipThen } from './org-life.rules';

export interface RecordingOrg {
  id: string;
  name: string;
  type: string;
  path: string;
  regionCode: string;
}

export interface MeetingInsert {
  orgId: string;
  kind: MeetingKind;
  heldOn: string;
  topic: string;
  source: 'api' | 'import' | 'demo';
  recordedBy: { userId: string; username: string };
  at: Date;
  participants: { memberId: string; attended: boolean; reason: string | null }[];
}

export interface DuesInsert {
  orgId: string;
  month: string;
  memberId: string;
  amount: number;
  source: 'api' | 'import' | 'demo';
  recordedBy: { userId: string; username: string };
  at: Date;
}

/** A member's organizational-life record as read back. */
export interface MemberMeetingRow {
  meetingId: string;
  orgId: string;
  kind: MeetingKind;
  heldOn: string;
  topic: string;
  attended: boolean;
  absenceReason: string | null;
}

/**
 * Organizational-life records: meetings (`org_meetings`), their attendance (`org_meeting_participants`)
 * and dues payments (`dues_payments`), and the registry reads these records are checked against.
 */
@Injectable()
export class OrgLifeRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly idNumbers: IdNumberCipher,
  ) {}

  private db(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  async org(id: string): Promise<RecordingOrg | undefined> {
    const [row] = await this.ds.query(
      `SELECT id, name, type, path, region_code AS "regionCode" FROM orgs WHERE id = $1`,
      [id],
    );
    return row;
  }

  /**
   * These members as the registry had them at the end of `day` (Asia/Shanghai): today's row with every later
   * organization or status change undone (member_changes keeps the old values). Unknown ids are left out.
   */
  async membershipOn(ids: string[], day: string, em?: EntityManager): Promise<MembershipThen[]> {
    if (!ids.length) return [];
    return this.db(em).query(
      `WITH cutoff AS (SELECT (($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AS t)
       SELECT m.id, m.name,
         coalesce((SELECT c.old_value FROM member_changes c, cutoff WHERE c.member_id = m.id AND c.field = 'status' AND c.at >= cutoff.t ORDER BY c.at, c.id LIMIT 1), m.status) AS status,
         coalesce((SELECT c.old_value FROM member_changes c, cutoff WHERE c.member_id = m.id AND c.field = 'org_id' AND c.at >= cutoff.t ORDER BY c.at, c.id LIMIT 1), m.org_id::text) AS "orgId"
       FROM members m WHERE m.id = ANY($1::uuid[])`,
      [ids, day],
    );
  }

  /**
   * Members registered under these ID numbers (id, name, and the ID number as asked), found through the blind
   * index: the stored numbers are sealed.
   */
  async byIdNumbers(idNumbers: string[]): Promise<{ id: string; name: string; idNumber: string }[]> {
    if (!idNumbers.length) return [];
    const byIndex = new Map(idNumbers.map((n) => [this.idNumbers.blindIndex(n), n]));
    const rows: { id: string; name: string; blindIndex: string }[] = await this.ds.query(
      `SELECT id, name, id_number_blind_index AS "blindIndex" FROM members WHERE id_number_blind_index = ANY($1::text[])`,
      [[...byIndex.keys()]],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, idNumber: byIndex.get(r.blindIndex)! }));
  }

  /** Which of these (kind, day, topic) meetings the organization has already recorded. */
  async existingMeetings(
    orgId: string,
    meetings: { kind: string; heldOn: string; topic: string }[],
    em?: EntityManager,
  ): Promise<{ kind: string; heldOn: string; topic: string }[]> {
    if (!meetings.length) return [];
    return this.db(em).query(
      `SELECT m.kind, to_char(m.held_on, 'YYYY-MM-DD') AS "heldOn", m.topic FROM org_meetings m
       JOIN unnest($2::text[], $3::date[], $4::text[]) AS x(kind, held_on, topic)
         ON m.kind = x.kind AND m.held_on = x.held_on AND m.topic = x.topic
       WHERE m.org_id = $1`,
      [orgId, meetings.map((m) => m.kind), meetings.map((m) => m.heldOn), meetings.map((m) => m.topic)],
    );
  }

  /** Which of these (member, month) dues are already recorded. */
  async existingDues(pairs: { memberId: string; month: string }[], em?: EntityManager) {
    if (!pairs.length) return [];
    const rows: { memberId: string; month: string }[] = await this.db(em).query(
      `SELECT d.member_id AS "memberId", to_char(d.month, 'YYYY-MM') AS month FROM dues_payments d
       JOIN unnest($1::uuid[], $2::date[]) AS x(member_id, month) ON d.member_id = x.member_id AND d.month = x.month`,
      [pairs.map((p) => p.memberId), pairs.map((p) => `${p.month}-01`)],
    );
    return rows;
  }

  /**
   * Inserts a meeting with its participants; null when the organization already has this (kind, day, topic)
   * meeting (the unique key decides, also between two clerks at once).
   */
  async insertMeeting(em: EntityManager, m: MeetingInsert): Promise<string | null> {
    const [row] = await em.query(
      `INSERT INTO org_meetings (org_id, kind, held_on, topic, source, recorded_by, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, kind, held_on, topic) DO NOTHING RETURNING id`,
      [m.orgId, m.kind, m.heldOn, m.topic, m.source, m.recordedBy, m.at],
    );
    if (!row) return null;
    if (m.participants.length)
      await em.query(
        `INSERT INTO org_meeting_participants (meeting_id, member_id, attended, absence_reason)
         SELECT $1, * FROM unnest($2::uuid[], $3::boolean[], $4::text[])`,
        [
          row.id,
          m.participants.map((p) => p.memberId),
          m.participants.map((p) => p.attended),
          m.participants.map((p) => p.reason),
        ],
      );
    return row.id;
  }

  /** Inserts dues payments; returns how many were new (a pair already recorded is skipped, not doubled). */
  async insertDues(em: EntityManager, rows: DuesInsert[]): Promise<number> {
    if (!rows.length) return 0;
    const [{ n }]: { n: number }[] = await em.query(
      `WITH ins AS (INSERT INTO dues_payments (member_id, month, org_id, amount, source, recorded_by, recorded_at)
       SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::numeric[], $5::text[], $6::jsonb[], $7::timestamptz[])
       ON CONFLICT (member_id, month) DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [
        rows.map((r) => r.memberId),
        rows.map((r) => `${r.month}-01`),
        rows.map((r) => r.orgId),
        rows.map((r) => r.amount),
        rows.map((r) => r.source),
        rows.map((r) => JSON.stringify(r.recordedBy)),
        rows.map((r) => r.at),
      ],
    );
    return n;
  }

  /** A member's meetings (attended or absent), oldest first. */
  async meetingsOfMember(memberId: string): Promise<MemberMeetingRow[]> {
    return this.ds.query(
      `SELECT m.id AS "meetingId", m.org_id AS "orgId", m.kind, to_char(m.held_on, 'YYYY-MM-DD') AS "heldOn", m.topic,
              p.attended, p.absence_reason AS "absenceReason"
       FROM org_meeting_participants p JOIN org_meetings m ON m.id = p.meeting_id
       WHERE p.member_id = $1 ORDER BY m.held_on, m.kind, m.id`,
      [memberId],
    );
  }

  /** A member's dues payments, oldest month first. */
  async duesOfMember(memberId: string): Promise<{ month: string; orgId: string; amount: string }[]> {
    return this.ds.query(
      `SELECT to_char(month, 'YYYY-MM') AS month, org_id AS "orgId", amount::text AS amount FROM dues_payments
       WHERE member_id = $1 ORDER BY month`,
      [memberId],
    );
  }

  /**
   * The organizations that keep organizational-life records in the subtrees of `prefixes`, with their full
   * and party members now and the policy region.
   */
  async recordingOrgsUnder(
    prefixes: string[],
    types: string[],
  ): Promise<{ id: string; name: string; type: string; regionCode: string; fullMembers: number; members: number }[]> {
    return this.ds.query(
      `SELECT o.id, o.name, o.type, o.region_code AS "regionCode",
         (SELECT count(*)::int FROM members m WHERE m.org_id = o.id AND m.status = 'full') AS "fullMembers",
         (SELECT count(*)::int FROM members m WHERE m.org_id = o.id AND m.status IN ('full','probationary')) AS members
       FROM orgs o WHERE o.path LIKE ANY($1) AND o.type = ANY($2::text[]) ORDER BY o.path`,
      [prefixes, types],
    );
  }

  /** Meetings (org, kind, day) of these organizations between two days inclusive. */
  async meetingsBetween(
    orgIds: string[],
    from: string,
    to: string,
  ): Promise<{ orgId: string; kind: MeetingKind; heldOn: string }[]> {
    if (!orgIds.length) return [];
    return this.ds.query(
      `SELECT org_id AS "orgId", kind, to_char(held_on, 'YYYY-MM-DD') AS "heldOn" FROM org_meetings
       WHERE org_id = ANY($1::uuid[]) AND held_on BETWEEN $2 AND $3`,
      [orgIds, from, to],
    );
  }

  /** Per organization: the months (of those given) for which at least one member's dues were recorded. */
  async duesMonthsOf(orgIds: string[], months: string[]): Promise<{ orgId: string; months: string[] }[]> {
    if (!orgIds.length) return [];
    return this.ds.query(
      `SELECT org_id AS "orgId", array_agg(DISTINCT to_char(month, 'YYYY-MM') ORDER BY to_char(month, 'YYYY-MM')) AS months
       FROM dues_payments WHERE org_id = ANY($1::uuid[]) AND month = ANY($2::date[]) GROUP BY org_id`,
      [orgIds, months.map((m) => `${m}-01`)],
    );
  }

  /**
   * Current party members of these organizations with no recorded participation between two days: no
   * meeting attended, no excused absence and no dues for a month in the span.
   */
  async withoutParticipation(
    orgIds: string[],
    from: string,
    to: string,
  ): Promise<{ orgId: string; memberId: string; name: string }[]> {
    if (!orgIds.length) return [];
    return this.ds.query(
      `SELECT m.org_id AS "orgId", m.id AS "memberId", m.name FROM members m
       WHERE m.org_id = ANY($1::uuid[]) AND m.status IN ('full','probationary')
         AND NOT EXISTS (SELECT 1 FROM org_meeting_participants p JOIN org_meetings g ON g.id = p.meeting_id
                         WHERE p.member_id = m.id AND g.held_on BETWEEN $2 AND $3)
         AND NOT EXISTS (SELECT 1 FROM dues_payments d WHERE d.member_id = m.id AND d.month BETWEEN date_trunc('month', $2::date) AND $3)
       ORDER BY m.org_id, m.name, m.id`,
      [orgIds, from, to],
    );
  }
}
