const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A canonical UUID (checked before an id reaches a `uuid` column, so a bad id is a 404, not a database error). */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/**
 * The one spelling of a UUID (lower case) that may reach a hash, a cache key, a JSON document or a query;
 * anything that is not a UUID is returned unchanged (callers answer it with 404 or 400).
 */
export const canonicalUuid = <T>(value: T): T => (isUuid(value) ? (value.toLowerCase() as unknown as T) : value);
