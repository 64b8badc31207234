import type { EntityManager } from 'typeorm';

/**
 * Runs `work` under a named savepoint of the caller's transaction: released when it succeeds, rolled back to
 * when it throws (the error is rethrown), so a refused step undoes its own writes and the transaction goes on.
 * `keepOnError`: errors after which the whole transaction is lost anyway (a dropped connection), rethrown
 * without a rollback statement on a connection that cannot answer it. `release: false` leaves a successful
 * savepoint to end with the transaction (one round trip less on a hot path).
 */
export async function inSavepoint<T>(
  em: EntityManager,
  name: string,
  work: () => Promise<T>,
  opts: { keepOnError?: (err: unknown) => boolean; release?: boolean } = {},
): Promise<T> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError(`savepoint name ${name}`);
  await em.query(`SAVEPOINT ${name}`);
  let result: T;
  try {
    result = await work();
  } catch (err) {
    if (!opts.keepOnError?.(err)) await em.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw err;
  }
  if (opts.release !== false) await em.query(`RELEASE SAVEPOINT ${name}`);
  return result;
}
