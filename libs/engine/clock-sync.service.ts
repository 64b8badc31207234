import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Clock } from './clock';
import { EngineClockRepository } from './engine-clock.repository';

/**
 * Keeps every process on the same engine time: the offset lives in PostgreSQL (`engine_clock`), is
 * read at start and every second, and is only ever raised, so time never runs backwards anywhere.
 */
@Injectable()
export class ClockSync implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stored: EngineClockRepository,
    private readonly clock: Clock,
  ) {}

  async onModuleInit() {
    await this.refresh();
    this.timer = setInterval(() => this.refresh().catch(() => undefined), 1000);
    this.timer.unref();
  }

  onApplicationShutdown() {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const offset = await this.stored.offsetMs();
    if (offset !== undefined) this.clock.setOffset(offset);
  }

  /** Moves engine time forward to `target` for every process (never back). */
  async moveTo(target: Date): Promise<Date> {
    if (target.getTime() < this.clock.now().getTime()) throw new RangeError('clock cannot move backwards');
    return this.write(target.getTime());
  }

  /**
   * Moves engine time to `target`, or leaves it where it is when it is already there or later. Callers that
   * mean "at least" use this rather than `moveTo(max(target, now))`: now has moved on by the time moveTo
   * reads it again, and on a busy machine that millisecond made the demo seeder's clock step throw.
   */
  async moveAtLeastTo(target: Date): Promise<Date> {
    return this.write(Math.max(target.getTime(), this.clock.now().getTime()));
  }

  private async write(targetMs: number): Promise<Date> {
    const offset = targetMs - Date.now();
    this.clock.setOffset(await this.stored.raiseOffset(offset));
    return this.clock.now();
  }
}
