import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  ApplicationChanges,
  applicationChangesSql,
  ApplicationRow,
  ApplicationToLock,
  lockOrCreateSql,
  partyTransferOfUpdated,
} from './licensing-applications.repository';
import type { LicensingEventResult } from './licensing-run';
import type { RidingRead } from './licensing-registry.repository';
import { runPrepared, statementName } from '../persistence/prepared';

/** An inbound event as it arrived: its fields, the raw body and signature, and the parsed body. */
export interface ArrivedEvent {
  eventId: string;
  type: string;
  applicationRef: string | null;
  occurredAt: string | null;
  rawBody: string;
  signature: string;
  raw: Record<string, unknown>;
}

/** A stored event as a replay needs it. */
export interface StoredEvent {
  status: 'processed' | 'rejected';
  result: LicensingEventResult | null;
  raw: Record<string, unknown>;
}

/**
 * licensing_events: every signed event the licensing side sent, processed or refused, with its answer, so the
 * same eventId is answered the same way however often it comes.
 */
@Injectable()
export class LicensingEventsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Inserts the event as `processed` in the caller's transaction; `inserted` false when the eventId is already
   * stored (a concurrent duplicate committed first — the unique index made this wait for it — or an earlier
   * refusal). With `application`, a new event also locks (or creates) its application row in the same
   * statement, returned as `application`; a stored eventId leaves the application alone. With `read` (and
   * `application`), the same statement also makes that read, answered as `read` for a new event.
   */
  async insertProcessed<T = never>(
    em: EntityManager,
    e: ArrivedEvent,
    application?: ApplicationToLock,
    read?: RidingRead<T>,
  ): Promise<{ inserted: boolean; application?: ApplicationRow; read?: T }> {
    const values: unknown[] = [e.eventId, e.type, e.applicationRef, e.occurredAt, e.rawBody, e.signature, e.raw];
    const insertEvent = `INSERT INTO licensing_events (event_id, type, application_ref, occurred_at, raw_body, signature, raw, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'processed') ON CONFLICT (event_id) DO NOTHING RETURNING id`;
    if (!application) {
      const inserted = await em.query(insertEvent, values);
      return { inserted: inserted.length > 0 };
    }
    const lock = lockOrCreateSql(values, application, 'EXISTS (SELECT 1 FROM e)');
    const riding = read?.parts(values);
    const text = `WITH e AS (${insertEvent}), a AS (${lock})${riding ? `, ${riding.ctes}` : ''}
       SELECT (SELECT id FROM e) AS event_row_id${riding ? `, ${riding.columns}` : ''}, a.* FROM (SELECT 1) one LEFT JOIN a ON true`;
    // prepared: planning this statement cost PostgreSQL more than running it, on every event
    const [row] = await runPrepared(this.ds, em, statementName('pf_lic_event', text), text, values);
    const { event_row_id: eventRowId, ...app } = row;
    if (eventRowId === null) return { inserted: false };
    for (const name of read?.names ?? []) delete app[name];
    return { inserted: true, application: app as ApplicationRow, read: read?.answer(row) };
  }

  /** An earlier refused attempt of this eventId is processed now, with the body as it arrived this time. */
  async reprocess(em: EntityManager, e: ArrivedEvent): Promise<void> {
    await em.query(
      `UPDATE licensing_events SET type = $2, application_ref = $3, occurred_at = $4, raw_body = $5, signature = $6, raw = $7, status = 'processed',
         attempts = attempts + 1, received_at = now() WHERE event_id = $1`,
      [e.eventId, e.type, e.applicationRef, e.occurredAt, e.rawBody, e.signature, e.raw],
    );
  }

  /**
   * Stores the 202 answer; returns it in its stored form (jsonb key order), so a replay is byte-for-byte the
   * same. With `application`, the event's changes to its application row are written by the same statement,
   * and the answer carries the application's resulting `partyTransfer` (derived from its case as it is now).
   */
  async storeResult(
    em: EntityManager,
    eventId: string,
    result: LicensingEventResult,
    outOfOrder: string | null,
    application?: ApplicationChanges,
  ): Promise<LicensingEventResult> {
    if (!application) {
      const [[stored]] = await em.query(
        `UPDATE licensing_events SET result = $2, http_status = 202, processed_at = now(), out_of_order = $3 WHERE event_id = $1 RETURNING result`,
        [eventId, result, outOfOrder],
      );
      return stored.result;
    }
    const values: unknown[] = [eventId, result, outOfOrder];
    const text = `WITH u AS (${applicationChangesSql(values, application)}),
       s AS (SELECT ${partyTransferOfUpdated()} AS s FROM u LEFT JOIN cases c ON c.id = u.case_id)
       UPDATE licensing_events SET result = $2::jsonb || coalesce((SELECT jsonb_build_object('partyTransfer', s) FROM s), '{}'::jsonb),
         http_status = 202, processed_at = now(), out_of_order = $3 WHERE event_id = $1 RETURNING result`;
    // prepared, one name per set of changed columns (the text names them)
    const [stored] = await runPrepared(this.ds, em, statementName('pf_lic_result', text), text, values);
    return stored.result;
  }

  /** The stored event (row-locked with `lock`, inside the caller's transaction), undefined when new. */
  async find(em: EntityManager, eventId: string, lock: boolean): Promise<StoredEvent | undefined> {
    const [prior] = await em.query(
      `SELECT status, result, raw FROM licensing_events WHERE event_id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [eventId],
    );
    return prior;
  }

  /**
   * Counts a replay of a processed eventId and returns the event as stored, in one statement (it takes the
   * row's lock, as `find` with `lock` did); undefined, and nothing counted, when the eventId is new or was
   * refused.
   */
  async countReplay(em: EntityManager, eventId: string): Promise<StoredEvent | undefined> {
    // an UPDATE answers [rows, count] through TypeORM
    const [[prior]] = await em.query(
      `UPDATE licensing_events SET replays = replays + 1, last_replay_at = now()
       WHERE event_id = $1 AND status = 'processed' AND result IS NOT NULL RETURNING status, result, raw`,
      [eventId],
    );
    return prior;
  }

  /** A replay's body differed from the first one (the answer stays the first one). */
  async markReplayMismatch(em: EntityManager, eventId: string): Promise<void> {
    await em.query(`UPDATE licensing_events SET replay_mismatch = true WHERE event_id = $1`, [eventId]);
  }

  /**
   * Keeps a refused event with the answer it got (the sender may fix it and send the same eventId again);
   * an eventId already processed is left as it is.
   */
  async recordRejection(e: ArrivedEvent, result: Record<string, unknown>, httpStatus: number): Promise<void> {
    await this.ds.query(
      `INSERT INTO licensing_events (event_id, type, application_ref, occurred_at, raw_body, signature, raw, status, result, http_status, processed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'rejected', $8, $9, now())
       ON CONFLICT (event_id) DO UPDATE SET raw_body = EXCLUDED.raw_body, signature = EXCLUDED.signature, raw = EXCLUDED.raw, type = EXCLUDED.type,
         result = EXCLUDED.result, http_status = EXCLUDED.http_status, processed_at = now(), attempts = licensing_events.attempts + 1
       WHERE licensing_events.status = 'rejected'`,
      [e.eventId, e.type, e.applicationRef, e.occurredAt, e.rawBody, e.signature, e.raw, result, httpStatus],
    );
  }
}
