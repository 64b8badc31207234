import type { DataSource } from 'typeorm';
import { Clock } from '../engine/clock';
import { ClockSync } from '../engine/clock-sync.service';
import { EngineClockRepository } from '../engine/engine-clock.repository';
import type { TimersRepository } from '../engine/timers.repository';
import { ClockAdvanceService } from './clock-advance.service';
import type { TimerDrainService } from './timer-drain.service';

/**
 * Stepping through due instants that have already passed (the demo's recruitment applied 40 days ago) moved the
 * clock to "now" as computed a moment earlier; when the wall clock ticked in between, that was refused as moving
 * backwards and the demo API failed to start now and then. Here the wall clock ticks on every reading.
 */
describe('ClockAdvanceService.advanceTo', () => {
  let wall = Date.parse('2026-12-02T08:00:00Z');
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => ++wall));
  afterEach(() => jest.restoreAllMocks());

  function build() {
    const clock = new Clock();
    let stored = 0; // engine_clock.offset_ms
    const ds = {
      query: async (_sql: string, [offset]: [number]) => {
        stored = Math.max(stored, offset); // GREATEST(offset_ms, $1)
        return [[{ offset: stored }], 1];
      },
    } as unknown as DataSource;
    const sync = new ClockSync(new EngineClockRepository(ds), clock);
    let due: Date | null = new Date(wall - 86_400_000); // overdue by a day
    const timers = { nextDueAt: async () => due } as unknown as TimersRepository;
    const drain = {
      drain: async () => {
        const fired = due ? 1 : 0;
        due = null;
        return { fired, events: 0, cancelled: 0 };
      },
    } as unknown as TimerDrainService;
    return { clock, service: new ClockAdvanceService(clock, sync, drain, timers) };
  }

  it('delivers a stage already due without refusing to move the clock "backwards" to a passed instant', async () => {
    const { clock, service } = build();
    const target = new Date(clock.now().getTime() + 3 * 86_400_000);
    const result = await service.advanceTo(target);
    expect(result.fired).toBe(1);
    expect(result.now.getTime()).toBeGreaterThanOrEqual(target.getTime());
  });

  it('a target that has just passed leaves engine time where it is', async () => {
    const { clock, service } = build();
    const before = clock.now();
    const result = await service.advanceTo(before);
    expect(result.now.getTime()).toBeGreaterThan(before.getTime());
    expect(clock.offset).toBe(0);
  });
});
