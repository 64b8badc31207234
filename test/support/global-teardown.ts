import Redis from 'ioredis';
import { connectToServer, IT_DATABASE_ENV, IT_SERVER_URL_ENV } from './global-setup';

/** Jest globalTeardown of the integration project: drops the database made by global-setup.ts. */
export default async function globalTeardown(): Promise<void> {
  const database = process.env[IT_DATABASE_ENV];
  const serverUrl = process.env[IT_SERVER_URL_ENV];
  if (!database || !serverUrl) return; // setup did not get as far as creating it
  // never drop anything but a database this setup created
  if (!/^partyflow_it_\d+_\d+$/.test(database)) throw new Error(`refusing to drop unexpected database ${database}`);

  await cleanRedis();

  const client = await connectToServer(serverUrl);
  try {
    for (let attempt = 1; ; attempt++) {
      // connections left open by the suites would block DROP DATABASE
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database],
      );
      try {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)}`);
        break;
      } catch (e: any) {
        // 55006 object_in_use: a pool reconnected in between
        if (e?.code !== '55006' || attempt >= 5) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  process.env.DATABASE_URL = serverUrl;
  delete process.env[IT_DATABASE_ENV];
  delete process.env[IT_SERVER_URL_ENV];
}

/** Best effort: removes the run's `REDIS_PREFIX:*` keys (matters when REDIS_URL is a shared server). */
async function cleanRedis(): Promise<void> {
  const prefix = process.env.REDIS_PREFIX;
  const url = process.env.REDIS_URL;
  if (!prefix || !url || !/^pf-it-\d+$/.test(prefix)) return;
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    /* best effort */
  } finally {
    redis.disconnect();
  }
}
