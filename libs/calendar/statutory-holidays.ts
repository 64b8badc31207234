import { getSolarDateFromLunar, getSolarTermDate } from 'chinese-days';

/**
 * The statutory days off that the law itself fixes (《全国年节及纪念日放假办法》, as revised by 国务院令第 795 号 in
 * force from 2025-01-01): 元旦 1 January; 春节 除夕 and 正月初一 to 初三; 清明 the day of the solar term; 劳动节
 * 1–2 May; 端午 5/5 and 中秋 8/15 of the lunar calendar; 国庆 1–3 October. What the State Council's yearly notice
 * adds — bridged days and the weekend make-up working days (调休) — cannot be known before it is published, so a
 * year without a notice is these days plus weekends, still provisional. The lunar dates come from `chinese-days`.
 * Before 2025 the law fixed fewer days (no 除夕, one day in May); those years have their notices in
 * `config/calendars`, and an earlier one without a notice stays weekends only.
 */
export const STATUTORY_RULES_SINCE = 2025;

const memo = new Map<number, Map<string, string>>();

/** `YYYY-MM-DD` → holiday name, for a year from 2025 on (empty before: see above). */
export function statutoryHolidays(year: number): Map<string, string> {
  const known = memo.get(year);
  if (known) return known;
  const days = new Map<string, string>();
  if (year >= STATUTORY_RULES_SINCE) {
    const add = (name: string, ...dates: string[]) => dates.forEach((d) => days.set(d, name));
    const plusDays = (date: string, n: number) =>
      new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
    const lunar = (monthDay: string) => getSolarDateFromLunar(`${year}-${monthDay}`).date;
    const newYear = lunar('01-01');
    add('元旦', `${year}-01-01`);
    // 除夕 is the last day of the previous lunar year, the eve of 正月初一 (21 January to 20 February): this year too
    add('春节', plusDays(newYear, -1), newYear, plusDays(newYear, 1), plusDays(newYear, 2));
    add('清明节', getSolarTermDate(year, 4, 'pure_brightness'));
    add('劳动节', `${year}-05-01`, `${year}-05-02`);
    add('端午节', lunar('05-05'));
    add('中秋节', lunar('08-15'));
    add('国庆节', `${year}-10-01`, `${year}-10-02`, `${year}-10-03`);
  }
  memo.set(year, days);
  return days;
}
