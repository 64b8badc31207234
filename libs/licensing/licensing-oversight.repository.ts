import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface RefusedEventRow {
  eventId: string;
  type: string;
  applicationRef: string | null;
  occurredAt: Date | null;
  receivedAt: Date;
  processedAt: Date | null;
  httpStatus: number | null;
  result: { statusCode?: number; code?: string; message?: string; details?: unknown } | null;
  attempts: number;
  raw: unknown;
}

/** Reads and the one write (re-queuing a delivery) of the licensing integration's oversight screens. */
@Injectable()
export class LicensingOversightRepository {
  constructor(private readonly ds: DataSource) {}

  /** Whether any of these organizations is a city or provincial committee. */
  async anyCommittee(orgIds: string[]): Promise<boolean> {
    if (!orgIds.length) return false;
    const [row] = await this.ds.query(
      `SELECT EXISTS (SELECT 1 FROM orgs WHERE id = ANY($1::uuid[]) AND type IN ('city_committee','provincial_committee')) AS x`,
      [orgIds],
    );
    return row.x;
  }

  /** Licensing events as received with their outcome, newest first; `status` narrows to refused or processed. */
  async events(q: {
    status?: string;
    page: number;
    pageSize: number;
  }): Promise<{ rows: RefusedEventRow[]; total: number }> {
    const rows: (RefusedEventRow & { total: number })[] = await this.ds.query(
      `SELECT event_id AS "eventId", type, application_ref AS "applicationRef", occurred_at AS "occurredAt", received_at AS "receivedAt",
         processed_at AS "processedAt", http_status AS "httpStatus", result, attempts, raw, status, out_of_order AS "outOfOrder",
         count(*) OVER ()::int AS total
       FROM licensing_events WHERE ($1::text IS NULL OR status = $1) ORDER BY received_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [q.status ?? null, q.pageSize, (q.page - 1) * q.pageSize],
    );
    return { rows, total: rows[0]?.total ?? 0 };
  }

  /** The delivery row, locked for a resend (NOWAIT-like: a row a worker is delivering right now is skipped). */
  async lockDelivery(em: EntityManager, id: string, topic: string) {
    const [row] = await em.query(
      `SELECT id, topic, payload, attempts, case_id AS "caseId", status FROM outbox WHERE id = $1 AND topic = $2 FOR UPDATE SKIP LOCKED`,
      [id, topic],
    );
    return row as
      | {
          id: string;
          topic: string;
          payload: Record<string, any>;
          attempts: number;
          caseId: string | null;
          status: string;
        }
      | undefined;
  }

  async exists(id: string, topic: string): Promise<boolean> {
    const [row] = await this.ds.query(`SELECT 1 FROM outbox WHERE id = $1 AND topic = $2`, [id, topic]);
    return !!row;
  }

  /** A dead delivery becomes pending again (an operator fixed the cause and asks for another attempt). */
  async revive(em: EntityManager, id: string): Promise<void> {
    await em.query(`UPDATE outbox SET status = 'pending', next_attempt_at = now() WHERE id = $1 AND status = 'dead'`, [
      id,
    ]);
  }
}
