import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from './clock';

/**
 * Keeps every process on the same engine time: the offset lives in PostgreSQL (`engine_clock`), is
 * read at start and every second, and is only ever raised, so time never runs backwards anywhere.
 */
@Injectable()
export class ClockSync implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ds: DataSource,
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
    const [row] = await this.ds.query(`SELECT offset_ms::float8 AS offset FROM engine_clock WHERE id = 1`);
    if (row) this.clock.setOffset(Number(row.offset));
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
    // TypeORM answers an UPDATE … RETURNING with [rows, rowCount]
    const [[row]] = await this.ds.query(
      `UPDATE engine_clock SET offset_ms = GREATEST(offset_ms, $1::bigint), updated_at = now() WHERE id = 1 RETURNING offset_ms::float8 AS offset`,
      [Math.round(offset)],
    );
    this.clock.setOffset(Number(row.offset));
    return this.clock.now();
  }
}
