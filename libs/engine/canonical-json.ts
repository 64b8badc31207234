import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export const GENESIS_HASH = '0'.repeat(64);

export interface HashedHistoryFields {
  caseId: string;
  seq: number;
  at: string;
  actor: unknown;
  type: string;
  data: unknown;
  comment: string | null;
  from: unknown;
  to: unknown;
}

/** hash = sha256(prevHash + canonical row) — docs/architecture.md, "History is append-only". */
export function historyHash(prevHash: string, row: HashedHistoryFields): string {
  return createHash('sha256')
    .update(prevHash + canonicalJson({ ...row, data: row.data ?? null, from: row.from ?? null }))
    .digest('hex');
}
