import type { PoolClient } from 'pg';
import { guardPooledConnections } from '../../libs/persistence/data-source';
import { startDatabase, TestDatabase } from '../support/database';

/**
 * A pooled connection that PostgreSQL drops while no statement runs on it (shutdown, restart, a terminated
 * backend) emits 'error'; with nobody listening that ended the process. The fault suite saw a worker die so when
 * PostgreSQL was restarted under load.
 */
describe('pooled connections dropped by PostgreSQL (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await startDatabase([], { seed: false });
  }, 30_000);
  afterAll(() => db.close());

  it('a connection terminated between statements does not end the process; the next statement fails', async () => {
    guardPooledConnections(db.ds);
    const pool = (db.ds.driver as any).master;
    const client: PoolClient = await pool.connect();
    // checked out: pg-pool's idle listener is gone, and no query runner holds it
    expect(client.listenerCount('error')).toBe(1);
    const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows;
    const ended = new Promise((r) => client.once('end', r));
    await db.ds.query('SELECT pg_terminate_backend($1)', [pid]);
    await ended; // the 'error' event came before this, and the process is still here
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
    expect((await db.ds.query('SELECT 1 AS one'))[0].one).toBe(1);
  });
});
