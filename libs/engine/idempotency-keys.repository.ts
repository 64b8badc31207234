import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** A request seen before under the same (user, scope, key). */
export interface PriorRequest {
  requestHash: string;
  response: any;
}

/**
 * `idempotency_keys`: one row per (user, scope, key). The key row is inserted first inside the request's
 * transaction, so a concurrent duplicate waits on the row lock and then replays the stored response.
 */
@Injectable()
export class IdempotencyKeysRepository {
  /** Claims the key; false when it exists already (then read `prior`). */
  async claim(em: EntityManager, userId: string, scope: string, key: string, requestHash: string): Promise<boolean> {
    const inserted = await em.query(
      `INSERT INTO idempotency_keys (user_id, scope, key, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key`,
      [userId, scope, key, requestHash],
    );
    return inserted.length > 0;
  }

  async prior(em: EntityManager, userId: string, scope: string, key: string): Promise<PriorRequest> {
    const [row] = await em.query(
      `SELECT request_hash AS "requestHash", response FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3`,
      [userId, scope, key],
    );
    return row;
  }

  /** Stores the response the key replays from now on. */
  async complete(em: EntityManager, userId: string, scope: string, key: string, response: unknown) {
    await em.query(
      `UPDATE idempotency_keys SET status_code = 200, response = $4 WHERE user_id = $1 AND scope = $2 AND key = $3`,
      [userId, scope, key, response],
    );
  }
}
