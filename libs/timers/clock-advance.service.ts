import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Clock } from '../engine/clock';
import { ClockSync } from '../engine/clock-sync.service';
import { TimersRepository } from '../engine/timers.repository';
import { TimerDrainService } from './timer-drain.service';

export interface ClockAdvanceResult {
  now: Date;
  fired: number;
  events: number;
  cancelled: number;
}

/**
 * Moves engine time forward for every process and delivers, in due order, every timer stage that falls due
 * on the way (used by the `_clock` control and by the demo seeder, so both move time the same way).
 */
@Injectable()
export class ClockAdvanceService {
  constructor(
    private readonly clock: Clock,
    private readonly sync: ClockSync,
    private readonly drain: TimerDrainService,
    private readonly timers: TimersRepository,
  ) {}

  /**
   * Steps through every instant at which something falls due up to the target, in order: each step sets
   * the clock to that instant and delivers what is due, so a clock event happens at its own due time and
   * the deadlines it starts count from there (and fire in the same call when they fall inside the window).
   * Returns once nothing due by the target is left pending — also what a worker process was delivering.
   * The caller has checked that `target` is not in the past.
   */
  async advanceTo(target: Date): Promise<ClockAdvanceResult> {
    const total = { fired: 0, events: 0, cancelled: 0 };
    const add = (r: { fired: number; events: number; cancelled: number }) => {
      total.fired += r.fired;
      total.events += r.events;
      total.cancelled += r.cancelled;
      return r.fired + r.cancelled;
    };
    const nextDue = () => this.timers.nextDueAt(target);
    const waitUntil = Date.now() + 60_000;
    for (let at = await nextDue(); at; at = await nextDue()) {
      await this.sync.moveAtLeastTo(at);
      // nothing delivered here: another process holds those rows right now; give it a moment
      if (add(await this.drain.drain()) === 0) {
        if (Date.now() > waitUntil)
          throw new AppError(503, 'DEPENDENCY_UNAVAILABLE', '到期提醒仍在由其他进程处理，请稍后重试');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const moved = await this.sync.moveAtLeastTo(target);
    add(await this.drain.drain());
    return { now: moved, ...total };
  }
}
