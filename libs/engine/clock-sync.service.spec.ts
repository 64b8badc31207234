import type { DataSource } from 'typeorm';
import { Clock } from './clock';
import { ClockSync } from './clock-sync.service';
import { EngineClockRepository } from './engine-clock.repository';

/** engine_clock's one row, as PostgreSQL keeps it: the offset is only ever raised (GREATEST). */
function engineClockTable() {
  let offset = 0;
  return {
    query: async (_sql: string, params?: unknown[]) => {
      if (params) offset = Math.max(offset, Number(params[0]));
      return params ? [[{ offset }]] : [{ offset }];
    },
  } as unknown as DataSource;
}

describe('ClockSync', () => {
  it('moves "at least to" a target that now has already passed without throwing (the seeder’s race)', async () => {
    const clock = new Clock();
    const sync = new ClockSync(new EngineClockRepository(engineClockTable()), clock);
    await sync.moveTo(new Date(Date.now() + 86_400_000));
    const before = clock.now();
    // what ClockAdvanceService used to do: max(target, now) computed first, read again inside moveTo
    const justPassed = new Date(before.getTime() - 1);
    await expect(sync.moveTo(justPassed)).rejects.toThrow(/backwards/);
    const after = await sync.moveAtLeastTo(justPassed);
    expect(after.getTime()).toBeGreaterThanOrEqual(before.getTime());
    const later = new Date(before.getTime() + 3_600_000);
    expect((await sync.moveAtLeastTo(later)).getTime()).toBeGreaterThanOrEqual(later.getTime());
  });
});
