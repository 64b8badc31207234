import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { canonicalUuid } from './uuid';

/** Deeper than any payload the API defines; the body parser refuses deeper documents before this runs. */
const MAX_DEPTH = 64;

/** Lower-cases every string that is a UUID, at any depth of plain objects and arrays (in place). */
export function canonicalIds<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return canonicalUuid(value);
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = canonicalIds(value[i], depth + 1);
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  for (const key of Object.keys(value)) (value as any)[key] = canonicalIds((value as any)[key], depth + 1);
  return value;
}

/**
 * Global pipe, before validation: a UUID in a path, query or body has one spelling from here on. An id in
 * upper case used to reach the history hash as sent (the chain then failed verification), and could slip
 * past comparisons made in code rather than by PostgreSQL's uuid type.
 */
@Injectable()
export class CanonicalIdsPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata) {
    return metadata.type === 'custom' ? value : canonicalIds(value);
  }
}
