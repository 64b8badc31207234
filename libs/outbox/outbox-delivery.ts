import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { OutboxHandler, OutboxHandlers, outboxBackoffMs } from './outbox';
import { OutboxRepository } from './outbox.repository';

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
 * Delivery of outbox rows: one attempt of one row with its bookkeeping, and the due rows of a topic now.
 */
@Injectable()
export class OutboxDeliveryService {
  private readonly logger = new Logger(OutboxDeliveryService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly handlers: OutboxHandlers,
  ) {}

  /**
   * One delivery attempt of one outbox row, with its bookkeeping, inside the caller's transaction (the
   * caller holds the row lock: `OutboxRepository.lockForDelivery`, status still `pending`).
   *
   * - success → `delivered`, `delivered_at = now`, attempts + 1;
   * - handler throws → attempts + 1, `last_error`, `next_attempt_at = now + outboxBackoffMs(attempts)`
   *   (5 s, 10 s, 20 s … capped at one hour, never gives up);
   * - handler throws `OutboxUndeliverable` → `dead` with the reason (never retried).
   *
   * Every attempt is also logged in `outbox_attempts` (attempt number, time, outcome, error, duration), so a
   * delivery's whole history is visible. Never throws for a handler failure: the bookkeeping must commit.
   */
  async deliverRow(
    em: EntityManager,
    row: OutboxRowToDeliver,
    handler: OutboxHandler,
    now: Date = new Date(),
  ): Promise<DeliveryOutcome> {
    const id = String(row.id);
    const attempt = Number(row.attempts) + 1;
    const started = Date.now();
    let error: string | undefined;
    let dead = false;
    try {
      await handler.deliver({
        id,
        topic: row.topic,
        payload: row.payload,
        attempts: attempt,
        caseId: row.caseId ?? null,
      });
    } catch (e) {
      error = describe(e);
      dead = e instanceof OutboxUndeliverable;
    }
    await this.outbox.recordAttempt(em, { id, attempt, at: now, error, durationMs: Date.now() - started });
    if (error === undefined) {
      await this.outbox.markDelivered(em, id, attempt, now);
      return { id, outcome: 'delivered', attempts: attempt };
    }
    if (dead) {
      await this.outbox.markDead(em, id, attempt, error);
      return { id, outcome: 'dead', attempts: attempt, error };
    }
    const nextAttemptAt = new Date(now.getTime() + outboxBackoffMs(attempt));
    await this.outbox.scheduleRetry(em, id, attempt, error, nextAttemptAt);
    return { id, outcome: 'retry', attempts: attempt, error, nextAttemptAt };
  }

  /**
   * Locks one row and makes one attempt if it is still pending and due by `dueBy`, in its own transaction.
   * Undefined when another worker holds the row, it is no longer pending or due, or no handler knows its topic
   * (the row stays pending; logged when `reportMissingHandler`, the queue's path, where it should not happen).
   */
  async deliverOne(
    id: string,
    dueBy: Date,
    now: Date = new Date(),
    reportMissingHandler = false,
  ): Promise<DeliveryOutcome | undefined> {
    return this.ds.transaction(async (em) => {
      const row = await this.outbox.lockForDelivery(em, id);
      if (!row || row.status !== 'pending' || new Date(row.nextAttemptAt).getTime() > dueBy.getTime()) return undefined;
      const handler = this.handlers.get(row.topic);
      if (!handler) {
        if (reportMissingHandler)
          this.logger.error(`no handler for outbox topic ${row.topic}; row ${id} stays pending`);
        return undefined;
      }
      return this.deliverRow(em, row, handler, now);
    });
  }

  /**
   * Delivers the due pending rows (optionally of one topic), each in its own transaction under its row lock
   * (`SKIP LOCKED`: a row another worker is delivering right now is left to it). For the worker's fallback
   * while Redis is away, tests, scripts and operators; the worker's BullMQ processor does the same per row.
   */
  async deliverDue(opts: { topic?: string; now?: Date; limit?: number } = {}): Promise<DeliveryOutcome[]> {
    const now = opts.now ?? new Date();
    const ids = await this.outbox.dueIds({ now, topic: opts.topic, limit: opts.limit ?? 1000 });
    const out: DeliveryOutcome[] = [];
    for (const id of ids) {
      const outcome = await this.deliverOne(id, now, now);
      if (outcome) out.push(outcome);
    }
    return out;
  }
}
