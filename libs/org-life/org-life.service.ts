import { HttpStatus, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isAdmin, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { Clock } from '../engine/clock';
import { PolicyStore } from '../policy/policy-store';
import { inScope, scopePrefixes } from '../registry/scope';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { ImportFileError, ImportRow, IMPORT_MAX_BYTES, parseRows, readTable, Refusal } from './org-life-import';
import { OrgLifeWatchService } from './org-life-watch.service';
import { OrgLifeRepository, RecordingOrg } from './org-life.repository';
import { maskIdNumber } from '../registry/id-number';
import {
  behindOn,
  duesAmountProblem,
  duesMembershipDay,
  duesMonthProblem,
  KindCompliance,
  meetingDayProblem,
  MeetingKind,
  MEETING_KIND_TITLES,
  membershipProblem,
  OrgLifeSettings,
  parseOrgLifeSettings,
  quarterCompliance,
  quarterMonths,
  RECORDING_ORG_TYPES,
  shanghaiDay,
  shanghaiMonth,
  addMonths,
  monthEnd,
} from './org-life.rules';

export interface MeetingRequest {
  orgId: string;
  kind: MeetingKind;
  heldOn: string;
  topic: string;
  attendees: string[];
  absences: { memberId: string; reason: string }[];
}

export interface DuesRequest {
  orgId: string;
  month: string;
  paid: { memberId: string; amount: number }[];
}

export interface ImportReport {
  imported: boolean;
  format: 'xlsx' | 'csv';
  /** data rows in the file (blank rows not counted) */
  rows: number;
  /** rows that passed every check (written only when no row was refused) */
  accepted: number;
  refused: Refusal[];
  meetings: number;
  attendances: number;
  absences: number;
  duesPayments: number;
}

const one = <T>(xs: T[]) => [...new Set(xs)];

/**
 * Records of organizational life (组织生活): meetings with attendance and absences, dues by month, entered
 * by the clerks of a branch (or of a committee above it) or imported from a spreadsheet all-or-nothing; and
 * the per-quarter compliance report. Every member named in a record must have been a party member of that
 * branch on the day, as the registry had it then.
 */
@Injectable()
export class OrgLifeService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: OrgLifeRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly policies: PolicyStore,
    private readonly clock: Clock,
    private readonly watch: OrgLifeWatchService,
  ) {}

  /** A malformed `orgLife` section in any policy stops the start, like any other policy error. */
  onModuleInit() {
    for (const p of this.policies.list()) {
      const parsed = parseOrgLifeSettings(this.policies.orgLife(p));
      if ('problems' in parsed) throw new Error(`policy ${p.id}: ${parsed.problems.join('; ')}`);
    }
  }

  /** The organizational-life settings in force for a region on a day. */
  settingsFor(regionCode: string, at: Date): OrgLifeSettings {
    const parsed = parseOrgLifeSettings(this.policies.orgLife(this.policies.select(regionCode, at)));
    if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
    return parsed;
  }

  /** The organization a clerk records for: visible (else 404), a branch, and the caller a clerk at or above it. */
  private async recordingOrg(principal: Principal, orgId: string): Promise<RecordingOrg> {
    const org = isUuid(orgId) ? await this.repo.org(orgId) : undefined;
    if (!org || !inScope(org.path, await scopePrefixes(this.orgs, principal))) throw AppError.notFound('党组织');
    if (!isAdmin(principal) && !principal.roles.some((r) => r.role === 'clerk' && org.path.includes(`/${r.orgId}/`)))
      throw AppError.forbidden('只有本组织或上级党组织的工作人员可以登记组织生活');
    if (!RECORDING_ORG_TYPES.includes(org.type))
      throw AppError.rule('组织生活记录须登记在党支部、联合党支部或党总支', { orgType: org.type });
    return org;
  }

  async recordMeeting(principal: Principal, req: MeetingRequest) {
    const org = await this.recordingOrg(principal, req.orgId);
    const now = this.clock.now();
    const problems: string[] = [];
    const dayProblem = meetingDayProblem(req.heldOn, shanghaiDay(now));
    if (dayProblem) throw AppError.rule(dayProblem);
    const absentIds = req.absences.map((a) => a.memberId);
    const both = req.attendees.filter((id) => absentIds.includes(id));
    if (both.length)
      throw AppError.validation([{ field: 'absences', errors: [`党员既出席又缺席：${both.join('、')}`] }]);
    const ids = one([...req.attendees, ...absentIds]);
    if (ids.length !== req.attendees.length + absentIds.length)
      throw AppError.validation([{ field: 'attendees', errors: ['同一党员重复出现'] }]);
    const then = new Map((await this.repo.membershipOn(ids, req.heldOn)).map((m) => [m.id, m]));
    for (const id of ids) {
      const p = membershipProblem(id, then.get(id), org.id, req.heldOn);
      if (p) problems.push(p);
    }
    if (problems.length) throw AppError.rule(`会议记录中有党员不能登记：${problems.join('；')}`, { problems });
    const id = await this.ds.transaction((em) =>
      this.repo.insertMeeting(em, {
        orgId: org.id,
        kind: req.kind,
        heldOn: req.heldOn,
        topic: req.topic,
        source: 'api',
        recordedBy: { userId: principal.userId, username: principal.username },
        at: now,
        participants: [
          ...req.attendees.map((memberId) => ({ memberId, attended: true, reason: null })),
          ...req.absences.map((a) => ({ memberId: a.memberId, attended: false, reason: a.reason })),
        ],
      }),
    );
    if (!id)
      throw new AppError(
        HttpStatus.CONFLICT,
        'DUPLICATE',
        `本组织 ${req.heldOn} 的${MEETING_KIND_TITLES[req.kind]}“${req.topic}”已登记`,
      );
    await this.watch.ensureFor(org.id);
    return {
      id,
      orgId: org.id,
      kind: req.kind,
      heldOn: req.heldOn,
      topic: req.topic,
      attendees: req.attendees.length,
      absences: req.absences.length,
      recordedAt: now.toISOString(),
    };
  }

  async recordDues(principal: Principal, req: DuesRequest) {
    const org = await this.recordingOrg(principal, req.orgId);
    const now = this.clock.now();
    const monthProblem = duesMonthProblem(req.month, shanghaiMonth(now));
    if (monthProblem) throw AppError.rule(monthProblem);
    const ids = req.paid.map((p) => p.memberId);
    if (one(ids).length !== ids.length) throw AppError.validation([{ field: 'paid', errors: ['同一党员重复出现'] }]);
    const amountProblems = req.paid.map((p) => duesAmountProblem(p.amount)).filter(Boolean) as string[];
    if (amountProblems.length) throw AppError.validation([{ field: 'paid', errors: amountProblems }]);
    const day = duesMembershipDay(req.month, shanghaiDay(now));
    const then = new Map((await this.repo.membershipOn(ids, day)).map((m) => [m.id, m]));
    const problems = ids.map((id) => membershipProblem(id, then.get(id), org.id, day)).filter(Boolean) as string[];
    if (problems.length) throw AppError.rule(`党费记录中有党员不能登记：${problems.join('；')}`, { problems });
    const recordedBy = { userId: principal.userId, username: principal.username };
    const inserted = await this.ds.transaction(async (em) => {
      const existing = await this.repo.existingDues(
        ids.map((memberId) => ({ memberId, month: req.month })),
        em,
      );
      if (existing.length)
        throw new AppError(
          HttpStatus.CONFLICT,
          'DUPLICATE',
          `${existing.map((e) => then.get(e.memberId)?.name ?? e.memberId).join('、')} ${req.month} 的党费已登记`,
          { memberIds: existing.map((e) => e.memberId) },
        );
      return this.repo.insertDues(
        em,
        req.paid.map((p) => ({
          orgId: org.id,
          month: req.month,
          memberId: p.memberId,
          amount: p.amount,
          source: 'api',
          recordedBy,
          at: now,
        })),
      );
    });
    await this.watch.ensureFor(org.id);
    return { orgId: org.id, month: req.month, recorded: inserted, recordedAt: now.toISOString() };
  }

  /**
   * Imports a file of meetings and dues for one branch, all-or-nothing: every row is checked (its own shape,
   * the member by ID number and name, their membership on the day, duplicates in the file and in the
   * records) and nothing is written unless every row passes. Refused rows come back with their reasons.
   */
  async importFile(
    principal: Principal,
    orgId: string,
    file: { buffer: Buffer; originalname?: string; mimetype?: string; size: number },
    opts: { dryRun?: boolean } = {},
  ): Promise<ImportReport> {
    const org = await this.recordingOrg(principal, orgId);
    if (file.size > IMPORT_MAX_BYTES)
      throw new AppError(HttpStatus.PAYLOAD_TOO_LARGE, 'PAYLOAD_TOO_LARGE', '导入文件不能超过 2 MB');
    const format = detectFormat(file);
    if (!format) throw AppError.validation([{ field: 'file', errors: ['只接受 xlsx 或 csv 文件'] }]);
    let parsed: ReturnType<typeof parseRows>;
    try {
      parsed = parseRows(await readTable(file.buffer, format));
    } catch (e) {
      if (e instanceof ImportFileError) throw AppError.validation([{ field: 'file', errors: [e.message] }], e.message);
      throw e;
    }
    if (!parsed.dataRows)
      throw AppError.validation([{ field: 'file', errors: ['文件中没有数据行'] }], '文件中没有数据行');
    const now = this.clock.now();
    const today = shanghaiDay(now);
    const refused: Refusal[] = [...parsed.refused];
    const refuse = (row: number, reason: string) => refused.push({ row, reason });
    const byNumber = new Map(
      (await this.repo.byIdNumbers(one(parsed.rows.map((r) => r.idNumber)))).map((m) => [m.idNumber, m]),
    );

    // the member of each row, known and named as the registry has them
    const rows: (ImportRow & { memberId: string })[] = [];
    for (const r of parsed.rows) {
      const m = byNumber.get(r.idNumber);
      if (!m) refuse(r.row, `身份证号 ${maskIdNumber(r.idNumber)} 未在党员信息库中登记`);
      else if (m.name !== r.name) refuse(r.row, `姓名“${r.name}”与信息库中该身份证号的姓名不符`);
      else rows.push({ ...r, memberId: m.id });
    }
    // rule per row: the day or month, the membership then, duplicates in the file
    const checked: typeof rows = [];
    const seenMeetingMember = new Set<string>();
    const seenDues = new Set<string>();
    const current = shanghaiMonth(now);
    const membershipCache = new Map<
      string,
      Map<string, Awaited<ReturnType<OrgLifeRepository['membershipOn']>>[number]>
    >();
    const membership = async (day: string, ids: string[]) => {
      if (!membershipCache.has(day))
        membershipCache.set(day, new Map((await this.repo.membershipOn(ids, day)).map((m) => [m.id, m])));
      return membershipCache.get(day)!;
    };
    const allIds = one(rows.map((r) => r.memberId));
    for (const r of rows) {
      if (r.type === 'meeting') {
        const p = meetingDayProblem(r.heldOn, today);
        if (p) {
          refuse(r.row, p);
          continue;
        }
        const key = `${r.kind}|${r.heldOn}|${r.topic}|${r.memberId}`;
        if (seenMeetingMember.has(key)) {
          refuse(r.row, `同一会议中该党员重复出现`);
          continue;
        }
        seenMeetingMember.add(key);
        const mp = membershipProblem(
          r.memberId,
          (await membership(r.heldOn, allIds)).get(r.memberId),
          org.id,
          r.heldOn,
        );
        if (mp) {
          refuse(r.row, mp);
          continue;
        }
      } else {
        const p = duesMonthProblem(r.month, current);
        if (p) {
          refuse(r.row, p);
          continue;
        }
        const key = `${r.month}|${r.memberId}`;
        if (seenDues.has(key)) {
          refuse(r.row, `该党员 ${r.month} 的党费在文件中重复出现`);
          continue;
        }
        seenDues.add(key);
        const day = duesMembershipDay(r.month, today);
        const mp = membershipProblem(r.memberId, (await membership(day, allIds)).get(r.memberId), org.id, day);
        if (mp) {
          refuse(r.row, mp);
          continue;
        }
      }
      checked.push(r);
    }
    // against what is already recorded
    const meetings = new Map<string, { kind: MeetingKind; heldOn: string; topic: string; rows: typeof checked }>();
    for (const r of checked)
      if (r.type === 'meeting') {
        const k = `${r.kind}|${r.heldOn}|${r.topic}`;
        if (!meetings.has(k)) meetings.set(k, { kind: r.kind, heldOn: r.heldOn, topic: r.topic, rows: [] });
        meetings.get(k)!.rows.push(r);
      }
    const existing = new Set(
      (await this.repo.existingMeetings(org.id, [...meetings.values()])).map((m) => `${m.kind}|${m.heldOn}|${m.topic}`),
    );
    const duesRows = checked.filter((r): r is Extract<typeof r, { type: 'dues' }> => r.type === 'dues');
    const paidAlready = new Set(
      (await this.repo.existingDues(duesRows.map((r) => ({ memberId: r.memberId, month: r.month })))).map(
        (d) => `${d.month}|${d.memberId}`,
      ),
    );
    let accepted = 0;
    for (const [k, m] of meetings)
      if (existing.has(k))
        for (const r of m.rows)
          refuse(r.row, `本组织 ${m.heldOn} 的${MEETING_KIND_TITLES[m.kind]}“${m.topic}”已登记，不能重复导入`);
      else accepted += m.rows.length;
    for (const r of duesRows)
      if (paidAlready.has(`${r.month}|${r.memberId}`)) refuse(r.row, `该党员 ${r.month} 的党费已登记`);
      else accepted++;

    refused.sort((a, b) => a.row - b.row);
    const newMeetings = [...meetings.entries()].filter(([k]) => !existing.has(k)).map(([, m]) => m);
    const report: ImportReport = {
      imported: false,
      format,
      rows: parsed.dataRows,
      accepted,
      refused,
      meetings: newMeetings.length,
      attendances: newMeetings.reduce((n, m) => n + m.rows.filter((r) => r.type === 'meeting' && r.attended).length, 0),
      absences: newMeetings.reduce((n, m) => n + m.rows.filter((r) => r.type === 'meeting' && !r.attended).length, 0),
      duesPayments: duesRows.filter((r) => !paidAlready.has(`${r.month}|${r.memberId}`)).length,
    };
    if (refused.length)
      throw AppError.rule(`导入未执行：${refused.length} 行被拒绝（见 details.refused），文件中的记录均未导入`, report);
    if (opts.dryRun) return report;

    const recordedBy = { userId: principal.userId, username: principal.username };
    await this.ds.transaction(async (em) => {
      for (const m of newMeetings) {
        const id = await this.repo.insertMeeting(em, {
          orgId: org.id,
          kind: m.kind,
          heldOn: m.heldOn,
          topic: m.topic,
          source: 'import',
          recordedBy,
          at: now,
          participants: m.rows.map((r) => ({
            memberId: r.memberId,
            attended: r.type === 'meeting' && r.attended,
            reason: r.type === 'meeting' ? r.reason : null,
          })),
        });
        // recorded by someone else since the check: the whole import rolls back
        if (!id)
          throw new AppError(
            HttpStatus.CONFLICT,
            'DUPLICATE',
            `本组织 ${m.heldOn} 的${MEETING_KIND_TITLES[m.kind]}“${m.topic}”刚被登记，导入未执行`,
          );
      }
      const n = await this.repo.insertDues(
        em,
        duesRows.map((r) => ({
          orgId: org.id,
          month: r.month,
          memberId: r.memberId,
          amount: r.amount,
          source: 'import',
          recordedBy,
          at: now,
        })),
      );
      if (n !== duesRows.length)
        throw new AppError(HttpStatus.CONFLICT, 'DUPLICATE', '部分党费刚被登记，导入未执行，请重新导入');
    });
    await this.watch.ensureFor(org.id);
    return { ...report, imported: true };
  }

  /** A member's organizational life: meetings attended or missed (with reasons) and dues by month. */
  async memberRecord(principal: Principal, memberId: string) {
    const [member] = isUuid(memberId) ? await this.repo.membershipOn([memberId], shanghaiDay(this.clock.now())) : [];
    const path = member ? (await this.orgs.pathsOf([member.orgId]))[0] : undefined;
    if (!member || !path || !inScope(path, await scopePrefixes(this.orgs, principal))) throw AppError.notFound('党员');
    const [meetings, dues] = await Promise.all([
      this.repo.meetingsOfMember(memberId),
      this.repo.duesOfMember(memberId),
    ]);
    return {
      memberId,
      name: member.name,
      orgId: member.orgId,
      meetings: meetings.map((m) => ({ ...m, kindTitle: MEETING_KIND_TITLES[m.kind] })),
      dues: dues.map((d) => ({ month: d.month, orgId: d.orgId, amount: Number(d.amount) })),
      lastAttended: meetings.filter((m) => m.attended).at(-1)?.heldOn ?? null,
      lastDuesMonth: dues.at(-1)?.month ?? null,
    };
  }

  /**
   * Per branch under `orgId` (in the caller's scope): meetings held per kind in the quarter against what the
   * policy of the branch's region requires, the months whose dues were recorded, and the party members
   * without any recorded participation in the quarter.
   */
  async complianceReport(principal: Principal, q: { year: number; quarter: number; orgId?: string }) {
    const prefixes = await scopePrefixes(this.orgs, principal);
    let under = prefixes;
    if (q.orgId) {
      const org = isUuid(q.orgId) ? await this.repo.org(q.orgId) : undefined;
      if (!org || !inScope(org.path, prefixes)) throw AppError.notFound('党组织');
      under = [`${org.path}%`];
    }
    const rows = await this.complianceOf(under, q.year, q.quarter, this.clock.now());
    return { year: q.year, quarter: q.quarter, asOf: shanghaiDay(this.clock.now()), branches: rows };
  }

  /** The compliance of every recording organization under the prefixes, for one quarter, as of `now`. */
  async complianceOf(prefixes: string[], year: number, quarter: number, now: Date) {
    const orgs = await this.repo.recordingOrgsUnder(prefixes, RECORDING_ORG_TYPES);
    const ids = orgs.map((o) => o.id);
    const months = quarterMonths(year, quarter);
    const from = `${months[0]}-01`;
    const to = monthEnd(months[2]);
    const today = shanghaiDay(now);
    const [meetings, groupYear, dues, idle] = await Promise.all([
      this.repo.meetingsBetween(ids, `${year}-01-01`, `${year}-12-31`),
      // party groups are not in the registry: a branch that held a group meeting in the last 12 months has them
      this.repo.meetingsBetween(ids, `${addMonths(months[0], -9)}-01`, to),
      this.repo.duesMonthsOf(ids, months),
      this.repo.withoutParticipation(ids, from, to < today ? to : today),
    ]);
    return orgs.map((o) => {
      const settings = this.settingsFor(o.regionCode, now);
      const kinds: KindCompliance[] = quarterCompliance({
        year,
        quarter,
        today,
        settings,
        meetings: meetings.filter((m) => m.orgId === o.id),
        hasCommittee: o.fullMembers >= settings.committeeMinFullMembers,
        hasGroups: groupYear.some((m) => m.orgId === o.id && m.kind === 'group'),
      });
      const behind = behindOn(kinds);
      const duesMonthsPaid = dues.find((d) => d.orgId === o.id)?.months ?? [];
      return {
        orgId: o.id,
        name: o.name,
        type: o.type,
        members: o.members,
        fullMembers: o.fullMembers,
        meetings: kinds,
        duesMonthsPaid,
        membersWithoutParticipation: idle
          .filter((m) => m.orgId === o.id)
          .map((m) => ({ memberId: m.memberId, name: m.name })),
        compliant: behind.length === 0,
        behindOn: behind.map((k) => k.kind),
        // nothing entered for the quarter (no meeting, no dues): a branch not yet keeping its records here is
        // not thereby one that held nothing, and a supervisor tells the two apart
        recordedInQuarter:
          duesMonthsPaid.length > 0 || meetings.some((m) => m.orgId === o.id && months.includes(m.heldOn.slice(0, 7))),
      };
    });
  }
}

function detectFormat(file: { originalname?: string; mimetype?: string; buffer: Buffer }): 'xlsx' | 'csv' | null {
  const name = (file.originalname ?? '').toLowerCase();
  // an xlsx is a zip archive: trust its magic bytes over the name
  const zip = file.buffer.length >= 4 && file.buffer.readUInt32LE(0) === 0x04034b50;
  if (zip) return name.endsWith('.csv') ? null : 'xlsx';
  if (name.endsWith('.csv') || /text\/csv|text\/plain|application\/csv/.test(file.mimetype ?? '')) return 'csv';
  return null;
}
