import { DateTime } from 'luxon';
import type { DeadlineSpec, DurationUnit } from '../../workflows/kernel/definition';
import { isDateOnly, toShanghai, WorkingCalendar } from './working-calendar';

/** A policy's replacement for a definition's default span. */
export interface DeadlineOverride {
  amount: number;
  unit: DurationUnit;
}

export interface DeadlineContext {
  /** When the case entered the state (engine clock, ISO instant). */
  enteredAt: string;
  /** The machine context; `context` anchors are read from it by dotted path. */
  context: object;
}

/** Engine settings of the policy (see `libs/policy`); defaults: 5 wd, 09:00. */
export interface DeadlineEngineSettings {
  /** Working days between the first escalation (at due) and the second one. Default 5. */
  escalationSecondLevelWd?: number;
  /** Local hour (Asia/Shanghai) at which reminders land. Default 9. */
  reminderHour?: number;
}

export interface DeadlineOptions {
  /** Policy id shown in the rule text, e.g. `cn-2014`. */
  policyId?: string;
  /** Workflow key shown in the rule text, e.g. `membership-transfer`. */
  workflowKey?: string;
  engine?: DeadlineEngineSettings;
}

export interface ComputedReminder {
  at: string;
  /** The `remindAt` fraction this reminder stands for. */
  fraction: number;
  provisional: boolean;
}

export interface ComputedEscalation {
  at: string;
  /** 1 = the upper committee, 2 = the supervisor of that committee. */
  level: 1 | 2;
  provisional: boolean;
}

export interface ComputedDeadline {
  /** ISO instant (Asia/Shanghai offset) at which the deadline passes. */
  dueAt: string;
  /** True when `dueAt` was counted across a year without statutory data (recompute when it arrives). */
  provisional: boolean;
  /** Human-readable Chinese rule, e.g. `5个工作日（自进入本环节起，政策 cn-2014 membership-transfer.release_review.due）`. */
  rule: string;
  /** Ascending, de-duplicated; none before the anchor or the entry into the state. */
  reminders: ComputedReminder[];
  /** Empty when `spec.escalate === false`. */
  escalations: ComputedEscalation[];
  /** The span actually used (after the policy override). */
  amount: number;
  unit: DurationUnit;
  /** The instant counting started from (a date-only anchor is its 00:00 Asia/Shanghai). */
  anchorAt: string;
}

const UNITS: readonly DurationUnit[] = ['wd', 'd', 'm'];
const DEFAULT_REMIND_AT = [0.7, 1];

/** `5个工作日`, `30天`, `3个月`. */
export function describeSpan(amount: number, unit: DurationUnit): string {
  if (unit === 'wd') return `${amount}个工作日`;
  if (unit === 'd') return `${amount}天`;
  return `${amount}个月`;
}

/** Reads `a.b.c` in an object; undefined when any step is missing. */
export function readPath(obj: unknown, path: string): unknown {
  let cur: any = obj;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = cur[part];
  }
  return cur;
}

function iso(dt: DateTime): string {
  return dt.toISO({ includeOffset: true }) as string;
}

/**
 * Computes a state's deadline, reminders and escalations.
 *
 * - Anchor `entry` = `ctx.enteredAt`; anchor `context` = the date or instant at `spec.anchor.path` in
 *   `ctx.context` (null when missing or not a date).
 * - `wd`: working days on the statutory calendar (counting from the day after the anchor), due at
 *   23:59:59.999 of that working day; `d`: calendar days, end of that day; `m`: calendar months (clamped to
 *   month end), end of that day. Amount 0 with a context anchor means "on that date" (end of day), or at
 *   that very instant when the context value carries a time.
 * - Reminders at each `remindAt` fraction (default [0.7, 1]) of the span: for `wd` the fraction counts
 *   working days (rounded up) and lands at `reminderHour`:00 of that working day; for `d`/`m` it lands at
 *   `reminderHour`:00 of the day the fraction falls on (moved to the next working morning, dropped if that
 *   passes the due date); 1 = `reminderHour`:00 on the due date. For a fixed date (amount 0, context
 *   anchor) the span runs from the entry into the state. Reminders before the anchor or before the entry
 *   into the state are dropped (they would fire at once).
 * - Escalations (unless `spec.escalate === false`): level 1 at `dueAt`, level 2 at `dueAt` +
 *   `escalationSecondLevelWd` working days (same time of day).
 */
export function computeDeadline(
  spec: DeadlineSpec,
  override: DeadlineOverride | undefined,
  ctx: DeadlineContext,
  cal: WorkingCalendar,
  options: DeadlineOptions = {},
): ComputedDeadline | null {
  const amount = override?.amount ?? spec.amount;
  const unit = override?.unit ?? spec.unit;
  if (!UNITS.includes(unit)) throw new RangeError(`deadline ${spec.key}: unknown unit ${JSON.stringify(unit)}`);
  if (!Number.isInteger(amount) || amount < 0)
    throw new RangeError(`deadline ${spec.key}: amount must be a non-negative integer, got ${amount}`);
  const hour = options.engine?.reminderHour ?? 9;
  const secondLevelWd = options.engine?.escalationSecondLevelWd ?? 5;
  if (!Number.isInteger(secondLevelWd) || secondLevelWd < 0)
    throw new RangeError(`escalationSecondLevelWd must be a non-negative integer, got ${secondLevelWd}`);

  const entered = toShanghai(ctx.enteredAt);

  // ---- anchor
  let anchor: DateTime;
  let anchorHasTime: boolean;
  let anchorText = '';
  if (spec.anchor.kind === 'entry') {
    anchor = entered;
    anchorHasTime = true;
  } else {
    const value = readPath(ctx.context, spec.anchor.path);
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) return null;
      anchor = toShanghai(value);
      anchorHasTime = true;
    } else if (typeof value === 'string' && value.trim() !== '') {
      try {
        anchor = toShanghai(value);
      } catch {
        return null;
      }
      anchorHasTime = !isDateOnly(value);
      if (!anchorHasTime) anchor = anchor.startOf('day');
    } else {
      return null;
    }
    anchorText = anchorHasTime ? anchor.toFormat('yyyy-MM-dd HH:mm') : (anchor.toISODate() as string);
  }
  const fixedDate = spec.anchor.kind === 'context' && amount === 0;

  // ---- due
  let dueDate: string;
  let dueAt: string;
  let provisional = false;
  if (fixedDate && anchorHasTime) {
    dueDate = anchor.toISODate() as string;
    dueAt = iso(anchor);
  } else {
    if (unit === 'wd') {
      const r = cal.addWorkingDays(anchor, amount);
      dueDate = r.date;
      provisional = r.provisional;
    } else if (unit === 'd') {
      dueDate = cal.addDays(anchor, amount);
    } else {
      dueDate = cal.addMonths(anchor, amount);
    }
    dueAt = cal.endOfDay(dueDate);
  }
  const due = toShanghai(dueAt);

  // ---- reminders
  const spanStart = fixedDate ? entered : anchor;
  const floor = DateTime.max(spanStart, entered);
  const reminders: ComputedReminder[] = [];
  for (const fraction of spec.remindAt ?? DEFAULT_REMIND_AT) {
    if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1))
      throw new RangeError(`deadline ${spec.key}: remindAt fractions must be within [0, 1], got ${fraction}`);
    let at: DateTime | null;
    let remProvisional: boolean;
    if (fraction === 1) {
      at = DateTime.min(toShanghai(cal.atHour(dueDate, hour)), due);
      remProvisional = provisional;
    } else if (unit === 'wd' && !fixedDate) {
      const k = Math.ceil(fraction * amount - 1e-9);
      const r = cal.addWorkingDays(anchor, k);
      at = toShanghai(cal.atHour(r.date, hour));
      remProvisional = r.provisional;
    } else {
      const point = spanStart.plus({ milliseconds: Math.round(fraction * due.diff(spanStart).toMillis()) });
      at = toShanghai(cal.nextWorkingMorning(point.startOf('day'), hour));
      remProvisional = !cal.hasYear(point.year) || !cal.hasYear(at.year);
      if (at > due) at = null;
    }
    if (!at || at < floor) continue;
    reminders.push({ at: iso(at), fraction, provisional: remProvisional });
  }
  // by time; at the same time the larger fraction wins (a 70 % point that falls on the due day is the due-day reminder)
  reminders.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || b.fraction - a.fraction);
  const uniqueReminders = reminders.filter((r, i) => i === 0 || r.at !== reminders[i - 1].at);

  // ---- escalations
  const escalations: ComputedEscalation[] = [];
  if (spec.escalate !== false) {
    escalations.push({ at: dueAt, level: 1, provisional });
    const r = cal.addWorkingDays(dueDate, secondLevelWd);
    // the same time of day (and the fixed +08:00 offset) on the later date: `dueAt` is `YYYY-MM-DDTHH:mm:ss.SSS+08:00`,
    // so only its date part changes (string work: luxon's ISO parsing here cost a quarter of the whole planning)
    escalations.push({ at: `${r.date}${dueAt.slice(10)}`, level: 2, provisional: provisional || r.provisional });
  }

  // ---- rule text
  const ref = [
    options.policyId ? `政策 ${options.policyId}` : '',
    options.workflowKey ? `${options.workflowKey}.${spec.key}` : spec.key,
  ]
    .filter(Boolean)
    .join(' ');
  const extras: string[] = [];
  if (override && (override.amount !== spec.amount || override.unit !== spec.unit))
    extras.push(`默认 ${describeSpan(spec.amount, spec.unit)}`);
  if (provisional) {
    const years: number[] = [];
    for (let y = Math.min(anchor.year, due.year); y <= Math.max(anchor.year, due.year); y++)
      if (!cal.hasYear(y)) years.push(y);
    extras.push(`暂定：${years.join('、')}年法定节假日安排尚未录入，按周末推算`);
  }
  const tail = `${ref}${extras.length ? `；${extras.join('；')}` : ''}`;
  let rule: string;
  if (fixedDate) {
    const path = (spec.anchor as { path: string }).path;
    rule = `截至 ${anchorText}（${path}，${tail}）`;
  } else if (spec.anchor.kind === 'entry') {
    rule = `${describeSpan(amount, unit)}（自进入本环节起，${tail}）`;
  } else {
    rule = `${describeSpan(amount, unit)}（自 ${spec.anchor.path} ${anchorText} 起，${tail}）`;
  }

  return {
    dueAt,
    provisional,
    rule,
    reminders: uniqueReminders,
    escalations,
    amount,
    unit,
    anchorAt: iso(anchor),
  };
}
