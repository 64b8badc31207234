import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { Clock } from '../engine/clock';
import { RetentionCounts, RetentionRepository } from './retention.repository';

const DAY_MS = 86_400_000;

/**
 * Retention by policy (RETENTION_* settings, in days): idempotency keys, notifications, delivered and dead
 * outbox rows with their attempts, timer deliveries, fired or cancelled timers, and finished audit jobs. The worker runs it
 * periodically (RETENTION_EVERY_MS); the history of cases is never deleted.
 */
@Injectable()
export class RetentionService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly repo: RetentionRepository,
  ) {}

  runOnce(wallNow = new Date()): Promise<RetentionCounts> {
    const c = this.config;
    const engineNow = this.clock.now();
    const wall = (days: number) => new Date(wallNow.getTime() - days * DAY_MS);
    const engine = (days: number) => new Date(engineNow.getTime() - days * DAY_MS);
    return this.repo.purge({
      idempotencyKeys: wall(c.RETENTION_IDEMPOTENCY_DAYS),
      notifications: wall(c.RETENTION_NOTIFICATIONS_DAYS),
      outbox: wall(c.RETENTION_OUTBOX_DAYS),
      deadOutbox: wall(2 * c.RETENTION_OUTBOX_DAYS),
      deliveriesEngine: engine(c.RETENTION_DELIVERIES_DAYS),
      deliveriesWall: wall(c.RETENTION_DELIVERIES_DAYS),
      timersEngine: engine(c.RETENTION_TIMERS_DAYS),
      timersWall: wall(c.RETENTION_TIMERS_DAYS),
      licensingIdNumbers: wall(c.RETENTION_LICENSING_ID_NUMBERS_DAYS),
      auditJobs: wall(c.RETENTION_AUDIT_JOBS_DAYS),
    });
  }
}
