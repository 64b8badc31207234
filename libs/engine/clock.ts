import { Injectable } from '@nestjs/common';

/**
 * The engine's only source of "now". In tests and demos (CLOCK_CONTROL=1) it can be moved forward,
 * never back; the offset is what separates engine time from wall time.
 */
@Injectable()
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves engine time to `target` (must not be earlier than now). Returns the new now. */
  moveTo(target: Date): Date {
    const delta = target.getTime() - this.now().getTime();
    if (delta < 0) throw new RangeError('clock cannot move backwards');
    this.offsetMs += delta;
    return this.now();
  }

  /** For processes sharing a persisted offset (api and worker run separately). */
  setOffset(ms: number): void {
    if (ms < this.offsetMs) return;
    this.offsetMs = ms;
  }

  get offset(): number {
    return this.offsetMs;
  }
}
