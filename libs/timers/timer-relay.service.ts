import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Clock } from '../engine/clock';
import { TimersRepository } from '../engine/timers.repository';
import { TIMERS_QUEUE } from '../queue/queue.module';

/** How far ahead due instants are put on Redis as delayed wake-up jobs. */
export const RELAY_LOOKAHEAD_MS = 120_000;

/**
 * Puts the instants at which timers fall due on BullMQ as delayed wake-up jobs with deterministic ids
 * (`wake-<epoch ms>`, one per instant however many timers share it). It runs at start and every few
 * seconds, so it is also the reconciler: after Redis was flushed or a job lost, the next pass puts the
 * wake-ups back; a duplicate wake-up finds nothing left to deliver.
 */
@Injectable()
export class TimerRelay {
  private readonly logger = new Logger(TimerRelay.name);

  constructor(
    private readonly timers: TimersRepository,
    private readonly clock: Clock,
    @Inject(TIMERS_QUEUE) private readonly queue: Queue,
  ) {}

  async relayOnce(): Promise<number> {
    const now = this.clock.now().getTime();
    const rows = (await this.timers.dueInstants(new Date(now + RELAY_LOOKAHEAD_MS))).map((at) => ({ at }));
    if (!rows.length) return 0;
    // everything already due collapses into one immediate wake-up; future instants get their own
    const overdue = rows.some((r) => r.at.getTime() <= now);
    const future = rows.filter((r) => r.at.getTime() > now);
    const jobs = [
      ...(overdue
        ? [
            {
              name: 'wake',
              data: { at: new Date(now).toISOString() },
              opts: { jobId: overdueJobId(Date.now()), ...JOB_OPTS },
            },
          ]
        : []),
      ...future.map((r) => ({
        name: 'wake',
        data: { at: r.at.toISOString() },
        opts: { jobId: `wake-${r.at.getTime()}`, delay: r.at.getTime() - now, ...JOB_OPTS },
      })),
    ];
    await this.queue.addBulk(jobs);
    return jobs.length;
  }
}

/**
 * The immediate wake-up's id changes every few seconds of wall time: a wake-up still marked active by a
 * worker that died would otherwise block re-adding the same id until BullMQ's stalled-job check (≥ 30 s);
 * with a fresh id the next relay pass wakes a live worker. Within one window, passes still collapse into one job.
 */
export const OVERDUE_WINDOW_MS = 5_000;
export const overdueJobId = (wallMs: number) => `wake-overdue-${Math.floor(wallMs / OVERDUE_WINDOW_MS)}`;

const JOB_OPTS = {
  removeOnComplete: true,
  // a wake-up that failed every attempt (PostgreSQL was down) must not block re-adding its id
  removeOnFail: true,
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
};
