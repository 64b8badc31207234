import type { EventEmitter } from 'node:events';
import { DataSource, DataSourceOptions } from 'typeorm';
import { InitialSchema1700000000000 } from './migrations/1700000000000-initial-schema';
import { TimerDelivery1700000000050 } from './migrations/1700000000050-timer-delivery';
import { CalendarYears1700000000060 } from './migrations/1700000000060-calendar-years';
import { TimerClaimIndex1700000000300 } from './migrations/1700000000300-timer-claim-index';
import { HistoryCheckpoints1700000000950 } from './migrations/1700000000950-history-checkpoints';
import { Notifications1700000000100 } from './migrations/1700000000100-notifications';
import { Licensing1700000000200 } from './migrations/1700000000200-licensing';
import { UsersLogin1700000000410 } from './migrations/1700000000410-users-login';
import { CaseIntegrity1700000000420 } from './migrations/1700000000420-case-integrity';
import { Campaigns1700000000900 } from './migrations/1700000000900-campaigns';
import { FollowUps1700000000910 } from './migrations/1700000000910-follow-ups';
import { OrgLife1796197480820 } from './migrations/1796197480820-org-life';
import { RegistryScope1796197509343 } from './migrations/1796197509343-registry-scope';
import { KeysetIndexes1796198752384 } from './migrations/1796198752384-keyset-indexes';
import { InactivityFlags1796213727622 } from './migrations/1796213727622-inactivity-flags';
import { UserChangeNotify1796215983547 } from './migrations/1796215983547-user-change-notify';
import { OrgTerms1796218494263 } from './migrations/1796218494263-org-terms';
import { ChainedCheckpoints1796226311073 } from './migrations/1796226311073-chained-checkpoints';
import { MemberPartyDisciplines1796226348869 } from './migrations/1796226348869-member-party-disciplines';
import { CaseUrges1796226444861 } from './migrations/1796226444861-case-urges';
import { AuditJobs1796227137277 } from './migrations/1796227137277-audit-jobs';
import { SealedIdNumbers1796283647322 } from './migrations/1796283647322-sealed-id-numbers';
import { CaseTaskKeys1796285342521 } from './migrations/1796285342521-case-task-keys';
import { LiveTimerIndex1796398316246 } from './migrations/1796398316246-live-timer-index';
import { TaskKeysPlpgsql1796401000000 } from './migrations/1796401000000-task-keys-plpgsql';
import { LapsedNoticeKind1796402000000 } from './migrations/1796402000000-lapsed-notice-kind';

export const MIGRATIONS = [
  InitialSchema1700000000000,
  TimerDelivery1700000000050,
  CalendarYears1700000000060,
  Notifications1700000000100,
  Licensing1700000000200,
  TimerClaimIndex1700000000300,
  UsersLogin1700000000410,
  CaseIntegrity1700000000420,
  Campaigns1700000000900,
  FollowUps1700000000910,
  HistoryCheckpoints1700000000950,
  OrgLife1796197480820,
  RegistryScope1796197509343,
  KeysetIndexes1796198752384,
  InactivityFlags1796213727622,
  UserChangeNotify1796215983547,
  OrgTerms1796218494263,
  ChainedCheckpoints1796226311073,
  MemberPartyDisciplines1796226348869,
  CaseUrges1796226444861,
  AuditJobs1796227137277,
  SealedIdNumbers1796283647322,
  CaseTaskKeys1796285342521,
  LiveTimerIndex1796398316246,
  TaskKeysPlpgsql1796401000000,
  LapsedNoticeKind1796402000000,
];

/**
 * Options of the application's DataSource (the schema comes from the migrations, never from synchronize).
 * `statementTimeoutMs` is PostgreSQL's statement_timeout for every pooled connection (0 or absent: none).
 */
export function dataSourceOptions(url: string, poolSize = 20, statementTimeoutMs = 0): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    // entities are registered by their own modules (TypeOrmModule.forFeature + autoLoadEntities); most
    // tables are read and written by their repositories with SQL — the workflow tables are hot, jsonb-heavy
    // and written in single statements — so only tables used through TypeORM's Repository API are mapped
    entities: [],
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: poolSize,
      application_name: 'partyflow',
      // No JIT: PostgreSQL compiles a statement whose estimated cost passes jit_above_cost (100 000), and the task
      // list's estimate (a correlated deadline lookup per candidate, costed for tens of thousands of rows when a
      // clerk has a few thousand) always did: ~20 ms of code emission on a 47 ms statement, on every /tasks page.
      // The application's statements are short and index-driven; none gains from JIT.
      options: '-c jit=off',
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    },
  };
}

const guarded = new WeakSet<object>();

/**
 * Gives every pooled connection an 'error' listener of its own, for as long as it lives. node-postgres emits
 * 'error' on a connection that PostgreSQL drops (shutdown, restart, terminated backend) while no statement is
 * running on it, and an 'error' event nobody listens to ends the process: TypeORM listens only while a query
 * runner holds the connection, pg-pool only while it is idle, and a worker died of the gap when PostgreSQL was
 * restarted under load (the fault suite). Statements still get their errors; this only keeps the process up.
 */
export function guardPooledConnections(ds: DataSource): void {
  const pool = (ds.driver as unknown as { master?: EventEmitter & { _clients?: EventEmitter[] } }).master;
  if (!pool || guarded.has(pool)) return;
  guarded.add(pool);
  const guard = (client: EventEmitter) => client.on('error', () => undefined);
  pool.on('connect', guard);
  // the connection TypeORM opened while initializing (pg-pool keeps no public list)
  for (const client of pool._clients ?? []) guard(client);
}

export function createDataSource(url: string, poolSize = 20): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize));
}

/**
 * What the application role may do, granted by the owner role after every migration run (idempotent): read
 * and write the tables it needs, but on `case_history` only read and append. It owns nothing, so it can
 * neither drop nor disable the triggers that keep the history append-only (only a table's owner can).
 */
export async function grantApplicationRole(owner: DataSource, appRole: string): Promise<void> {
  const role = `"${appRole.replace(/"/g, '""')}"`;
  await owner.query(`
    GRANT USAGE ON SCHEMA public TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${role};
    REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON case_history FROM ${role};
    GRANT SELECT, INSERT ON case_history TO ${role};
    REVOKE UPDATE, DELETE, TRUNCATE ON history_checkpoints FROM ${role};
    GRANT SELECT, INSERT ON history_checkpoints TO ${role};
  `);
}

/** Key of the advisory lock that serializes migrations when several processes start at once. */
const MIGRATION_LOCK_KEY = 727_001;

/** Runs pending migrations under a PostgreSQL advisory lock (several api/worker processes may boot together). */
export async function migrate(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
