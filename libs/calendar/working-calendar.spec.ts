import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import { DateTime, FixedOffsetZone } from 'luxon';
import { CalendarDataError } from './calendar-data';
import { CalendarModule } from './calendar.module';
import { shanghaiDate, WorkingCalendar, YearAddedEvent } from './working-calendar';

const CONFIG_DIR = resolve(__dirname, '../../config/calendars');

/** Test fixture only (NOT the real 2027 arrangement, which is unpublished): 元旦 on Friday 2027-01-01. */
const FIXTURE_2027 = {
  year: 2027,
  source: 'test fixture',
  holidays: [{ name: '元旦', dates: ['2027-01-01'] }],
  workdays: [],
};

function makeCalendar() {
  const warnings: string[] = [];
  const cal = WorkingCalendar.fromDirectory(CONFIG_DIR, { logger: { warn: (m) => warnings.push(m) } });
  return { cal, warnings };
}

describe('WorkingCalendar', () => {
  let cal: WorkingCalendar;
  let warnings: string[];
  beforeEach(() => ({ cal, warnings } = makeCalendar()));

  it('knows which years it has', () => {
    expect(cal.providedYears()).toEqual([2024, 2025, 2026]);
    expect(cal.hasYear(2026)).toBe(true);
    expect(cal.hasYear(2027)).toBe(false);
    expect(cal.sourceOf(2026)).toContain('2026年部分节假日安排');
  });

  describe('国庆节、中秋节 2025 (10-01..10-08, make-up Sunday 09-28 and Saturday 10-11)', () => {
    it.each(['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-06', '2025-10-07', '2025-10-08'])(
      '%s is a day off',
      (d) => {
        expect(cal.isWorkingDay(d)).toBe(false);
      },
    );

    it('the make-up Sunday and Saturday are working days, the surrounding weekend days are not', () => {
      expect(DateTime.fromISO('2025-09-28').weekday).toBe(7);
      expect(cal.isWorkingDay('2025-09-28')).toBe(true);
      expect(cal.describeDay('2025-09-28')).toMatchObject({
        working: true,
        weekend: true,
        makeup: '国庆节、中秋节调休',
        provisional: false,
      });
      expect(cal.isWorkingDay('2025-10-11')).toBe(true);
      expect(cal.isWorkingDay('2025-09-27')).toBe(false);
      expect(cal.isWorkingDay('2025-10-12')).toBe(false);
      expect(cal.isWorkingDay('2025-10-09')).toBe(true);
      expect(cal.describeDay('2025-10-06')).toMatchObject({
        working: false,
        weekend: false,
        holiday: '国庆节、中秋节',
      });
    });

    it('counts the make-up Sunday as a working day', () => {
      expect(cal.addWorkingDays('2025-09-26', 1)).toEqual({ date: '2025-09-28', provisional: false });
      expect(cal.addWorkingDays('2025-09-26', 5)).toEqual({ date: '2025-10-10', provisional: false });
    });

    it('counts the make-up Saturday and skips the whole holiday', () => {
      expect(cal.addWorkingDays('2025-09-30', 1).date).toBe('2025-10-09');
      expect(cal.addWorkingDays('2025-09-30', 3).date).toBe('2025-10-11');
      expect(cal.addWorkingDays('2025-09-30', 4).date).toBe('2025-10-13');
    });

    it('counts backwards with a negative n', () => {
      expect(cal.addWorkingDays('2025-10-09', -1).date).toBe('2025-09-30');
      expect(cal.addWorkingDays('2025-10-13', -1).date).toBe('2025-10-11');
    });
  });

  describe('春节 2026 (02-15..02-23, make-up Saturdays 02-14 and 02-28)', () => {
    it('skips the nine days off and counts both make-up Saturdays', () => {
      for (let d = DateTime.fromISO('2026-02-15'); d.toISODate()! <= '2026-02-23'; d = d.plus({ days: 1 }))
        expect(cal.isWorkingDay(d.toISODate()!)).toBe(false);
      expect(cal.addWorkingDays('2026-02-13', 1).date).toBe('2026-02-14');
      expect(cal.addWorkingDays('2026-02-13', 2).date).toBe('2026-02-24');
      expect(cal.addWorkingDays('2026-02-13', 5).date).toBe('2026-02-27');
      expect(cal.addWorkingDays('2026-02-13', 6).date).toBe('2026-02-28');
    });

    it('counting starts the day after start, whatever start is', () => {
      expect(cal.addWorkingDays('2026-02-16', 1).date).toBe('2026-02-24');
      expect(cal.addWorkingDays('2026-02-24', 0)).toEqual({ date: '2026-02-24', provisional: false });
    });

    it('takes the Asia/Shanghai date of an instant (UTC evening = next Shanghai morning)', () => {
      // 2026-02-13T17:00Z is 2026-02-14 01:00 in Shanghai, the make-up Saturday.
      expect(cal.toDate('2026-02-13T17:00:00Z')).toBe('2026-02-14');
      expect(cal.addWorkingDays('2026-02-13T17:00:00Z', 1).date).toBe('2026-02-24');
      expect(cal.addWorkingDays(DateTime.fromISO('2026-02-13T15:59:00Z'), 1).date).toBe('2026-02-14');
      expect(cal.addWorkingDays(new Date('2026-02-13T16:00:00Z'), 1).date).toBe('2026-02-24');
    });
  });

  it('2024 history: 春节 make-up Sunday 02-04 and 02-18', () => {
    expect(cal.isWorkingDay('2024-02-04')).toBe(true);
    expect(cal.isWorkingDay('2024-02-18')).toBe(true);
    expect(cal.addWorkingDays('2024-02-09', 1).date).toBe('2024-02-18');
  });

  describe('years without data', () => {
    it('computes weekends and the days off the law fixes, marks the result provisional and warns once per year', () => {
      const r = cal.addWorkingDays('2026-12-30', 3);
      // 12-31 (2026, Thu), 2027-01-01 (Fri: 元旦 by law, no notice yet), 2027-01-04 (Mon), 2027-01-05 (Tue)
      expect(r).toEqual({ date: '2027-01-05', provisional: true });
      expect(cal.addWorkingDays('2026-12-31', 1)).toEqual({ date: '2027-01-04', provisional: true });
      expect(cal.describeDay('2027-01-01')).toEqual({
        date: '2027-01-01',
        working: false,
        weekend: false,
        holiday: '元旦',
        provisional: true,
      });
      expect(cal.addWorkingDays('2027-03-05', 1)).toEqual({ date: '2027-03-08', provisional: true });
      // 国庆 1–3 October by law: Friday 2027-10-01 is off; Monday 10-04 is a working day until the notice says otherwise
      expect(cal.isWorkingDay('2027-10-01')).toBe(false);
      expect(cal.isWorkingDay('2027-10-02')).toBe(false);
      expect(cal.isWorkingDay('2027-10-04')).toBe(true);
      // 春节 2027: 除夕 Friday 02-05, 正月初一 to 初三 Saturday to Monday; 清明 Monday 04-05; 端午 Wednesday 06-09;
      // 中秋 Wednesday 09-15
      expect(
        ['2027-02-05', '2027-02-08', '2027-04-05', '2027-06-09', '2027-09-15'].map((d) => cal.isWorkingDay(d)),
      ).toEqual([false, false, false, false, false]);
      expect(cal.addWorkingDays('2027-02-04', 1)).toEqual({ date: '2027-02-09', provisional: true });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('2027');
      cal.addWorkingDays('2028-06-01', 2);
      expect(warnings).toHaveLength(2);
      expect(warnings[1]).toContain('2028');
    });

    it('is not provisional and does not warn when every crossed day has data', () => {
      expect(cal.addWorkingDays('2026-12-01', 20).provisional).toBe(false);
      expect(warnings).toEqual([]);
    });

    it('also covers past years without data', () => {
      expect(cal.addWorkingDays('2024-01-02', -1)).toEqual({ date: '2023-12-29', provisional: true });
    });

    it('adding the year file makes the result exact and notifies listeners', () => {
      const events: YearAddedEvent[] = [];
      const off = cal.onYearAdded((e) => events.push(e));
      expect(cal.addWorkingDays('2026-12-30', 3)).toEqual({ date: '2027-01-05', provisional: true });
      expect(cal.addYear(FIXTURE_2027)).toBe(true);
      expect(cal.hasYear(2027)).toBe(true);
      expect(cal.providedYears()).toEqual([2024, 2025, 2026, 2027]);
      expect(cal.addWorkingDays('2026-12-30', 3)).toEqual({ date: '2027-01-05', provisional: false });
      expect(events).toEqual([{ year: 2027, replaced: false }]);
      // identical data again: no change, no event
      expect(cal.addYear(FIXTURE_2027)).toBe(false);
      // a corrected notice replaces the year
      expect(cal.addYear({ ...FIXTURE_2027, holidays: [{ name: '元旦', dates: ['2027-01-01', '2027-01-04'] }] })).toBe(
        true,
      );
      expect(events).toEqual([
        { year: 2027, replaced: false },
        { year: 2027, replaced: true },
      ]);
      expect(cal.addWorkingDays('2026-12-30', 3).date).toBe('2027-01-06');
      // a deferred notice planned before the correction is planned again after it (the answers are remembered)
      const afternoon = new Date('2027-01-05T06:00:00Z'); // 14:00 in Shanghai
      expect(cal.deferToWorkingTime(afternoon)).toBe('2027-01-05T14:00:00.000+08:00');
      cal.addYear({ ...FIXTURE_2027, holidays: [{ name: '元旦', dates: ['2027-01-01', '2027-01-04', '2027-01-05'] }] });
      expect(cal.deferToWorkingTime(afternoon)).toBe('2027-01-06T09:00:00.000+08:00');
      expect(events).toHaveLength(3);
      off();
      cal.addYear({ ...FIXTURE_2027, source: 'other', holidays: [{ name: 'x', dates: ['2027-01-05'] }] });
      expect(events).toHaveLength(3);
    });

    it('rejects an invalid year file and leaves the calendar unchanged', () => {
      expect(() => cal.addYear({ ...FIXTURE_2027, holidays: [{ name: '元旦', dates: ['2028-01-01'] }] })).toThrow(
        CalendarDataError,
      );
      expect(() =>
        cal.addYear({
          ...FIXTURE_2027,
          workdays: [{ name: 'x', dates: ['2027-01-02'] }],
          holidays: [{ name: 'y', dates: ['2027-01-02'] }],
        }),
      ).toThrow(/both a holiday and a make-up workday/);
      expect(cal.hasYear(2027)).toBe(false);
    });
  });

  describe('calendar arithmetic', () => {
    it('adds calendar days', () => {
      expect(cal.addDays('2026-02-27', 2)).toBe('2026-03-01');
      expect(cal.addDays('2026-12-31T20:00:00Z', 0)).toBe('2027-01-01');
    });

    it('adds calendar months, clamped to the month end', () => {
      expect(cal.addMonths('2026-01-31', 1)).toBe('2026-02-28');
      expect(cal.addMonths('2024-01-31', 1)).toBe('2024-02-29');
      expect(cal.addMonths('2026-03-31', 6)).toBe('2026-09-30');
      expect(cal.addMonths('2026-11-15', 3)).toBe('2027-02-15');
    });

    it('counts the working days after one day up to another (the 春节 2026 holiday and its make-up Saturdays)', () => {
      // 02-13 Fri → 02-28: 02-14 (make-up Saturday), 02-24..02-27, 02-28 (make-up Saturday)
      expect(cal.workingDaysBetween('2026-02-13', '2026-02-28')).toBe(6);
      expect(cal.workingDaysBetween('2026-02-28', '2026-02-13')).toBe(0);
      expect(cal.workingDaysBetween('2026-03-02', '2026-03-02')).toBe(0);
      // instants count by their Beijing date: 16:30 UTC on 03-02 is already Tuesday 03-03 there
      expect(cal.workingDaysBetween('2026-03-02T16:30:00Z', '2026-03-04')).toBe(1);
      expect(cal.workingDaysBetween('2026-03-02', '2026-03-31', 5)).toBe(5);
      // as addWorkingDays counts them
      expect(cal.workingDaysBetween('2026-02-13', cal.addWorkingDays('2026-02-13', 9).date)).toBe(9);
    });

    it('rejects fractional counts and invalid dates', () => {
      expect(() => cal.addWorkingDays('2026-01-05', 1.5)).toThrow(RangeError);
      expect(() => cal.addDays('not a date', 1)).toThrow(RangeError);
      expect(() => cal.isWorkingDay('2026-02-30')).toThrow(RangeError);
    });
  });

  describe('Asia/Shanghai instants', () => {
    it('endOfDay is 23:59:59.999 at UTC+8', () => {
      expect(cal.endOfDay('2026-02-14')).toBe('2026-02-14T23:59:59.999+08:00');
      expect(new Date(cal.endOfDay('2026-02-14')).toISOString()).toBe('2026-02-14T15:59:59.999Z');
      // an instant late in the UTC day is already the next day in Shanghai
      expect(cal.endOfDay('2026-02-14T20:00:00Z')).toBe('2026-02-15T23:59:59.999+08:00');
      expect(cal.startOfDay('2026-02-14')).toBe('2026-02-14T00:00:00.000+08:00');
    });

    it('nextWorkingMorning moves night and holiday instants to 09:00 of the next working day', () => {
      // a make-up Saturday at night → after 春节
      expect(cal.nextWorkingMorning('2026-02-14T22:00:00+08:00')).toBe('2026-02-24T09:00:00.000+08:00');
      // early on a working day → the same day
      expect(cal.nextWorkingMorning('2026-02-13T07:30:00+08:00')).toBe('2026-02-13T09:00:00.000+08:00');
      expect(cal.nextWorkingMorning('2026-02-13T00:30:00Z')).toBe('2026-02-13T09:00:00.000+08:00');
      expect(cal.nextWorkingMorning('2026-02-13T09:00:00+08:00')).toBe('2026-02-13T09:00:00.000+08:00');
      // during a holiday
      expect(cal.nextWorkingMorning('2025-10-01T10:00:00+08:00')).toBe('2025-10-09T09:00:00.000+08:00');
      // on a Saturday before a make-up Sunday
      expect(cal.nextWorkingMorning('2025-09-27T12:00:00+08:00')).toBe('2025-09-28T09:00:00.000+08:00');
      expect(cal.nextWorkingMorning('2026-03-02T10:00:00+08:00', 8)).toBe('2026-03-03T08:00:00.000+08:00');
    });

    it('deferToWorkingTime keeps working-hour instants and defers quiet hours and days off', () => {
      expect(cal.deferToWorkingTime('2026-03-02T14:00:00+08:00')).toBe('2026-03-02T14:00:00.000+08:00');
      expect(cal.deferToWorkingTime('2026-03-02T21:00:00+08:00')).toBe('2026-03-03T09:00:00.000+08:00');
      expect(cal.deferToWorkingTime('2026-03-03T07:00:00+08:00')).toBe('2026-03-03T09:00:00.000+08:00');
      expect(cal.deferToWorkingTime('2026-04-04T14:00:00+08:00')).toBe('2026-04-07T09:00:00.000+08:00');
      expect(cal.deferToWorkingTime('2026-03-02T21:00:00+08:00', { from: '22:00', to: '07:00' })).toBe(
        '2026-03-02T21:00:00.000+08:00',
      );
      // the same instant as a Date, asked again (remembered) and with other quiet hours and morning hour (not mixed up)
      const night = new Date('2026-03-02T13:00:00Z'); // 21:00 in Shanghai
      expect(cal.deferToWorkingTime(night)).toBe('2026-03-03T09:00:00.000+08:00');
      expect(cal.deferToWorkingTime(night)).toBe('2026-03-03T09:00:00.000+08:00');
      expect(cal.deferToWorkingTime(night, { from: '22:00', to: '07:00' })).toBe('2026-03-02T21:00:00.000+08:00');
      expect(cal.deferToWorkingTime(night, undefined, 8)).toBe('2026-03-03T08:00:00.000+08:00');
    });
  });
});

describe('CalendarModule', () => {
  it('provides a WorkingCalendar built from config/calendars', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [CalendarModule] }).compile();
    const cal = moduleRef.get(WorkingCalendar);
    expect(cal.providedYears()).toEqual([2024, 2025, 2026]);
    expect(cal.isWorkingDay('2025-09-28')).toBe(true);
  });

  it('forRoot reads another directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-cal-'));
    try {
      copyFileSync(join(CONFIG_DIR, '2025.json'), join(dir, '2025.json'));
      writeFileSync(join(dir, '2027.json'), JSON.stringify(FIXTURE_2027));
      const moduleRef = await Test.createTestingModule({ imports: [CalendarModule.forRoot({ dir })] }).compile();
      expect(moduleRef.get(WorkingCalendar).providedYears()).toEqual([2025, 2027]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad calendar file stops the start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-cal-'));
    try {
      writeFileSync(
        join(dir, '2027.json'),
        JSON.stringify({ ...FIXTURE_2027, workdays: [{ name: 'x', dates: ['2027-01-01'] }] }),
      );
      await expect(Test.createTestingModule({ imports: [CalendarModule.forRoot({ dir })] }).compile()).rejects.toThrow(
        CalendarDataError,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('shanghaiDate and the day boundaries (arithmetic fast path)', () => {
  // the reference: luxon in the calendar's zone, as these functions computed it before
  const zone = FixedOffsetZone.instance(8 * 60);
  const viaLuxon = (input: string | Date) =>
    (input instanceof Date ? DateTime.fromJSDate(input, { zone }) : DateTime.fromISO(input, { zone })).toISODate();
  const cal = new WorkingCalendar([]);

  it('agrees with luxon on instants, dates and JS Dates around every Beijing midnight', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1992, 0, 1), max: Date.UTC(2099, 11, 31) }), (ms) => {
        const d = new Date(ms);
        const isoZ = d.toISOString();
        const isoPlus8 = DateTime.fromMillis(ms, { zone }).toISO()!;
        expect(shanghaiDate(isoZ)).toBe(viaLuxon(isoZ));
        expect(shanghaiDate(isoPlus8)).toBe(viaLuxon(isoPlus8));
        expect(shanghaiDate(d)).toBe(viaLuxon(d));
        const day = viaLuxon(isoZ)!;
        expect(shanghaiDate(day)).toBe(day);
        expect(cal.endOfDay(isoZ)).toBe(DateTime.fromISO(day, { zone }).endOf('day').toISO());
        expect(cal.startOfDay(d)).toBe(DateTime.fromISO(day, { zone }).startOf('day').toISO());
        expect(cal.atHour(day, 9)).toBe(DateTime.fromISO(day, { zone }).set({ hour: 9 }).toISO());
      }),
      { seed: 20261202, numRuns: 500 },
    );
  });

  it('refuses days that do not exist, as luxon did', () => {
    for (const bad of ['2026-02-29', '2026-13-01', '2026-00-10', '2026-04-31', 'tomorrow'])
      expect(() => shanghaiDate(bad)).toThrow(RangeError);
    expect(() => cal.endOfDay('2026-02-30')).toThrow(RangeError);
    expect(shanghaiDate('2024-02-29')).toBe('2024-02-29');
    expect(shanghaiDate('2026-03-01T23:30')).toBe('2026-03-01'); // other ISO forms still go through luxon
  });
});
