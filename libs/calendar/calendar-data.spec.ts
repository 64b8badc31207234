import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as chineseDays from 'chinese-days';
import { DateTime } from 'luxon';
import { CalendarDataError, CalendarYearFile, readCalendarDirectory, validateCalendarYear } from './calendar-data';
import { WorkingCalendar } from './working-calendar';

const CONFIG_DIR = resolve(__dirname, '../../config/calendars');
const silent = { warn: () => undefined };

const year = (over: Partial<CalendarYearFile> & Record<string, unknown> = {}) => ({
  year: 2027,
  source: 'test fixture',
  holidays: [{ name: '元旦', dates: ['2027-01-01'] }],
  workdays: [{ name: '春节调休', dates: ['2027-02-06'] }],
  ...over,
});

describe('calendar data files (config/calendars)', () => {
  const files = readCalendarDirectory(CONFIG_DIR);

  it('provides 2024, 2025 and 2026, each citing its State Council notice', () => {
    expect(files.map((f) => f.year)).toEqual([2024, 2025, 2026]);
    expect(files.find((f) => f.year === 2024)!.source).toContain('国办发明电〔2023〕7号');
    expect(files.find((f) => f.year === 2025)!.source).toContain('国办发明电〔2024〕12号');
    expect(files.find((f) => f.year === 2026)!.source).toContain('国办发明电〔2025〕7号');
  });

  it.each([
    [2024, 28, 8],
    [2025, 28, 5],
    [2026, 33, 6],
  ])('%i has %i days off and %i make-up working days', (y, holidays, workdays) => {
    const f = files.find((x) => x.year === y)!;
    expect(f.holidays.flatMap((g) => g.dates)).toHaveLength(holidays);
    expect(f.workdays.flatMap((g) => g.dates)).toHaveLength(workdays);
  });

  /**
   * Cross-check with the `chinese-days` package for every day of every year both have. Our files are the
   * source of truth (transcribed from the notices); a difference here means one of the two is wrong.
   */
  describe.each([2024, 2025, 2026])('cross-check %i with chinese-days', (y) => {
    const cal = new WorkingCalendar(files, { logger: silent });
    const pkg = require(`chinese-days/dist/years/${y}.json`) as {
      holidays: Record<string, string>;
      workdays: Record<string, string>;
    };
    const ours = files.find((f) => f.year === y)!;

    it('has the same days off and make-up days', () => {
      expect(ours.holidays.flatMap((g) => g.dates).sort()).toEqual(Object.keys(pkg.holidays).sort());
      expect(ours.workdays.flatMap((g) => g.dates).sort()).toEqual(Object.keys(pkg.workdays).sort());
    });

    it('agrees on every single day of the year', () => {
      const differences: string[] = [];
      for (let d = DateTime.fromISO(`${y}-01-01`); d.year === y; d = d.plus({ days: 1 })) {
        const date = d.toISODate()!;
        if (cal.isWorkingDay(date) !== chineseDays.isWorkday(date)) differences.push(date);
      }
      expect(differences).toEqual([]);
    });
  });

  it('documents why the package is not the source: it treats a year without data as plain weekdays', () => {
    // 2027-01-01 (元旦) is a Friday; the package has no 2027 data and silently calls it a working day. The
    // calendar knows it is 元旦 by law (statutory-holidays.ts), skips it, and says the answer is provisional.
    expect(chineseDays.isWorkday('2027-01-01')).toBe(true);
    const calls: string[] = [];
    const cal = new WorkingCalendar(files, { logger: { warn: (m) => calls.push(m) } });
    expect(cal.addWorkingDays('2026-12-31', 1)).toEqual({ date: '2027-01-04', provisional: true });
    expect(calls).toHaveLength(1);
  });
});

describe('validateCalendarYear', () => {
  it('accepts a well-formed year and sorts the dates', () => {
    const v = validateCalendarYear(year({ holidays: [{ name: '春节', dates: ['2027-02-08', '2027-02-07'] }] }));
    expect(v.holidays[0].dates).toEqual(['2027-02-07', '2027-02-08']);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a date outside the year', { holidays: [{ name: '元旦', dates: ['2026-12-31'] }] }, /outside year 2027/],
    [
      'a date both holiday and workday',
      { workdays: [{ name: 'x', dates: ['2027-01-02'] }], holidays: [{ name: 'y', dates: ['2027-01-02'] }] },
      /both a holiday and a make-up workday/,
    ],
    ['an impossible date', { holidays: [{ name: '春节', dates: ['2027-02-30'] }] }, /not a valid YYYY-MM-DD/],
    ['a badly written date', { holidays: [{ name: '春节', dates: ['2027-2-3'] }] }, /not a valid YYYY-MM-DD/],
    [
      'a make-up workday on a weekday',
      { workdays: [{ name: '调休', dates: ['2027-02-03'] }] },
      /not a Saturday or Sunday/,
    ],
    [
      'a duplicate date',
      {
        holidays: [
          { name: 'a', dates: ['2027-01-01'] },
          { name: 'b', dates: ['2027-01-01'] },
        ],
      },
      /listed twice/,
    ],
    ['a missing source', { source: undefined }, /"source"/],
    ['a missing year', { year: undefined }, /"year"/],
    ['holidays not an array', { holidays: {} }, /"holidays" must be an array/],
    ['an unknown field', { extra: 1 }, /unknown field "extra"/],
    ['an unnamed group', { holidays: [{ dates: ['2027-01-01'] }] }, /name must be a non-empty string/],
  ])('rejects %s', (_label, over, message) => {
    expect(() => validateCalendarYear(year(over as any))).toThrow(CalendarDataError);
    expect(() => validateCalendarYear(year(over as any))).toThrow(message);
  });

  it('rejects a non-object', () => {
    expect(() => validateCalendarYear([])).toThrow(CalendarDataError);
  });
});

describe('readCalendarDirectory', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pf-cal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads <year>.json files and ignores other files', () => {
    writeFileSync(join(dir, '2027.json'), JSON.stringify(year()));
    writeFileSync(join(dir, 'README.md'), '# notes');
    expect(readCalendarDirectory(dir).map((f) => f.year)).toEqual([2027]);
  });

  it('fails when the file name and the year disagree', () => {
    writeFileSync(join(dir, '2028.json'), JSON.stringify(year()));
    expect(() => readCalendarDirectory(dir)).toThrow(/file name says 2028 but "year" is 2027/);
  });

  it('fails on a file that is not named <year>.json', () => {
    writeFileSync(join(dir, 'next-year.json'), JSON.stringify(year()));
    expect(() => readCalendarDirectory(dir)).toThrow(/must be named <year>.json/);
  });

  it('fails on invalid JSON and on invalid content', () => {
    writeFileSync(join(dir, '2027.json'), '{ "year": 2027, ');
    expect(() => readCalendarDirectory(dir)).toThrow(/not valid JSON/);
    writeFileSync(join(dir, '2027.json'), JSON.stringify(year({ holidays: [{ name: 'x', dates: ['2028-01-01'] }] })));
    expect(() => WorkingCalendar.fromDirectory(dir)).toThrow(CalendarDataError);
  });
});
