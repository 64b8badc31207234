import { DataSource, EntityManager } from 'typeorm';
import { OutboxHandler, OutboxHandlers, outboxBackoffMs } from './outbox';

/** An outbox row as the delivery code needs it (extra columns are ignored). */
export interface OutboxRowToDeliver {
  id: string;
  topic: string;
  payload: Record<string, any>;
  /** failed attempts so far (the column value before this attempt) */
  attempts: number;
  caseId?: string | null;
}

/**
 * Thrown by a handler when a message can never be delivered and must not be retried (nothing to send it
 * to, nothing to say). The row becomes `dead` with the reason in `last_error`; it stays visible.
 */
export class OutboxUndeliverable extends Error {}

export interface DeliveryOutcome {
  id: string;
  outcome: 'delivered' | 'retry' | 'dead';
  /** attempts recorded on the row after this one */
  attempts: number;
  error?: string;
  nextAttemptAt?: Date;
}

const MAX_ERROR_LENGTH = 1000;

/** The reason of a failed attempt, as an operator reads it (Chinese, with the technical cause kept). */
function describe(err: unknown): string {
  // duck-typed: fetch's errors may come from another realm (instanceof Error fails under test sandboxes)
  if (!err || typeof err !== 'object' || typeof (err as Error).message !== 'string')
    return String(err).slice(0, MAX_ERROR_LENGTH);
  const e = err as Error;
  // fetch() reports "fetch failed" and keeps the real reason (ECONNREFUSED, timeout…) in `cause`
  const cause = (e as any).cause;
  const detail = cause ? `${cause.code ?? cause.name ?? ''}${cause.message ? `: ${cause.message}` : ''}` : '';
  let text: string;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') text = `接收方无响应（超时）：${e.message}`;
  else if (e.message === 'fetch failed') text = `无法连接接收方（${detail || e.message}）`;
  // node:http reports the socket's error itself (code ECONNREFUSED, ENOTFOUND, ECONNRESET…)
  else if (/^E[A-Z]+$/.test(String((e as any).code ?? ''))) text = `无法连接接收方（${(e as any).code}: ${e.message}）`;
  else if (/^HTTP \d{3}/.test(e.message)) text = `接收方拒收：${e.message}`;
  else text = detail ? `${e.message}（${detail}）` : e.message;
  return text.slice(0, MAX_ERROR_LENGTH);
}

/**
 * One delivery attempt of one outbox row, with its bookkeeping, inside the caller's transaction (the
 * caller holds the row lock: `SELECT … FOR UPDATE SKIP LOCKED`, status still `pending`).
 *
 * - success → `delivered`, `delivered_at = now`, attempts + 1;
 * - handler throws → attempts + 1, `last_error`, `next_attempt_at = now + outboxBackoffMs(attempts)`
 *   (5 s, 10 s, 20 s … capped at one hour, never gives up);
 * - handler throws `OutboxUndeliverable` → `dead` with the reason (never retried).
 *
 * Every attempt is also logged in `outbox_attempts` (attempt number, time, outcome, error, duration), so a
 * delivery's whole history is visible. Never throws for a handler failure: the bookkeeping must commit.
 */
export async function deliverOutboxRow(
  em: EntityManager,
  row: OutboxRowToDeliver,
  handler: OutboxHandler,
  now: Date = new Date(),
): Promise<DeliveryOutcome> {
  const attempt = Number(row.attempts) + 1;
  const started = Date.now();
  let error: string | undefined;
  let dead = false;
  try {
    await handler.deliver({
      id: String(row.id),
      topic: row.topic,
      payload: row.payload,
      attempts: attempt,
      caseId: row.caseId ?? null,
    });
  } catch (e) {
    error = describe(e);
    dead = e instanceof OutboxUndeliverable;
  }
  const durationMs = Date.now() - started;
  await em.query(
    `INSERT INTO outbox_attempts (outbox_id, attempt, at, ok, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [row.id, attempt, now, error === undefined, error ?? null, durationMs],
  );
  if (error === undefined) {
    await em.query(`UPDATE outbox SET status = 'delivered', attempts = $2, delivered_at = $3 WHERE id = $1`, [
      row.id,
      attempt,
      now,
    ]);
    return { id: String(row.id), outcome: 'delivered', attempts: attempt };
  }
  if (dead) {
    await em.query(`UPDATE outbox SET status = 'dead', attempts = $2, last_error = $3 WHERE id = $1`, [
      row.id,
      attempt,
      error,
    ]);
    return { id: String(row.id), outcome: 'dead', attempts: attempt, error };
  }
  const nextAttemptAt = new Date(now.getTime() + outboxBackoffMs(attempt));
  await em.query(`UPDATE outbox SET attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $1`, [
    row.id,
    attempt,
    error,
    nextAttemptAt,
  ]);
  return { id: String(row.id), outcome: 'retry', attempts: attempt, error, nextAttemptAt };
}

/**
 * Delivers the due pending rows (optionally of one topic), each in its own transaction under its row lock
 * (`SKIP LOCKED`: a row another worker is delivering right now is left to it). For tests, scripts and a
 * relay without a queue; the worker's BullMQ processor does the same per row.
 */
export async function deliverDueOutbox(
  ds: DataSource,
  handlers: OutboxHandlers,
  opts: { topic?: string; now?: Date; limit?: number } = {},
): Promise<DeliveryOutcome[]> {
  const now = opts.now ?? new Date();
  const due: { id: string }[] = await ds.query(
    `SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND ($2::text IS NULL OR topic = $2) ORDER BY id LIMIT $3`,
    [now, opts.topic ?? null, opts.limit ?? 1000],
  );
  const out: DeliveryOutcome[] = [];
  for (const { id } of due) {
    const outcome = await ds.transaction(async (em) => {
      const [row] = await em.query(
        `SELECT id, topic, payload, attempts, case_id AS "caseId", status, next_attempt_at AS "nextAttemptAt" FROM outbox WHERE id = $1 FOR UPDATE SKIP LOCKED`,
        [id],
      );
      if (!row || row.status !== 'pending' || new Date(row.nextAttemptAt).getTime() > now.getTime()) return null;
      const handler = handlers.get(row.topic);
      if (!handler) return null;
      return deliverOutboxRow(em, row, handler, now);
    });
    if (outcome) out.push(outcome);
  }
  return out;
}
