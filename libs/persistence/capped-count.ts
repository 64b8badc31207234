import type { DataSource } from 'typeorm';

/**
 * Above this many matches by the planner's estimate a list does not count at all: it says "more than the cap".
 * The planner's row estimates are within a small factor on these filters (the scale bench: 9 682 estimated,
 * about 10 000 real); a count that would run on for hundreds of thousands of rows is what this avoids.
 */
export const ESTIMATE_FACTOR = 4;

/**
 * The matches of `SELECT 1 <fromWhere>` counted up to `cap + 1` (more is reported as "more than `cap`"), without
 * counting when the planner already expects far more than the cap. A capped count still reads every row it
 * passes on the way to `cap + 1` matches — with a selective filter over a wide range (an organization's events
 * in a month: 10 000 of 410 000 history rows) that is the whole range, half a second at 10 M rows — while the
 * estimate costs one planning.
 */
export async function cappedCount(ds: DataSource, fromWhere: string, params: unknown[], cap: number): Promise<number> {
  const [{ 'QUERY PLAN': plan }] = await ds.query(`EXPLAIN (FORMAT JSON) SELECT 1 ${fromWhere}`, params);
  if (plan[0].Plan['Plan Rows'] > ESTIMATE_FACTOR * cap) return cap + 1;
  const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM (SELECT 1 ${fromWhere} LIMIT ${cap + 1}) x`, params);
  return n;
}
