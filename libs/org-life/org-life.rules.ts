/**
 * Pure rules of organizational life (组织生活): what a meeting or a dues payment must satisfy to be
 * recorded, what the regulation requires of a branch in a quarter, and when a member counts as inactive.
 * No I/O: the service loads the registry facts and the records, these functions decide, and the unit tests
 * (org-life.rules.spec.ts) check each rule on its own.
 */
import { DateTime } from 'luxon';
import { isIsoDate } from '../common/iso-date.validator';

export const MEETING_KINDS = ['member_meeting', 'committee', 'group', 'lecture', 'theme_day'] as const;
export type MeetingKind = (typeof MEETING_KINDS)[number];

export const MEETING_KIND_TITLES: Record<MeetingKind, string> = {
  member_meeting: '党员大会',
  committee: '支委会',
  group: '党小组会',
  lecture: '党课',
  theme_day: '主题党日',
};

/** What a clerk may write in an import file's 会议类型 column (the usual long and short names). */
const KIND_ALIASES: Record<string, MeetingKind> = {
  党员大会: 'member_meeting',
  支部党员大会: 'member_meeting',
  党支部党员大会: 'member_meeting',
  支委会: 'committee',
  支部委员会: 'committee',
  党支部委员会会议: 'committee',
  支委会会议: 'committee',
  党小组会: 'group',
  党小组会议: 'group',
  党课: 'lecture',
  主题党日: 'theme_day',
};

/** The kind named by a Chinese title or an API key, or null. */
export function parseMeetingKind(text: string): MeetingKind | null {
  const t = text.trim();
  if ((MEETING_KINDS as readonly string[]).includes(t)) return t as MeetingKind;
  return KIND_ALIASES[t] ?? null;
}

/** Organizations that hold organizational life and keep its records. */
export const RECORDING_ORG_TYPES = ['branch', 'joint_branch', 'general_branch'];

/** Statuses of a party member (probationary members take part in organizational life and pay dues too). */
export const PARTY_MEMBER_STATUSES = ['probationary', 'full'];

/** A member as the registry had them on a day. */
export interface MembershipThen {
  id: string;
  name: string;
  orgId: string;
  status: string;
}

/**
 * Why a member cannot appear in a record of `orgId` on `day` (null when they can): they must be a party
 * member (probationary or full) of exactly that organization on that day, as the registry had it then.
 */
export function membershipProblem(
  memberId: string,
  then: MembershipThen | undefined,
  orgId: string,
  day: string,
): string | null {
  if (!then) return `党员 ${memberId} 不存在`;
  if (then.orgId !== orgId) return `${then.name} 在 ${day} 不属于本组织`;
  if (!PARTY_MEMBER_STATUSES.includes(then.status)) return `${then.name} 在 ${day} 不是党员（状态：${then.status}）`;
  return null;
}

/** Today (Asia/Shanghai) as YYYY-MM-DD. */
export function shanghaiDay(at: Date): string {
  return DateTime.fromJSDate(at, { zone: 'Asia/Shanghai' }).toISODate()!;
}

/** YYYY-MM of an instant in Asia/Shanghai. */
export function shanghaiMonth(at: Date): string {
  return shanghaiDay(at).slice(0, 7);
}

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
export const isMonth = (v: unknown): v is string => typeof v === 'string' && MONTH_RE.test(v);

/** `month` shifted by `n` months (YYYY-MM). */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const i = y * 12 + (m - 1) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** Whole months from `a` to `b` (b − a). */
export function monthsBetween(a: string, b: string): number {
  const [ya, ma] = a.split('-').map(Number);
  const [yb, mb] = b.split('-').map(Number);
  return yb * 12 + mb - (ya * 12 + ma);
}

/** Last day of a month (YYYY-MM-DD). */
export function monthEnd(month: string): string {
  return DateTime.fromISO(`${month}-01`).endOf('month').toISODate()!;
}

/** How far ahead dues may be paid (预交): the current month and the next eleven. */
export const DUES_MONTHS_AHEAD = 11;

/** Why a meeting day cannot be recorded today (null when it can). */
export function meetingDayProblem(heldOn: string, today: string): string | null {
  if (!isIsoDate(heldOn) || heldOn.length !== 10) return `会议日期 ${heldOn} 不是有效日期（YYYY-MM-DD）`;
  if (heldOn > today) return `会议日期 ${heldOn} 晚于今天（${today}），不能登记尚未召开的会议`;
  if (heldOn < '2000-01-01') return `会议日期 ${heldOn} 早于 2000 年`;
  return null;
}

/** Why dues for `month` cannot be recorded in `current` (null when they can). */
export function duesMonthProblem(month: string, current: string): string | null {
  if (!isMonth(month)) return `党费月份 ${month} 不是有效月份（YYYY-MM）`;
  if (month < '2000-01') return `党费月份 ${month} 早于 2000 年`;
  if (monthsBetween(current, month) > DUES_MONTHS_AHEAD)
    return `党费月份 ${month} 超出可预交范围（至多预交至 ${addMonths(current, DUES_MONTHS_AHEAD)}）`;
  return null;
}

/** The day on which a dues payer's membership is checked: the month's last day, or today for a later month. */
export function duesMembershipDay(month: string, today: string): string {
  const end = monthEnd(month);
  return end > today ? today : end;
}

/** Why an amount cannot be a dues payment (null when it can): positive, at most 2 decimals, a sane ceiling. */
export function duesAmountProblem(amount: unknown): string | null {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return '党费金额须为数字';
  if (amount <= 0) return `党费金额须大于 0（${amount}）`;
  if (amount > 1_000_000) return `党费金额 ${amount} 超出上限`;
  if (Math.round(amount * 100) !== Number((amount * 100).toFixed(6))) return `党费金额 ${amount} 至多两位小数`;
  return null;
}

// ------------------------------------------------------------------------------------------ compliance

/** How often a kind of meeting is required, and of which branches (policy `orgLife.requirements`). */
export interface MeetingRequirement {
  /** the period in which `count` meetings are due */
  per: 'month' | 'quarter' | 'year';
  count: number;
  /**
   * `all` branches; `with_committee`: only branches that have a committee (≥ `committeeMinFullMembers` full
   * members, 支部工作条例 art. 20); `with_groups`: only branches that have party groups — the registry does
   * not record groups, so a branch that recorded a group meeting in the last 12 months is taken to have them.
   */
  appliesTo: 'all' | 'with_committee' | 'with_groups';
}

export interface OrgLifeSettings {
  requirements: Partial<Record<MeetingKind, MeetingRequirement>>;
  committeeMinFullMembers: number;
  /** days before a quarter's last day at which branches still behind are reminded */
  reminderDaysBeforeQuarterEnd: number;
  /** consecutive months without participation after which the detector flags a member (党章 art. 9: 6) */
  inactivityMonths: number;
  /** whether an absence recorded with a reason (请假) counts as taking part that month (党章: 没有正当理由) */
  excusedAbsenceCounts: boolean;
}

export const DEFAULT_ORG_LIFE_SETTINGS: OrgLifeSettings = {
  requirements: {
    member_meeting: { per: 'quarter', count: 1, appliesTo: 'all' },
    committee: { per: 'month', count: 1, appliesTo: 'with_committee' },
    group: { per: 'month', count: 1, appliesTo: 'with_groups' },
    lecture: { per: 'quarter', count: 1, appliesTo: 'all' },
    theme_day: { per: 'month', count: 1, appliesTo: 'all' },
  },
  committeeMinFullMembers: 7,
  reminderDaysBeforeQuarterEnd: 15,
  inactivityMonths: 6,
  excusedAbsenceCounts: true,
};

/** The three months of a quarter (YYYY-MM). */
export function quarterMonths(year: number, quarter: number): string[] {
  return [0, 1, 2].map((i) => `${year}-${String((quarter - 1) * 3 + i + 1).padStart(2, '0')}`);
}

export function quarterOf(month: string): { year: number; quarter: number } {
  const [y, m] = month.split('-').map(Number);
  return { year: y, quarter: Math.floor((m - 1) / 3) + 1 };
}

export interface KindCompliance {
  kind: MeetingKind;
  title: string;
  /** false when the requirement does not apply to this branch (no committee, no groups) */
  applies: boolean;
  per: MeetingRequirement['per'];
  /** meetings required over the quarter (a yearly requirement is checked over the whole year) */
  required: number;
  held: number;
  /** the periods (YYYY-MM, or the quarter / year) that have passed, or end this quarter, without enough meetings */
  missing: string[];
  met: boolean;
}

/**
 * Meetings held per kind against what the settings require of this branch in one quarter, as of `today`.
 * A monthly requirement is met only when every month of the quarter had its meeting (three in one month
 * do not make up for an empty one); months not yet begun are not counted as missing, so a report in the
 * middle of the quarter says what is still to do.
 */
export function quarterCompliance(input: {
  year: number;
  quarter: number;
  today: string;
  settings: OrgLifeSettings;
  /** meeting kind and day of the branch's meetings in the quarter (a yearly requirement: in the year) */
  meetings: { kind: MeetingKind; heldOn: string }[];
  hasCommittee: boolean;
  hasGroups: boolean;
}): KindCompliance[] {
  const months = quarterMonths(input.year, input.quarter);
  const currentMonth = input.today.slice(0, 7);
  const out: KindCompliance[] = [];
  for (const kind of MEETING_KINDS) {
    const req = input.settings.requirements[kind];
    const ofKind = input.meetings.filter((m) => m.kind === kind);
    const inQuarter = ofKind.filter((m) => months.includes(m.heldOn.slice(0, 7)));
    if (!req) {
      out.push({
        kind,
        title: MEETING_KIND_TITLES[kind],
        applies: false,
        per: 'quarter',
        required: 0,
        held: inQuarter.length,
        missing: [],
        met: true,
      });
      continue;
    }
    const applies =
      req.appliesTo === 'all' ||
      (req.appliesTo === 'with_committee' && input.hasCommittee) ||
      (req.appliesTo === 'with_groups' && input.hasGroups);
    let required: number;
    let held = inQuarter.length;
    const missing: string[] = [];
    if (req.per === 'month') {
      required = req.count * 3;
      for (const m of months) {
        if (m > currentMonth) continue;
        // the current month is still running: it is missing only if the quarter ends with it
        const n = ofKind.filter((x) => x.heldOn.startsWith(m)).length;
        if (n < req.count) missing.push(m);
      }
    } else if (req.per === 'quarter') {
      required = req.count;
      if (held < req.count && months[0] <= currentMonth) missing.push(`${input.year}Q${input.quarter}`);
    } else {
      required = req.count;
      held = ofKind.filter((m) => m.heldOn.startsWith(String(input.year))).length;
      if (held < req.count && input.quarter === 4 && months[0] <= currentMonth) missing.push(String(input.year));
    }
    out.push({
      kind,
      title: MEETING_KIND_TITLES[kind],
      applies,
      per: req.per,
      required: applies ? required : 0,
      held,
      missing: applies ? missing : [],
      met: !applies || missing.length === 0,
    });
  }
  return out;
}

/** Kinds a branch is behind on (applies and something is missing). */
export const behindOn = (c: KindCompliance[]) => c.filter((k) => k.applies && !k.met);

/**
 * The quarter whose end-of-quarter reminder is due on `today`: from `daysBefore` days before its last day up
 * to that day (the daily run sends it once, on the first run in that span, so a missed day does not lose it).
 */
export function quarterReminderDue(
  today: string,
  daysBefore: number,
): { year: number; quarter: number; quarterEnd: string } | null {
  const { year, quarter } = quarterOf(today.slice(0, 7));
  const quarterEnd = monthEnd(quarterMonths(year, quarter)[2]);
  const from = DateTime.fromISO(quarterEnd).minus({ days: daysBefore }).toISODate()!;
  return today >= from && today <= quarterEnd ? { year, quarter, quarterEnd } : null;
}

/** What a branch behind on its quarter is told (title and body of the notification). */
export function quarterReminderText(
  year: number,
  quarter: number,
  quarterEnd: string,
  branchName: string,
  behind: KindCompliance[],
): { title: string; body: string } {
  const items = behind.map(
    (k) =>
      `${k.title}（应 ${k.required} 次，已 ${k.held} 次${k.missing.length ? `，缺 ${k.missing.join('、')}` : ''}）`,
  );
  return {
    title: `【组织生活提醒】${year}年第${quarter}季度组织生活尚未落实`,
    body: `${branchName}：本季度至今，${items.join('；')}。季度末为 ${quarterEnd}，请按《中国共产党支部工作条例（试行）》及时召开并登记。`,
  };
}

// ------------------------------------------------------------------------------------------ inactivity

/** What the detector knows of one member: the months (YYYY-MM) with each kind of participation. */
export interface ParticipationFacts {
  /** months in which the member attended a meeting of their branch */
  attended: string[];
  /** months in which the member was absent with a recorded reason */
  excused: string[];
  /** months the member's dues were paid for */
  duesPaid: string[];
  /** first month the member is accountable in their current branch (joined it, or became a member) */
  since: string;
}

export interface InactivityFinding {
  /** first month of the window (the streak's start, or a later block of `months` after an earlier flag) */
  windowStart: string;
  windowEnd: string;
  months: string[];
  lastAttended: string | null;
  lastExcused: string | null;
  lastDuesPaid: string | null;
}

/**
 * Whether a member has gone `months` consecutive whole months without any participation — no meeting
 * attended, no excused absence (when it counts) and no dues paid — up to the last completed month before
 * `today`'s month, and nothing yet this month. The window is the streak's first `months` months, or a later
 * block of `months` within the same streak, so that flags are stable (idempotent per member and window)
 * day after day, and a member still inactive after a dismissed flag is flagged again a window later.
 * Months before `since` (before the member joined the branch) are never counted.
 */
export function findInactivity(
  facts: ParticipationFacts,
  today: string,
  settings: Pick<OrgLifeSettings, 'inactivityMonths' | 'excusedAbsenceCounts'>,
): InactivityFinding | null {
  const n = settings.inactivityMonths;
  const current = today.slice(0, 7);
  const active = new Set([
    ...facts.attended,
    ...facts.duesPaid,
    ...(settings.excusedAbsenceCounts ? facts.excused : []),
  ]);
  if (active.has(current)) return null;
  let start = addMonths(current, -1);
  // walk back over the empty months, never before the member was accountable here
  let length = 0;
  while (start >= facts.since && !active.has(start)) {
    length++;
    start = addMonths(start, -1);
  }
  if (length < n) return null;
  const streakStart = addMonths(start, 1);
  const blocks = Math.floor(length / n);
  const windowStart = addMonths(streakStart, (blocks - 1) * n);
  const months = Array.from({ length: n }, (_, i) => addMonths(windowStart, i));
  const last = (xs: string[]) =>
    [...xs]
      .filter((x) => x < windowStart)
      .sort()
      .at(-1) ?? null;
  return {
    windowStart,
    windowEnd: months[n - 1],
    months,
    lastAttended: last(facts.attended),
    lastExcused: last(facts.excused),
    lastDuesPaid: last(facts.duesPaid),
  };
}

/**
 * The two grounds of 党章 art. 9 the records can show, each on its own: "连续六个月不参加党的组织生活，
 * **或**不交纳党费，**或**不做党所分配的工作". A member who pays dues but never attends is inactive, and so
 * is one who attends but has paid nothing for six months (assigned work is recorded nowhere).
 */
export type InactivityGround = 'org_life' | 'dues';

/** The facts of one member for the detector, each ground counted from when it can be known. */
export interface GroundFacts {
  /** months in which the member attended a meeting of their branch */
  attended: string[];
  /** months in which the member was absent with a recorded reason */
  excused: string[];
  /** months the member's dues were paid for */
  duesPaid: string[];
  /**
   * First month the member's meetings can be judged: the later of when they joined the branch (or were
   * registered) and the branch's first recorded meeting. Null: the branch records no meetings here, so
   * nothing can be concluded from their absence.
   */
  orgLifeSince: string | null;
  /** Likewise for dues: the later of joining and the branch's first recorded dues month; null when none. */
  duesSince: string | null;
}

export type GroundFinding = InactivityFinding & { ground: InactivityGround };

/**
 * Every ground on which the member has gone `inactivityMonths` consecutive whole months (before `today`'s
 * month) without the participation it requires: no meeting attended (or excused, when that counts) for
 * `org_life`; no dues paid for `dues`. Windows are stable day after day (see `findInactivity`).
 */
export function findInactivityGrounds(
  facts: GroundFacts,
  today: string,
  settings: Pick<OrgLifeSettings, 'inactivityMonths' | 'excusedAbsenceCounts'>,
): GroundFinding[] {
  const out: GroundFinding[] = [];
  if (facts.orgLifeSince) {
    const f = findInactivity(
      { attended: facts.attended, excused: facts.excused, duesPaid: [], since: facts.orgLifeSince },
      today,
      settings,
    );
    if (f) out.push({ ...f, lastDuesPaid: lastBefore(facts.duesPaid, f.windowStart), ground: 'org_life' });
  }
  if (facts.duesSince) {
    const f = findInactivity({ attended: [], excused: [], duesPaid: facts.duesPaid, since: facts.duesSince }, today, {
      ...settings,
      excusedAbsenceCounts: false,
    });
    if (f)
      out.push({
        ...f,
        lastAttended: lastBefore(facts.attended, f.windowStart),
        lastExcused: lastBefore(facts.excused, f.windowStart),
        ground: 'dues',
      });
  }
  return out;
}

const lastBefore = (xs: string[], month: string) =>
  [...xs]
    .filter((x) => x < month)
    .sort()
    .at(-1) ?? null;

/** The evidence of a finding in words, as the review task and the report show it. */
export function describeFinding(f: GroundFinding, months: number, meetingsHeldInWindow?: number): string {
  const span = `${f.windowStart} 至 ${f.windowEnd}`;
  if (f.ground === 'org_life') {
    const held = meetingsHeldInWindow === undefined ? '' : `，期间支部召开会议 ${meetingsHeldInWindow} 次`;
    const last = f.lastAttended ? `最近一次参加组织生活为 ${f.lastAttended}` : '此前无参加组织生活的记录';
    return `连续${months}个月（${span}）未参加党的组织生活${held}；${last}`;
  }
  const last = f.lastDuesPaid ? `最近一次交纳的是 ${f.lastDuesPaid} 的党费` : '此前无交纳党费的记录';
  return `连续${months}个月（${span}）未交纳党费；${last}`;
}

/** The later of two months, either possibly null (null only when both are). */
export const laterMonth = (a: string | null, b: string | null) => (a && b ? (a > b ? a : b) : (a ?? b));

// ------------------------------------------------------------------------------------------ settings

const PERIODS = ['month', 'quarter', 'year'];
const APPLIES = ['all', 'with_committee', 'with_groups'];

/**
 * A policy's `orgLife` section (already merged along its chain) over the defaults, checked: the problems
 * found are returned instead, so a malformed policy file stops the process at start.
 */
export function parseOrgLifeSettings(raw: Record<string, unknown>): OrgLifeSettings | { problems: string[] } {
  const problems: string[] = [];
  const known = [
    '$comment',
    'requirements',
    'committeeMinFullMembers',
    'reminderDaysBeforeQuarterEnd',
    'inactivityMonths',
    'excusedAbsenceCounts',
  ];
  for (const k of Object.keys(raw)) if (!known.includes(k)) problems.push(`orgLife: unknown field "${k}"`);
  const int = (k: string, min: number, max: number) => {
    const v = raw[k];
    if (v === undefined) return;
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max)
      problems.push(`orgLife.${k} must be an integer ${min}–${max}`);
  };
  int('committeeMinFullMembers', 1, 100);
  int('reminderDaysBeforeQuarterEnd', 0, 80);
  int('inactivityMonths', 1, 24);
  if (raw.excusedAbsenceCounts !== undefined && typeof raw.excusedAbsenceCounts !== 'boolean')
    problems.push('orgLife.excusedAbsenceCounts must be true or false');
  const requirements: OrgLifeSettings['requirements'] = { ...DEFAULT_ORG_LIFE_SETTINGS.requirements };
  if (raw.requirements !== undefined) {
    if (typeof raw.requirements !== 'object' || raw.requirements === null || Array.isArray(raw.requirements))
      problems.push('orgLife.requirements must be an object keyed by meeting kind');
    else
      for (const [kind, r] of Object.entries(raw.requirements as Record<string, any>)) {
        const where = `orgLife.requirements.${kind}`;
        if (!(MEETING_KINDS as readonly string[]).includes(kind)) {
          problems.push(`${where}: unknown meeting kind`);
          continue;
        }
        if (r === null) {
          delete requirements[kind as MeetingKind];
          continue;
        }
        if (typeof r !== 'object' || Array.isArray(r)) {
          problems.push(`${where} must be { per, count, appliesTo } or null`);
          continue;
        }
        for (const k of Object.keys(r))
          if (!['per', 'count', 'appliesTo'].includes(k)) problems.push(`${where}: unknown field "${k}"`);
        if (!PERIODS.includes(r.per)) problems.push(`${where}.per must be month, quarter or year`);
        if (!Number.isInteger(r.count) || r.count < 1 || r.count > 31)
          problems.push(`${where}.count must be an integer 1–31`);
        if (r.appliesTo !== undefined && !APPLIES.includes(r.appliesTo))
          problems.push(`${where}.appliesTo must be all, with_committee or with_groups`);
        requirements[kind as MeetingKind] = { per: r.per, count: r.count, appliesTo: r.appliesTo ?? 'all' };
      }
  }
  if (problems.length) return { problems };
  return {
    requirements,
    committeeMinFullMembers:
      (raw.committeeMinFullMembers as number) ?? DEFAULT_ORG_LIFE_SETTINGS.committeeMinFullMembers,
    reminderDaysBeforeQuarterEnd:
      (raw.reminderDaysBeforeQuarterEnd as number) ?? DEFAULT_ORG_LIFE_SETTINGS.reminderDaysBeforeQuarterEnd,
    inactivityMonths: (raw.inactivityMonths as number) ?? DEFAULT_ORG_LIFE_SETTINGS.inactivityMonths,
    excusedAbsenceCounts: (raw.excusedAbsenceCounts as boolean) ?? DEFAULT_ORG_LIFE_SETTINGS.excusedAbsenceCounts,
  };
}
