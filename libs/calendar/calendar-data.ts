import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime, FixedOffsetZone } from 'luxon';

/**
 * China Standard Time. Mainland China has kept UTC+8 without daylight saving since 1991, so a fixed
 * offset zone is exact for every date the engine handles, and an order of magnitude cheaper than
 * luxon's IANA zone (which asks Intl for the offset of every instant).
 */
export const ZONE = FixedOffsetZone.instance(8 * 60);
export const ZONE_NAME = 'Asia/Shanghai';

/** A named group of dates of one year, e.g. `{ name: '春节', dates: ['2026-02-15', …] }`. */
export interface CalendarDateGroup {
  name: string;
  dates: string[];
}

/** Shape of `config/calendars/<year>.json`: one year of the State Council's holiday notice. */
export interface CalendarYearFile {
  year: number;
  /** The notice the dates were transcribed from (title, document number, date). */
  source: string;
  /** Days off (放假), weekends inside a holiday range included. */
  holidays: CalendarDateGroup[];
  /** 调休 make-up working days (weekend days on which people work). */
  workdays: CalendarDateGroup[];
}

/** A calendar file or `addYear` argument that does not hold together. */
export class CalendarDataError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}:\n  - ${problems.join('\n  - ')}` : message);
    this.name = 'CalendarDataError';
  }
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && DATE_RE.test(value) && DateTime.fromISO(value, { zone: ZONE }).isValid;
}

/**
 * Checks one year of calendar data and returns a normalized copy (dates sorted, groups kept in order).
 * Throws `CalendarDataError` listing every problem: missing fields, malformed or impossible dates, dates
 * outside the year, duplicates, a date both holiday and workday, a make-up workday that is not a weekend.
 */
export function validateCalendarYear(input: unknown, origin = 'calendar data'): CalendarYearFile {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new CalendarDataError(`${origin}: 日历数据必须是一个 JSON 对象`);
  }
  const raw = input as Record<string, unknown>;
  const known = new Set(['year', 'source', 'holidays', 'workdays', '$comment']);
  for (const key of Object.keys(raw)) if (!known.has(key)) problems.push(`unknown field "${key}"`);

  const year = raw.year;
  const yearOk = typeof year === 'number' && Number.isInteger(year) && year >= 1990 && year <= 2200;
  if (!yearOk) problems.push(`"year" must be an integer year, got ${JSON.stringify(year)}`);
  if (typeof raw.source !== 'string' || raw.source.trim() === '')
    problems.push('"source" must name the State Council notice the dates come from');

  const seen = new Map<string, string>();
  const groups = (field: 'holidays' | 'workdays'): CalendarDateGroup[] => {
    const value = raw[field];
    if (!Array.isArray(value)) {
      problems.push(`"${field}" must be an array of { name, dates }`);
      return [];
    }
    const out: CalendarDateGroup[] = [];
    value.forEach((group: unknown, i) => {
      const where = `${field}[${i}]`;
      if (typeof group !== 'object' || group === null) {
        problems.push(`${where} must be an object { name, dates }`);
        return;
      }
      const g = group as Record<string, unknown>;
      for (const key of Object.keys(g))
        if (key !== 'name' && key !== 'dates') problems.push(`${where}: unknown field "${key}"`);
      if (typeof g.name !== 'string' || g.name.trim() === '') problems.push(`${where}.name must be a non-empty string`);
      if (!Array.isArray(g.dates) || g.dates.length === 0) {
        problems.push(`${where}.dates must be a non-empty array of YYYY-MM-DD dates`);
        return;
      }
      const dates: string[] = [];
      for (const d of g.dates) {
        if (!isIsoDate(d)) {
          problems.push(`${where}: ${JSON.stringify(d)} is not a valid YYYY-MM-DD date`);
          continue;
        }
        if (yearOk && Number(d.slice(0, 4)) !== year) problems.push(`${where}: ${d} is outside year ${year}`);
        const previous = seen.get(d);
        if (previous === field) problems.push(`${where}: ${d} is listed twice`);
        else if (previous) problems.push(`${d} is both a holiday and a make-up workday`);
        else seen.set(d, field);
        if (field === 'workdays' && DateTime.fromISO(d, { zone: ZONE }).weekday < 6)
          problems.push(`${where}: make-up workday ${d} is not a Saturday or Sunday`);
        dates.push(d);
      }
      out.push({ name: String(g.name), dates: [...dates].sort() });
    });
    return out;
  };
  const holidays = groups('holidays');
  const workdays = groups('workdays');

  if (problems.length) throw new CalendarDataError(`${origin}: 节假日数据无效 (invalid calendar data)`, problems);
  return { year: year as number, source: (raw.source as string).trim(), holidays, workdays };
}

/**
 * Reads and validates every `<year>.json` of a directory. The file name must match the `year` inside.
 * Other files (README.md, …) are ignored. Throws `CalendarDataError` on the first bad file.
 */
export function readCalendarDirectory(dir: string): CalendarYearFile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((file) => {
    const path = join(dir, file);
    if (!/^\d{4}\.json$/.test(file)) throw new CalendarDataError(`${path}: calendar files must be named <year>.json`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new CalendarDataError(`${path}: not valid JSON (${(e as Error).message})`);
    }
    const data = validateCalendarYear(json, path);
    if (String(data.year) !== file.slice(0, 4))
      throw new CalendarDataError(`${path}: file name says ${file.slice(0, 4)} but "year" is ${data.year}`);
    return data;
  });
}
