import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Background audit jobs (whole-log verify, ledger export). The row is the truth: who asked (with the scope
 * they had), what, how far it got and its result — the verify report as JSON, the ledger workbook as bytes,
 * so that any api process can serve it whichever worker made it. BullMQ only wakes a worker; a row left
 * `running` by a worker that died (no heartbeat) is put back on the queue by the relay.
 */
export class AuditJobs1796227137277 implements MigrationInterface {
  name = 'AuditJobs1796227137277';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_user_id text NOT NULL,
        principal jsonb NOT NULL,
        kind text NOT NULL CHECK (kind IN ('verify', 'export')),
        filter jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
        done int NOT NULL DEFAULT 0,
        total int,
        attempts int NOT NULL DEFAULT 0,
        result jsonb,
        file_name text,
        file bytea,
        error jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        heartbeat_at timestamptz,
        finished_at timestamptz
      );
      CREATE INDEX audit_jobs_owner ON audit_jobs (owner_user_id, created_at DESC);
      CREATE INDEX audit_jobs_unfinished ON audit_jobs (status) WHERE status IN ('queued', 'running');
      CREATE INDEX audit_jobs_finished ON audit_jobs (finished_at) WHERE finished_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_jobs`);
  }
}
