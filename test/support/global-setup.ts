import { Client } from 'pg';

/**
 * Jest globalSetup of the integration project: the suites run against a brand-new database
 * `partyflow_it_<timestamp>_<pid>` created on the server of DATABASE_URL, so they never touch
 * existing data; global-teardown.ts drops it. Migrations are not run here: the app runs them on boot.
 *
 * Runs in Jest's parent process before any test file; with `-i` (run in band) the tests run in
 * that same process and see the DATABASE_URL / REDIS_PREFIX set here (workers would inherit them too).
 */
export const IT_DATABASE_ENV = 'PARTYFLOW_IT_DATABASE';
export const IT_SERVER_URL_ENV = 'PARTYFLOW_IT_SERVER_URL';

const HINT = 'run `npm test`, which provisions PostgreSQL and Redis (or set DATABASE_URL and REDIS_URL yourself)';

/** `url` with its database replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** A client on the server of `url`: its own database, else the `postgres` maintenance database. */
export async function connectToServer(url: string): Promise<Client> {
  const attempt = async (target: string) => {
    const client = new Client({ connectionString: target, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      return client;
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  };
  try {
    return await attempt(url);
  } catch (e: any) {
    if (e?.code === '3D000') return attempt(withDatabase(url, 'postgres')); // database does not exist
    throw new Error(
      `无法连接 PostgreSQL（cannot connect to DATABASE_URL ${redact(url)}: ${e?.message ?? e}）— ${HINT}`,
      { cause: e },
    );
  }
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Best effort: an interrupted run (Ctrl-C skips globalTeardown) leaves its database behind; drop
 * those of this naming scheme older than 6 hours that nobody is connected to.
 */
async function dropAbandoned(client: Client, now: number): Promise<void> {
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT d.datname FROM pg_database d
        WHERE d.datname ~ '^partyflow_it_[0-9]+_[0-9]+$'
          AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)`,
    );
    for (const { datname } of rows) {
      const createdAt = Number(datname.split('_')[2]);
      if (now - createdAt > 6 * 3600_000)
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)}`);
    }
  } catch {
    /* not allowed to, or raced with another run: harmless */
  }
}

export default async function globalSetup(): Promise<void> {
  // several projects (integration, browser) share this setup: the first run creates the database
  if (process.env[IT_DATABASE_ENV]) return;
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error(`DATABASE_URL 未设置（DATABASE_URL is not set）: ${HINT}`);
  if (!process.env.REDIS_URL) throw new Error(`REDIS_URL 未设置（REDIS_URL is not set）: ${HINT}`);

  const stamp = Date.now();
  const database = `partyflow_it_${stamp}_${process.pid}`;
  const client = await connectToServer(serverUrl);
  try {
    await dropAbandoned(client, stamp);
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } catch (e: any) {
    throw new Error(
      `无法创建测试数据库 ${database}（cannot create the test database: ${e?.message ?? e}; the DATABASE_URL role needs CREATEDB）`,
      { cause: e },
    );
  } finally {
    await client.end().catch(() => undefined);
  }

  process.env[IT_SERVER_URL_ENV] = serverUrl;
  process.env[IT_DATABASE_ENV] = database;
  process.env.DATABASE_URL = withDatabase(serverUrl, database);
  process.env.REDIS_PREFIX = `pf-it-${stamp}`;
}
