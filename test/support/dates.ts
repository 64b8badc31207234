/**
 * Calendar days in Beijing, as the engine counts them. A test that takes "today" from `toISOString()` gets the
 * UTC date, which is yesterday in Beijing from 00:00 to 08:00 there: letters, reports and deadlines then
 * disagree with the engine by a day, and the suite fails only at night (Beijing time).
 */
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** The Beijing date `days` days from now (wall clock, or `nowMs` when given), as YYYY-MM-DD. */
export function beijingDay(days = 0, nowMs = Date.now()): string {
  return new Date(nowMs + days * 86_400_000 + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}
