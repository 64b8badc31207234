import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import { Connection } from 'pg';
import type { DataSource } from 'typeorm';

/** The abort signal of the HTTP request on whose behalf statements are running (absent outside requests). */
const requestSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `fn` (and everything it starts) on behalf of a request whose client may go away: a statement it sends
 * while `signal` is not aborted is cancelled in PostgreSQL when the signal aborts. Without this an abandoned
 * search keeps its query running until it ends or hits statement_timeout (issue 11: about 45 s).
 */
export function runCancellable<T>(signal: AbortSignal, fn: () => T): T {
  return requestSignal.run(signal, fn);
}

interface PgClientInternals extends EventEmitter {
  query: (...args: unknown[]) => unknown;
  /** pg's running query (the public getter is deprecated) */
  _activeQuery?: unknown;
  processID?: number;
  secretKey?: number;
  host?: string;
  port?: number;
}

const wrapped = new WeakSet<object>();

/**
 * Makes every connection of the DataSource's pool cancel its running statement when the request it runs for
 * is abandoned (see runCancellable). The cancel is PostgreSQL's own CancelRequest on a fresh socket (what
 * `pg` does for a query's cancel), so it needs no pooled connection and waits for none. It is sent only while
 * the statement is still the connection's active one; PostgreSQL cancels whatever that backend runs when the
 * request arrives, so a statement finishing in that same millisecond may let the next one on the connection
 * fail with 57014 instead — a 503 the client may retry, never a wrong answer.
 */
export function cancelStatementsOfAbandonedRequests(ds: DataSource): void {
  const pool = (ds.driver as unknown as { master?: EventEmitter & { _clients?: PgClientInternals[] } }).master;
  if (!pool) return;
  pool.on('connect', (client: PgClientInternals) => wrap(client));
  for (const client of pool._clients ?? []) wrap(client);
}

function wrap(client: PgClientInternals): void {
  if (wrapped.has(client)) return;
  wrapped.add(client);
  const query = client.query;
  client.query = function (this: PgClientInternals, ...args: unknown[]) {
    const signal = requestSignal.getStore();
    const result = query.apply(this, args);
    if (!signal || !(result instanceof Promise)) return result;
    // pg starts a query at once on an idle connection, and a pooled connection runs one query at a time
    const running = client._activeQuery;
    const cancel = () => {
      if (!running || client._activeQuery !== running || client.processID === undefined) return;
      // the protocol-level connection (not typed by @types/pg): a CancelRequest needs no login
      const canceller = new Connection() as unknown as EventEmitter & {
        connect: (portOrPath: number | string, host?: string) => void;
        cancel: (processID: number, secretKey: number) => void;
      };
      // PostgreSQL closes the socket after a CancelRequest; failing to reach it only means nothing is cancelled
      canceller.on('error', () => undefined);
      canceller.once('connect', () => canceller.cancel(client.processID!, client.secretKey!));
      if (client.host?.startsWith('/')) canceller.connect(`${client.host}/.s.PGSQL.${client.port}`);
      else canceller.connect(client.port!, client.host!);
    };
    if (signal.aborted) cancel();
    else {
      signal.addEventListener('abort', cancel, { once: true });
      const done = () => signal.removeEventListener('abort', cancel);
      result.then(done, done);
    }
    return result;
  };
}
