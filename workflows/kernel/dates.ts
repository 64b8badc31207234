import { DateTime, FixedOffsetZone } from 'luxon';

/**
 * Calendar-date helpers shared by the machines. Dates are ISO `YYYY-MM-DD` strings (what deadline anchors
 * read); timestamps (`event.at`) are converted to the date in China, so an event sent at 01:00 Beijing time
 * counts for that Beijing day.
 *
 * China has kept UTC+8 without daylight saving since 1991, and every instant a machine sees (event times,
 * openings) is recent, so a fixed offset is exact here. It is also what keeps these helpers off the hot path:
 * they run in guards on every transition, and luxon's IANA-zone parsing cost more than the rest of the machine.
 */
const CHINA_ZONE = FixedOffsetZone.instance(8 * 60);
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const FULL_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Whether year-month-day names a day that exists (2026-02-30 does not). */
function dayExists(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Calendar date (China) of an ISO date or timestamp; throws RangeError `invalid ISO date` otherwise. */
export function toDate(iso: string): string {
  const dateOnly = DATE_ONLY.exec(iso);
  if (dateOnly) {
    if (!dayExists(+dateOnly[1], +dateOnly[2], +dateOnly[3])) throw new RangeError(`invalid ISO date: ${iso}`);
    return iso;
  }
  const instant = FULL_INSTANT.exec(iso);
  if (instant) {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms) || !dayExists(+instant[1], +instant[2], +instant[3]))
      throw new RangeError(`invalid ISO date: ${iso}`);
    return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
  }
  // anything else ISO 8601 allows (a local time without offset, a week date…) is read as China time by luxon
  const dt = typeof iso === 'string' ? DateTime.fromISO(iso, { zone: CHINA_ZONE }) : null;
  if (!dt?.isValid) throw new RangeError(`invalid ISO date: ${iso}`);
  return dt.toISODate()!;
}

/** `toDate(at ?? fallback)`: the Beijing day of an event, or of the case's opening when the event has no time. */
export function localDate(at: string | undefined, fallback: string): string {
  return toDate(at ?? fallback);
}

/** The Beijing day of a date or timestamp, or the text itself when it is neither (shown back to the clerk). */
export function localDateOrText(isoDateOrTime: string): string {
  try {
    return toDate(isoDateOrTime);
  } catch {
    return isoDateOrTime;
  }
}

/** Adds calendar months; the day is clamped to the target month's length (01-31 + 1 m = 02-28/29). */
export function addMonths(iso: string, months: number): string {
  const [y, m, d] = toDate(iso).split('-').map(Number);
  const monthIndex = y * 12 + (m - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12; // 0-based
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d, lastDay);
  return `${pad(year, 4)}-${pad(month + 1)}-${pad(day)}`;
}

/** Negative when a is before b, 0 when the same calendar day, positive after. */
export function compareDates(a: string, b: string): number {
  const x = toDate(a);
  const y = toDate(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whole calendar days from a to b inclusive of both ends (a = b → 1). */
export function daysInclusive(a: string, b: string): number {
  const ms = Date.parse(`${toDate(b)}T00:00:00Z`) - Date.parse(`${toDate(a)}T00:00:00Z`);
  return Math.round(ms / 86_400_000) + 1;
}

/** Completed years of age on a date (a birthday on 02-29 counts on 03-01 in common years). */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = toDate(birthDate).split('-').map(Number);
  const [y, m, d] = toDate(on).split('-').map(Number);
  const hadBirthday = m > bm || (m === bm && d >= bd);
  return y - by - (hadBirthday ? 0 : 1);
}
