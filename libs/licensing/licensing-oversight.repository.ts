import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isAdmin, Principal } from '../auth/principal';
import { firmAnchorPathSql } from '../registry/firms.repository';
import type { OrganizationsRepository } from '../registry/organizations.repository';
import { scopePrefixes } from '../registry/scope';
import { LICENSING_STATUS_TOPIC } from './licensing.constants';

/**
 * Where a licensing application lies, for scope: its transfer case's scope (the organizations of its
 * parties and their ancestors), its member's organization, and the firms it names. A caller sees an
 * application when any of them is in their scope: `$P` = the caller's path prefixes, `$O` = the
 * organizations where they hold a role. `a` is the application, `c` its case (either may be null).
 */
const applicationInScopeSql = (P: string, O: string) => `(
  c.scope_org_ids && ${O}::uuid[]
  OR (SELECT o.path FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = a.member_id) LIKE ANY(${P})
  OR EXISTS (SELECT 1 FROM firms f WHERE f.id IN (a.firm_id, a.to_firm_id, a.from_firm_id) AND ${firmAnchorPathSql('f')} LIKE ANY(${P})))`;

/** The caller's scope as the scoped reads take it (`all` for administrators). */
export interface LicensingScope {
  all: boolean;
  prefixes: string[];
  orgIds: string[];
}

export async function licensingScope(orgs: OrganizationsRepository, p: Principal): Promise<LicensingScope> {
  if (isAdmin(p)) return { all: true, prefixes: ['%'], orgIds: [] };
  return { all: false, prefixes: await scopePrefixes(orgs, p), orgIds: p.roles.map((r) => r.orgId) };
}

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

  /**
   * Licensing events as received with their outcome, newest first; `status` narrows to refused or
   * processed. Outside `all`, only events of applications in the caller's scope (an event that never
   * became an application has no place in the tree: administrators see it).
   */
  async events(
    scope: LicensingScope,
    q: {
      status?: string;
      page: number;
      pageSize: number;
    },
  ): Promise<{ rows: RefusedEventRow[]; total: number }> {
    const rows: (RefusedEventRow & { total: number })[] = await this.ds.query(
      `SELECT e.event_id AS "eventId", e.type, e.application_ref AS "applicationRef", e.occurred_at AS "occurredAt", e.received_at AS "receivedAt",
         e.processed_at AS "processedAt", e.http_status AS "httpStatus", e.result, e.attempts, e.raw, e.status, e.out_of_order AS "outOfOrder",
         count(*) OVER ()::int AS total
       FROM licensing_events e
       WHERE ($1::text IS NULL OR e.status = $1)
         AND ($4::boolean OR EXISTS (SELECT 1 FROM licensing_applications a LEFT JOIN cases c ON c.id = a.case_id
                                     WHERE a.application_ref = e.application_ref AND ${applicationInScopeSql('$5', '$6')}))
       ORDER BY e.received_at DESC, e.id DESC LIMIT $2 OFFSET $3`,
      [q.status ?? null, q.pageSize, (q.page - 1) * q.pageSize, scope.all, scope.prefixes, scope.orgIds],
    );
    return { rows, total: rows[0]?.total ?? 0 };
  }

  /** Is this application in the caller's scope? */
  async applicationInScope(scope: LicensingScope, ref: string): Promise<boolean> {
    if (scope.all) return true;
    const [row] = await this.ds.query(
      `SELECT ${applicationInScopeSql('$2', '$3')} AS x FROM licensing_applications a LEFT JOIN cases c ON c.id = a.case_id
       WHERE a.application_ref = $1`,
      [ref, scope.prefixes, scope.orgIds],
    );
    return !!row?.x;
  }

  /**
   * Outbound status notifications with their delivery attempts, newest first (at most 500): outside
   * \`all\`, only those of cases or applications in the caller's scope.
   */
  async deliveries(scope: LicensingScope, q: { applicationRef?: string; status?: string }) {
    return this.ds.query(
      `SELECT o.id, coalesce(o.payload->>'applicationRef', a.application_ref) AS "applicationRef", o.payload->>'partyTransfer' AS "partyTransfer",
         o.case_id AS "caseId", o.status, o.attempts, o.last_error AS "lastError", o.next_attempt_at AS "nextAttemptAt", o.created_at AS "createdAt",
         o.delivered_at AS "deliveredAt",
         coalesce((SELECT json_agg(json_build_object('attempt', t.attempt, 'at', t.at, 'ok', t.ok, 'error', t.error, 'durationMs', t.duration_ms) ORDER BY t.attempt)
                   FROM outbox_attempts t WHERE t.outbox_id = o.id), '[]'::json) AS "attemptLog"
       FROM outbox o
       LEFT JOIN licensing_applications a ON a.application_ref = o.payload->>'applicationRef' OR (o.payload->>'applicationRef' IS NULL AND a.case_id = o.case_id)
       LEFT JOIN cases c ON c.id = coalesce(o.case_id, a.case_id)
       WHERE o.topic = $1 AND ($2::text IS NULL OR o.payload->>'applicationRef' = $2 OR a.application_ref = $2) AND ($3::text IS NULL OR o.status = $3)
         AND ($4::boolean OR ${applicationInScopeSql('$5', '$6')})
       ORDER BY o.id DESC LIMIT 500`,
      [LICENSING_STATUS_TOPIC, q.applicationRef ?? null, q.status ?? null, scope.all, scope.prefixes, scope.orgIds],
    );
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

  /**
   * An earlier status notification about the same application (by ref, or by case) still pending: notifications
   * about one application leave in order, so a later one waits for it.
   */
  async earlierPendingStatus(
    topic: string,
    id: string,
    ref: string,
    caseId: string | null,
  ): Promise<string | undefined> {
    const [earlier] = await this.ds.query(
      `SELECT id FROM outbox WHERE topic = $1 AND status = 'pending' AND id < $2
         AND (payload->>'applicationRef' = $3 OR ($4::uuid IS NOT NULL AND case_id = $4::uuid)) ORDER BY id LIMIT 1`,
      [topic, id, ref, caseId],
    );
    return earlier?.id;
  }
}
