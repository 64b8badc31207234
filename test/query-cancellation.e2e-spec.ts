import http from 'http';
import type { AddressInfo } from 'net';
import { Client } from 'pg';
import { connectToServer } from './support/global-setup';
import { Harness, startHarness } from './support/harness';

jest.setTimeout(120_000);

/**
 * Issue 11 "Scale": no statement timeout, and an abandoned request kept its SQL running for about 45 s. The
 * expensive reads are held up for real: another session locks the table they read (ACCESS EXCLUSIVE, as a
 * long migration or VACUUM FULL would), so their statements wait inside PostgreSQL exactly like a slow scan.
 */
const EXPENSIVE_READS = [
  { path: '/api/v1/audit/events?pageSize=50', user: 'supervisor', table: 'case_history' },
  { path: '/api/v1/audit/export', user: 'supervisor', table: 'case_history' },
  { path: '/api/v1/cases?status=open', user: 'city', table: 'cases' },
];

/** A session of the test's own (not the application's pool) holding an exclusive lock on `table` until release. */
async function lockTable(h: Harness, table: string): Promise<{ release: () => Promise<void>; client: Client }> {
  const client = await connectToServer(h.env.DATABASE_URL);
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return {
    client,
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

/** Statements of the application (its pool's application_name) waiting for a lock in this suite's database. */
async function waitingStatements(observer: Client): Promise<number> {
  const [{ n }] = (
    await observer.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'partyflow' AND wait_event_type = 'Lock'`,
    )
  ).rows;
  return n;
}

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('statement_timeout (e2e)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DB_STATEMENT_TIMEOUT_MS: '1500' });
  }, 60_000);
  afterAll(() => h.close());

  it('every pooled connection has the statement timeout, and no JIT (it cost the task list ~20 ms a page)', async () => {
    const [row] = await h.ds.query(
      `SELECT current_setting('statement_timeout') AS timeout, current_setting('jit') AS jit`,
    );
    expect(row).toEqual({ timeout: '1500ms', jit: 'off' });
  });

  it.each(EXPENSIVE_READS)('$path held up past DB_STATEMENT_TIMEOUT_MS answers 503 QUERY_TIMEOUT', async (read) => {
    const auth = await h.as(read.user);
    const lock = await lockTable(h, read.table);
    const started = Date.now();
    let res;
    try {
      res = await h.http().get(read.path).set(auth);
    } finally {
      await lock.release();
    }
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: 'QUERY_TIMEOUT' });
    expect(res.body.message).toMatch(/查询超时/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    // the same read once nothing holds it up
    expect((await h.http().get(read.path).set(auth)).status).toBe(200);
  });
});

describe('cancellation when the client goes away (e2e)', () => {
  let h: Harness;
  let port: number;
  let observer: Client;
  beforeAll(async () => {
    // the default timeout (30 s): what ends the statements below within seconds is the cancellation
    h = await startHarness();
    const server: http.Server = h.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    observer = await connectToServer(h.env.DATABASE_URL);
  }, 60_000);
  afterAll(async () => {
    await observer?.end();
    await h.close();
  });

  it.each(EXPENSIVE_READS)('$path: its statement stops in PostgreSQL when the client disconnects', async (read) => {
    const auth = await h.as(read.user);
    const lock = await lockTable(h, read.table);
    try {
      const abort = new AbortController();
      const req = http.get(`http://127.0.0.1:${port}${read.path}`, { headers: auth, signal: abort.signal });
      const gone = new Promise((resolve) => req.once('error', resolve));
      await until('the read waits in PostgreSQL', async () => (await waitingStatements(observer)) > 0, 20_000);
      abort.abort();
      await gone;
      // the lock is still held: only a cancellation ends the waiting statement now
      await until('the abandoned statement is cancelled', async () => (await waitingStatements(observer)) === 0, 5_000);
    } finally {
      await lock.release();
    }
  });

  it('a read whose client stays gets its answer, and the API keeps serving after cancellations', async () => {
    const auth = await h.as('supervisor');
    const lock = await lockTable(h, 'case_history');
    const pending = h
      .http()
      .get('/api/v1/audit/events?pageSize=5')
      .set(auth)
      .then((r) => r);
    await until('the read waits in PostgreSQL', async () => (await waitingStatements(observer)) > 0, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    await lock.release();
    expect((await pending).status).toBe(200);
    expect(
      (
        await h
          .http()
          .get('/api/v1/cases')
          .set(await h.as('city'))
      ).status,
    ).toBe(200);
  });
});
