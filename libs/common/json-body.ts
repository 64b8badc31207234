import type { RequestHandler } from 'express';
import { json } from 'express';

/** Deepest nesting of objects and arrays a request body may have; no payload of the API comes near it. */
export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_BYTES = '256kb';

/**
 * Whether a JSON text nests objects/arrays deeper than `max`, by one pass over the bytes (strings
 * skipped): decided before parsing, so a 3 kB body of 1 600 brackets never reaches the recursive code
 * behind validation (class-transformer, Nest's proto-key stripping), which overflowed the stack.
 */
export function jsonNestingExceeds(buf: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** An error body-parser passes on as is (it keeps `status` and `type`), answered by the exception filter. */
export class BodyTooDeepError extends Error {
  readonly status = 400;
  readonly expose = true;
  readonly type = 'entity.too.deep';
  constructor() {
    super(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * The only body parser: JSON, at most MAX_JSON_BYTES (after decoding a Content-Encoding) and
 * MAX_JSON_DEPTH levels; the received bytes are kept as `req.rawBody` for signature checks.
 */
export function jsonBodyParser(): RequestHandler {
  return json({
    limit: MAX_JSON_BYTES,
    verify: (req, _res, buf) => {
      (req as any).rawBody = buf;
      if (jsonNestingExceeds(buf, MAX_JSON_DEPTH)) throw new BodyTooDeepError();
    },
  });
}
