/**
 * PostgreSQL errors that say "try again", not "no": a deadlock victim (40P01), a serialization failure
 * (40001), a lock wait given up (55P03), the server shutting down or restarting (57P01–57P03), out of
 * resources (class 53) or a lost connection (class 08, the driver's own socket errors, or TypeORM's released
 * query runner). Work that hit one of these must be redone, never recorded as refused — but only the
 * rolled-back kinds (isRolledBackDbError) may be redone blindly: after a lost connection the work may have
 * committed.
 */
export function isTransientDbError(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const code = String((e as { code?: unknown }).code ?? '');
  if (/^(40001|40P01|55P03|57P0[123]|53\d{3}|08\w{3})$/.test(code)) return true;
  if (/^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/.test(code)) return true;
  // TypeORM released the transaction's connection when PostgreSQL dropped it mid-transaction (the server was
  // stopped): the next statement of that transaction fails with this, not with the socket error itself
  if (/^QueryRunner(Provider)?AlreadyReleasedError$/.test(String((e as { name?: unknown }).name))) return true;
  const message = String((e as { message?: unknown }).message ?? '');
  return /Connection terminated|connection timeout|Client has encountered a connection error|terminating connection/i.test(
    message,
  );
}

/**
 * Errors that guarantee nothing was committed: the server rolled the transaction back (deadlock victim 40P01,
 * serialization failure 40001), refused the statement before it ran (lock wait given up 55P03, out of resources
 * 53xxx, not accepting connections 57P03), or was never reached (connection refused).
 */
export function isRolledBackDbError(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const code = String((e as { code?: unknown }).code ?? '');
  return /^(40001|40P01|55P03|57P03|53\d{3}|ECONNREFUSED)$/.test(code);
}

/**
 * A transient error after which the outcome is unknown: the connection broke (or the server was shut down)
 * while a statement ran, so an autocommitted statement or a COMMIT may have been applied although the client
 * never heard the answer. Check what the database holds before doing the work again.
 */
export function isOutcomeUnknownDbError(e: unknown): boolean {
  return isTransientDbError(e) && !isRolledBackDbError(e);
}

/** Runs `fn` again (up to `attempts` times, with a short jittered pause) while it fails with a transient database error. */
export async function retryTransient<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransientDbError(e) || attempt >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
    }
  }
}
