import { AppError } from './app-error';

/**
 * Keyset pagination. A page ends with a cursor naming its last row's sort key; the next page starts after it
 * (`WHERE (k1, k2, …) > (…)` along an index), so page 1 000 costs what page 1 costs, and rows inserted meanwhile
 * neither shift nor repeat what follows. Counts are capped: counting a million matches to print "1 000 000"
 * costs what the whole scan costs, so lists say "more than COUNT_CAP" instead.
 */
export const COUNT_CAP = 1000;

/** Timestamps in cursors keep PostgreSQL's microseconds (a JS Date would round them and skip or repeat ties). */
export const CURSOR_TIME_SQL = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const CURSOR_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The kinds of value a cursor holds, checked when it comes back (a cursor is client input). */
export type CursorPart = 'time' | 'uuid' | 'int';

export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The values of a cursor, or a 400 naming the `cursor` field when it is not one this list made. */
export function decodeCursor(cursor: string, parts: CursorPart[]): (string | number)[] {
  const bad = () => AppError.validation([{ field: 'cursor', errors: ['翻页游标无效，请从第一页重新查询'] }]);
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(values) || values.length !== parts.length) throw bad();
  parts.forEach((kind, i) => {
    const v = values[i];
    const ok =
      kind === 'int'
        ? Number.isInteger(v) && v >= 0 && v <= 2_147_483_647
        : typeof v === 'string' && (kind === 'time' ? CURSOR_TIME : UUID).test(v);
    if (!ok) throw bad();
  });
  return values as (string | number)[];
}

/** An offset page (`page`) is served only within the capped count; beyond it the client follows cursors. */
export function checkOffset(page: number, pageSize: number): number {
  const offset = (page - 1) * pageSize;
  if (offset >= COUNT_CAP)
    throw AppError.validation(
      [{ field: 'page', errors: [`按页码最多翻到第 ${COUNT_CAP} 条，之后请用 nextCursor 继续翻页`] }],
      '页码超出范围',
    );
  return offset;
}
