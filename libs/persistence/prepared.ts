import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a hot-path statement as a named prepared statement (node-postgres `{ name, text, values }`), so
 * PostgreSQL parses and plans it once per connection instead of on every call. The pg client comes
 * through TypeORM's public `QueryRunner.connect()`: inside a transaction the transaction's own client,
 * otherwise a pooled client taken for this one statement and given back.
 */
export async function runPrepared<T = any>(
  ds: DataSource,
  em: EntityManager | undefined,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  if (em?.queryRunner) {
    const client: PoolClient = await em.queryRunner.connect();
    return (await client.query({ name, text, values })).rows;
  }
  const runner = ds.createQueryRunner();
  try {
    const client: PoolClient = await runner.connect();
    return (await client.query({ name, text, values })).rows;
  } finally {
    await runner.release();
  }
}

/**
 * The name of a prepared statement whose text is put together at run time (a CTE of optional parts, the
 * columns an event changes): one name per text, so each distinct shape is parsed and planned once per
 * connection, and two shapes never share a name (node-postgres refuses a name with another text).
 */
export function statementName(prefix: string, text: string): string {
  return `${prefix}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
}
