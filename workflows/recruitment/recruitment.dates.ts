/**
 * Calendar-date helpers for the recruitment machine. Dates are ISO `YYYY-MM-DD` strings (what deadline
 * anchors read); timestamps (`event.at`) are converted to the date in China (UTC+8, no DST) so an event
 * sent at 01:00 Beijing time counts for that Beijing day.
 */
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Calendar date (China) of an ISO date or timestamp. */
export function toDate(iso: string): string {
  if (DATE_ONLY.test(iso)) return iso;
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) throw new Error(`invalid ISO date: ${iso}`);
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** Adds calendar months; the day is clamped to the target month's length (01-31 + 1 m = 02-28/29). */
export function addMonths(iso: string, months: number): string {
  const [y, m, d] = toDate(iso).split('-').map(Number);
  const monthIndex = y * 12 + (m - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12; // 0-based
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d, lastDay);
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
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
