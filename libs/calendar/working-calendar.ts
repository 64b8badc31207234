import { DateTime } from 'luxon';
import { CalendarYearFile, readCalendarDirectory, validateCalendarYear, ZONE } from './calendar-data';
import { statutoryHolidays } from './statutory-holidays';

/** A date or instant: luxon DateTime, JS Date, `YYYY-MM-DD` (a Shanghai calendar day) or an ISO instant. */
export type DateLike = DateTime | Date | string;

/** Where the calendar reports a year without data (Nest's `Logger` fits). */
export interface CalendarLogger {
  warn(message: string): void;
}

export interface WorkingDayResult {
  /** Shanghai calendar date `YYYY-MM-DD`. */
  date: string;
  /** True when a day of a year without the yearly notice was crossed (weekends and the law's own holidays). */
  provisional: boolean;
}

export interface DayInfo {
  date: string;
  working: boolean;
  weekend: boolean;
  /** Name of the holiday (e.g. `春节`) when the day is a statutory day off. */
  holiday?: string;
  /** Name of the make-up arrangement (e.g. `春节调休`) when a weekend day is a working day. */
  makeup?: string;
  /**
   * True when the year has no notice yet: the answer then counts weekends and the days the law itself fixes
   * (`statutoryHolidays`), not the notice's bridged days and make-up working days.
   */
  provisional: boolean;
}

export interface YearAddedEvent {
  year: number;
  /** True when the year already had data that was replaced (a corrected notice). */
  replaced: boolean;
}

export interface QuietHours {
  /** `HH:MM`, start of the quiet period (e.g. `20:00`). */
  from: string;
  /** `HH:MM`, end of the quiet period (e.g. `08:00`); earlier than `from` means it spans midnight. */
  to: string;
}

interface YearData {
  source: string;
  holidays: Map<string, string>;
  workdays: Map<string, string>;
  fingerprint: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Converts any accepted date input to a luxon DateTime in Asia/Shanghai. Throws RangeError when invalid. */
const FULL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

export function toShanghai(input: DateLike): DateTime {
  let dt: DateTime;
  if (DateTime.isDateTime(input)) dt = input.setZone(ZONE);
  else if (input instanceof Date) dt = DateTime.fromJSDate(input, { zone: ZONE });
  else if (typeof input === 'string') {
    const text = input.trim();
    // fast path for what the engine stores: full instants with an explicit offset or Z (Date.parse is exact
    // for these and far cheaper than luxon's ISO parser); anything else goes through luxon
    dt = FULL_INSTANT.test(text)
      ? DateTime.fromMillis(Date.parse(text), { zone: ZONE })
      : DateTime.fromISO(text, { zone: ZONE });
  } else throw new RangeError(`无效日期 (invalid date): ${String(input)}`);
  if (!dt.isValid) throw new RangeError(`无效日期 (invalid date): ${String(input)}`);
  return dt;
}

const CHINA_OFFSET_MS = 8 * 3_600_000;
const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * The Shanghai calendar date (`YYYY-MM-DD`) of any accepted input. What the engine passes on its hot path
 * (bare dates, full ISO instants, JS Dates) is read with plain arithmetic on the fixed UTC+8 offset; the rest
 * goes through `toShanghai`. Same answers, same RangeError for what does not exist.
 */
export function shanghaiDate(input: DateLike): string {
  if (typeof input === 'string') {
    const text = input.trim();
    if (DATE_ONLY.test(text)) {
      const [y, mo, d] = [Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10))];
      if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate())
        throw new RangeError(`无效日期 (invalid date): ${input}`);
      return text;
    }
    if (FULL_INSTANT.test(text)) return dateOfMillis(Date.parse(text), input);
  } else if (input instanceof Date) return dateOfMillis(input.getTime(), input);
  return toShanghai(input).toISODate() as string;
}

function dateOfMillis(ms: number, input: DateLike): string {
  if (Number.isNaN(ms)) throw new RangeError(`无效日期 (invalid date): ${String(input)}`);
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** True when the string is a bare calendar date (`YYYY-MM-DD`) rather than an instant with a time. */
export function isDateOnly(value: string): boolean {
  return DATE_ONLY.test(value.trim());
}

function iso(dt: DateTime): string {
  return dt.toISO({ suppressMilliseconds: false, includeOffset: true }) as string;
}

function fingerprint(data: CalendarYearFile): string {
  const flat = (groups: CalendarYearFile['holidays']) =>
    groups
      .flatMap((g) => g.dates.map((d) => `${d}:${g.name}`))
      .sort()
      .join(',');
  return `${flat(data.holidays)}|${flat(data.workdays)}`;
}

function minutesOf(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new RangeError(`invalid HH:MM time: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * The Chinese statutory working-day calendar (weekends, 法定节假日 and 调休 make-up working days), in
 * Asia/Shanghai. Pure: no Nest, no I/O except `fromDirectory`. Years come as data
 * (`config/calendars/<year>.json`); a year without data falls back to weekends and the days off the law itself
 * fixes (`statutory-holidays.ts`; the notice's bridged days and make-up working days are unknown), every result that
 * depends on it is flagged `provisional`, and a warning is logged once per year.
 */
export class WorkingCalendar {
  private readonly years = new Map<number, YearData>();
  private readonly warned = new Set<number>();
  private readonly listeners = new Set<(event: YearAddedEvent) => void>();
  private readonly logger: CalendarLogger;
  /**
   * `addWorkingDays` answers by (start date, n): every transition plans its deadlines, reminders and second
   * escalations from a handful of recent dates, so most are asked again and again. Emptied whenever a year's
   * data changes.
   */
  private readonly workingDayMemo = new Map<string, WorkingDayResult>();
  /**
   * `workingDaysBetween` answers by (from date, until date, cap): a task page asks it for each of its up to 200
   * items, all from today and to a handful of due days, and walked up to sixty days for each, a Date and two
   * strings a day (a twentieth of what a page allocated). Emptied whenever a year's data changes.
   */
  private readonly daysBetweenMemo = new Map<string, number>();
  /**
   * `deferToWorkingTime` answers by (instant, quiet hours, morning hour): a timer storm raises hundreds of
   * notices per batch at one instant, each planned twice, and the luxon walk cost ~70 µs a time (the largest
   * node cost of delivering a timer). Emptied whenever a year's data changes.
   */
  private readonly deferMemo = new Map<string, string>();
  private dataRevision = 0;

  constructor(years: CalendarYearFile[] = [], options: { logger?: CalendarLogger } = {}) {
    this.logger = options.logger ?? { warn: (message: string) => console.warn(message) };
    for (const y of years) this.store(validateCalendarYear(y, `calendar ${(y as CalendarYearFile)?.year}`));
  }

  /** Builds a calendar from every `<year>.json` of a directory (validated; a bad file throws). */
  static fromDirectory(dir: string, options: { logger?: CalendarLogger } = {}): WorkingCalendar {
    return new WorkingCalendar(readCalendarDirectory(dir), options);
  }

  /**
   * Changes whenever a year's data is stored: what callers memoize from this calendar's answers is good
   * only while it stays the same (checked on use, so it never depends on the order of onYearAdded listeners).
   */
  get revision(): number {
    return this.dataRevision;
  }

  /** Years that have statutory data, ascending. */
  providedYears(): number[] {
    return [...this.years.keys()].sort((a, b) => a - b);
  }

  hasYear(year: number): boolean {
    return this.years.has(year);
  }

  /** The source notice of a year, or undefined when the year has no data. */
  sourceOf(year: number): string | undefined {
    return this.years.get(year)?.source;
  }

  /** The Shanghai calendar date (`YYYY-MM-DD`) of a date or instant. */
  toDate(input: DateLike): string {
    return shanghaiDate(input);
  }

  /** Whether the day is a working day. Years without data: provisional (and a once-per-year warning). */
  isWorkingDay(date: DateLike): boolean {
    return this.describeDay(date).working;
  }

  /** Everything the calendar knows about a day (for UIs and explanations). */
  describeDay(date: DateLike): DayInfo {
    const dt = toShanghai(date).startOf('day');
    const key = dt.toISODate() as string;
    const weekend = dt.weekday >= 6;
    const data = this.years.get(dt.year);
    if (!data) {
      this.warnMissing(dt.year);
      const holiday = statutoryHolidays(dt.year).get(key);
      if (holiday) return { date: key, working: false, weekend, holiday, provisional: true };
      return { date: key, working: !weekend, weekend, provisional: true };
    }
    const holiday = data.holidays.get(key);
    if (holiday) return { date: key, working: false, weekend, holiday, provisional: false };
    const makeup = data.workdays.get(key);
    if (makeup) return { date: key, working: true, weekend, makeup, provisional: false };
    return { date: key, working: !weekend, weekend, provisional: false };
  }

  /**
   * The date `n` working days after `start` (its Shanghai date); counting starts the day after `start`,
   * so `addWorkingDays(friday, 1)` is the next working day. `n = 0` returns the start date; negative `n`
   * counts backwards. `provisional` is true when any day crossed belongs to a year without data.
   */
  addWorkingDays(start: DateLike, n: number): WorkingDayResult {
    if (!Number.isInteger(n)) throw new RangeError(`working days must be an integer, got ${n}`);
    // day-by-day on UTC day numbers: one luxon conversion in, plain integer arithmetic per day (hot path)
    const startDate = shanghaiDate(start);
    const memoKey = `${startDate}|${n}`;
    const known = this.workingDayMemo.get(memoKey);
    if (known) return { ...known };
    let key = startDate;
    let ms = Date.parse(`${key}T00:00:00Z`);
    const step = n < 0 ? -1 : 1;
    let remaining = Math.abs(n);
    let provisional = false;
    while (remaining > 0) {
      ms += step * 86_400_000;
      const d = new Date(ms);
      key = d.toISOString().slice(0, 10);
      const info = this.dayInfo(key, d.getUTCFullYear(), d.getUTCDay() === 0 || d.getUTCDay() === 6);
      if (info.provisional) provisional = true;
      if (info.working) remaining--;
    }
    if (this.workingDayMemo.size >= 50_000) this.workingDayMemo.clear();
    this.workingDayMemo.set(memoKey, { date: key, provisional });
    return { date: key, provisional };
  }

  /**
   * Working days after the Shanghai date of `from` up to and including that of `until` (0 when `until` is the
   * same day or earlier), counting at most `cap`: the days left to a deadline, or the days since one passed.
   */
  workingDaysBetween(from: DateLike, until: DateLike, cap = Infinity): number {
    const fromDate = shanghaiDate(from);
    const untilDate = shanghaiDate(until);
    const memoKey = `${fromDate}|${untilDate}|${cap}`;
    const known = this.daysBetweenMemo.get(memoKey);
    if (known !== undefined) return known;
    const last = Date.parse(`${untilDate}T00:00:00Z`);
    let n = 0;
    for (let ms = Date.parse(`${fromDate}T00:00:00Z`) + 86_400_000; ms <= last && n < cap; ms += 86_400_000) {
      const d = new Date(ms);
      if (
        this.dayInfo(d.toISOString().slice(0, 10), d.getUTCFullYear(), d.getUTCDay() === 0 || d.getUTCDay() === 6)
          .working
      )
        n++;
    }
    if (this.daysBetweenMemo.size >= 50_000) this.daysBetweenMemo.clear();
    this.daysBetweenMemo.set(memoKey, n);
    return n;
  }

  /** Working/provisional status of a Shanghai date given as `YYYY-MM-DD` with its year and weekend flag. */
  private dayInfo(key: string, year: number, weekend: boolean): { working: boolean; provisional: boolean } {
    const data = this.years.get(year);
    if (!data) {
      this.warnMissing(year);
      return { working: !weekend && !statutoryHolidays(year).has(key), provisional: true };
    }
    if (data.holidays.has(key)) return { working: false, provisional: false };
    if (data.workdays.has(key)) return { working: true, provisional: false };
    return { working: !weekend, provisional: false };
  }

  /** Calendar days after the Shanghai date of `start`. */
  addDays(start: DateLike, n: number): string {
    if (!Number.isInteger(n)) throw new RangeError(`days must be an integer, got ${n}`);
    return toShanghai(start).startOf('day').plus({ days: n }).toISODate() as string;
  }

  /** Calendar months after the Shanghai date of `start`, clamped to the month's end (01-31 + 1 m = 02-28). */
  addMonths(start: DateLike, n: number): string {
    if (!Number.isInteger(n)) throw new RangeError(`months must be an integer, got ${n}`);
    return toShanghai(start).startOf('day').plus({ months: n }).toISODate() as string;
  }

  /** 00:00:00.000 Asia/Shanghai of the day, as an ISO instant with offset (`…T00:00:00.000+08:00`). */
  startOfDay(date: DateLike): string {
    return `${shanghaiDate(date)}T00:00:00.000+08:00`;
  }

  /** 23:59:59.999 Asia/Shanghai of the day, as an ISO instant with offset (`…T23:59:59.999+08:00`). */
  endOfDay(date: DateLike): string {
    return `${shanghaiDate(date)}T23:59:59.999+08:00`;
  }

  /** `hour`:00 Asia/Shanghai of the day, as an ISO instant. */
  atHour(date: DateLike, hour: number): string {
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`hour must be 0–23, got ${hour}`);
    return `${shanghaiDate(date)}T${pad2(hour)}:00:00.000+08:00`;
  }

  /**
   * The earliest `hour`:00 Asia/Shanghai on a working day that is not before `instant`: the same day when
   * it is a working day and the instant is at or before `hour`:00, otherwise the next working day.
   * For reminders that would land on a holiday or at night.
   */
  nextWorkingMorning(instant: DateLike, hour = 9): string {
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`hour must be 0–23, got ${hour}`);
    const t = toShanghai(instant);
    let candidate = t.startOf('day').set({ hour });
    if (candidate < t) candidate = candidate.plus({ days: 1 });
    while (!this.isWorkingDay(candidate)) candidate = candidate.plus({ days: 1 });
    return iso(candidate);
  }

  /**
   * `instant` itself when it falls on a working day outside the quiet hours, else the next working
   * morning (`hour`:00). For notifications that must not wake people up at night or on a holiday.
   */
  deferToWorkingTime(instant: DateLike, quietHours: QuietHours = { from: '20:00', to: '08:00' }, hour = 9): string {
    const at = instant instanceof Date ? instant.getTime() : DateTime.isDateTime(instant) ? instant.toMillis() : null;
    if (at === null) return this.deferUncached(instant, quietHours, hour);
    const memoKey = `${at}|${quietHours.from}|${quietHours.to}|${hour}`;
    const known = this.deferMemo.get(memoKey);
    if (known !== undefined) return known;
    const answer = this.deferUncached(instant, quietHours, hour);
    if (this.deferMemo.size >= 50_000) this.deferMemo.clear();
    this.deferMemo.set(memoKey, answer);
    return answer;
  }

  private deferUncached(instant: DateLike, quietHours: QuietHours, hour: number): string {
    const t = toShanghai(instant);
    const from = minutesOf(quietHours.from);
    const to = minutesOf(quietHours.to);
    const m = t.hour * 60 + t.minute;
    const quiet = from === to ? false : from > to ? m >= from || m < to : m >= from && m < to;
    if (!quiet && this.isWorkingDay(t)) return iso(t);
    return this.nextWorkingMorning(t, hour);
  }

  /**
   * Adds (or replaces) one year of statutory data at runtime, e.g. when the yearly State Council notice
   * is published. Validated like the files (throws `CalendarDataError`). Returns true when the calendar
   * changed — the engine should then recompute the provisional deadlines of that year — and notifies the
   * `onYearAdded` listeners; false when identical data was already there.
   */
  addYear(json: unknown): boolean {
    const data = validateCalendarYear(json, `calendar ${(json as CalendarYearFile)?.year ?? '?'}`);
    const existing = this.years.get(data.year);
    if (existing && existing.fingerprint === fingerprint(data)) return false;
    this.store(data);
    this.warned.delete(data.year);
    const event: YearAddedEvent = { year: data.year, replaced: !!existing };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (e) {
        this.logger.warn(`工作日历: year-added listener failed for ${data.year}: ${(e as Error).message}`);
      }
    }
    return true;
  }

  /** Subscribes to `addYear` changes; returns the unsubscribe function. */
  onYearAdded(listener: (event: YearAddedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private store(data: CalendarYearFile): void {
    const holidays = new Map<string, string>();
    const workdays = new Map<string, string>();
    for (const g of data.holidays) for (const d of g.dates) holidays.set(d, g.name);
    for (const g of data.workdays) for (const d of g.dates) workdays.set(d, g.name);
    this.years.set(data.year, { source: data.source, holidays, workdays, fingerprint: fingerprint(data) });
    this.workingDayMemo.clear();
    this.daysBetweenMemo.clear();
    this.deferMemo.clear();
    this.dataRevision++;
  }

  private warnMissing(year: number): void {
    if (this.warned.has(year)) return;
    this.warned.add(year);
    this.logger.warn(
      `工作日历缺少 ${year} 年的法定节假日安排 (no statutory calendar data for ${year}): ` +
        `${year} 年的工作日按周末和法律规定的节日推算（调休安排未知），相关期限标记为暂定 (provisional)；` +
        `国务院办公厅通知公布后请添加 config/calendars/${year}.json`,
    );
  }
}
