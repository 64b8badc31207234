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

/** An instant (ISO string or Date; now when omitted) in Beijing time. */
export const beijing = (instant?: string | Date | Dayjs | null): Dayjs =>
  (instant == null ? dayjs() : dayjs(instant)).tz(BEIJING);

/** An instant as Beijing wall time, `YYYY-MM-DD HH:mm` unless another format is given. */
export const formatTime = (instant: string | Date, format = 'YYYY-MM-DD HH:mm'): string =>
  beijing(instant).format(format);
