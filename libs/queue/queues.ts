import type { RedisOptions } from 'bullmq';
import type { AppConfig } from '../../config/app-config';

/** BullMQ queue names. Redis only delivers; what is due is always decided from PostgreSQL rows. */
export const QUEUES = {
  /** wake-ups at the instants timers fall due; the handler drains due timer stages from PostgreSQL */
  timers: 'timers',
  /** outbox deliveries (e-mail, webhooks, licensing callbacks), one job per row and attempt */
  outbox: 'outbox',
  /** campaign batches (one job per batch of target organizations); the targets' rows decide what is left */
  campaigns: 'campaigns',
  /** background audit jobs (whole-log verify, ledger export), one wake-up per run; the job row decides */
  audit: 'audit',
} as const;

/** Hash-tagged prefix so every key of a queue lands on one Redis Cluster slot. */
export const queuePrefix = (config: AppConfig) => `{${config.REDIS_PREFIX}}`;

/**
 * Connection options for BullMQ (workers need `maxRetriesPerRequest: null`). Options rather than a
 * client instance, so that each Queue/Worker owns its connection and closes it on `close()`.
 */
export function bullConnection(config: AppConfig, extra: Partial<RedisOptions> = {}): RedisOptions {
  return { url: config.REDIS_URL, maxRetriesPerRequest: null, ...extra };
}
