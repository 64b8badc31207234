import dayjs, { type Dayjs } from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);

/**
 * The console shows every instant as Beijing wall time, whatever zone the browser is set to: deadlines end at
 * 23:59 of a Beijing working day and the ledger records Beijing time, so a clerk (or an auditor reading from
 * elsewhere) must see "2026-12-11 23:59", not the same instant in their own zone ("15:59" in a UTC browser).
 */
export const BEIJING = 'Asia/Shanghai';

/**
 * How far the system's clock is ahead of this browser's (negative when behind). "Today" in the console is the
 * system's today: the server counts deadlines and overdue days on its own clock, which a test or demo
 * environment moves ahead (the demo runs three weeks ahead so that its cases are overdue), and a browser's own
 * clock may simply be wrong. Set from the signed-in user's answer (`alignWithSystemClock`).
 */
let systemAheadMs = 0;

/** Takes the system's now, as the API just gave it, for every later "now" of the console. */
export function alignWithSystemClock(systemNow: string): void {
  const at = Date.parse(systemNow);
  if (!Number.isNaN(at)) systemAheadMs = at - Date.now();
}

/** An instant (ISO string or Date; the system's now when omitted) in Beijing time. */
export const beijing = (instant?: string | Date | Dayjs | null): Dayjs =>
  (instant == null ? dayjs(Date.now() + systemAheadMs) : dayjs(instant)).tz(BEIJING);

/** An instant as Beijing wall time, `YYYY-MM-DD HH:mm` unless another format is given. */
export const formatTime = (instant: string | Date, format = 'YYYY-MM-DD HH:mm'): string =>
  beijing(instant).format(format);
