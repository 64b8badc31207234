import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { OUTBOX_QUEUE } from '../queue/queue.module';
import { OutboxRepository } from './outbox.repository';

const LOOKAHEAD_MS = 60_000;

/**
 * Puts pending outbox rows on BullMQ, one job per row and attempt (`outbox-<id>-<attempts>`; BullMQ 6 forbids ':' in ids), delayed to
 * the row's next attempt. Like the timer relay it runs every few seconds, so a flushed Redis loses nothing:
 * the rows are still pending in PostgreSQL and go back on the queue.
 */
@Injectable()
export class OutboxRelay {
  constructor(
    private readonly outbox: OutboxRepository,
    @Inject(OUTBOX_QUEUE) private readonly queue: Queue,
  ) {}

  async relayOnce(): Promise<number> {
    // outbox delivery runs on wall time: retries and quiet hours are about the real receiver
    const now = Date.now();
    const rows = await this.outbox.pendingBefore(new Date(now + LOOKAHEAD_MS), 5000);
    if (!rows.length) return 0;
    await this.queue.addBulk(
      rows.map((r) => ({
        name: 'deliver',
        data: { id: r.id },
        opts: {
          jobId: `outbox-${r.id}-${r.attempts}`,
          delay: Math.max(0, r.nextAttemptAt.getTime() - now),
          removeOnComplete: true,
          // a failed job must not stay behind under its id: the row is still pending (its attempt rolled back,
          // e.g. a database error) and the next relay pass re-adds the same id, which BullMQ would ignore
          removeOnFail: true,
        },
      })),
    );
    return rows.length;
  }
}
