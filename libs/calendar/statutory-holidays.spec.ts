import { resolve } from 'node:path';
import { readCalendarDirectory } from './calendar-data';
import { STATUTORY_RULES_SINCE, statutoryHolidays } from './statutory-holidays';

/**
 * The law's own days off, as computed for a year without its notice, checked against the notices we have: every
 * one of them is a day off in the notice of its year (the notice adds bridged days around them, never removes one).
 */
describe('statutoryHolidays', () => {
  const notices = readCalendarDirectory(resolve(__dirname, '../../config/calendars'));

  it.each(notices.filter((n) => n.year >= STATUTORY_RULES_SINCE).map((n) => [n.year, n] as const))(
    'gives only days off of the %i notice, 13 days of the seven holidays',
    (year, notice) => {
      const off = new Map(notice.holidays.flatMap((h) => h.dates.map((d) => [d, h.name] as const)));
      const law = statutoryHolidays(year);
      expect(law.size).toBe(13);
      // a notice may name two holidays at once (2025's 国庆节、中秋节)
      for (const [date, name] of law)
        expect({ date, named: off.get(date)?.includes(name) }).toEqual({ date, named: true });
    },
  );

  it('has at least the 2025 and 2026 notices to check against', () => {
    expect(notices.map((n) => n.year)).toEqual(expect.arrayContaining([2025, 2026]));
  });

  it('knows 2027 before its notice: 元旦, 除夕 to 初三, 清明, 1–2 May, 端午, 中秋, 1–3 October', () => {
    expect([...statutoryHolidays(2027)].sort()).toEqual([
      ['2027-01-01', '元旦'],
      ['2027-02-05', '春节'],
      ['2027-02-06', '春节'],
      ['2027-02-07', '春节'],
      ['2027-02-08', '春节'],
      ['2027-04-05', '清明节'],
      ['2027-05-01', '劳动节'],
      ['2027-05-02', '劳动节'],
      ['2027-06-09', '端午节'],
      ['2027-09-15', '中秋节'],
      ['2027-10-01', '国庆节'],
      ['2027-10-02', '国庆节'],
      ['2027-10-03', '国庆节'],
    ]);
  });

  it('leaves years before the 2025 rules to their notices (none computed)', () => {
    expect(statutoryHolidays(2023).size).toBe(0);
  });
});
