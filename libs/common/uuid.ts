const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A canonical UUID (checked before an id reaches a `uuid` column, so a bad id is a 404, not a database error). */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
