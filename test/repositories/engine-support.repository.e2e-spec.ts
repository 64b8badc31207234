import { EngineClockRepository } from '../../libs/engine/engine-clock.repository';
import { OutboxRepository } from '../../libs/outbox/outbox.repository';
import { DatabaseRepository } from '../../libs/persistence/database.repository';
import { inSavepoint } from '../../libs/persistence/savepoint';
import { CalendarYearsRepository } from '../../libs/timers/calendar-years.repository';
import { DueWorkRepository } from '../../libs/timers/due-work.repository';
import { Clock } from '../../libs/engine/clock';
import { startDatabase, TestDatabase } from '../support/database';

/** The small repositories around the engine: engine clock, calendar years, the due-work backlog, health. */
describe('engine clock, calendar years, due work and savepoints (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startDatabase(
      [EngineClockRepository, CalendarYearsRepository, DueWorkRepository, DatabaseRepository, OutboxRepository, Clock],
      { seed: false },
    );
  }, 30_000);
  afterAll(() => db.close());

  it('engine clock: the offset is only ever raised', async () => {
    const clock = db.get(EngineClockRepository);
    const start = (await clock.offsetMs()) ?? 0;
    expect(await clock.raiseOffset(start + 60_000)).toBe(start + 60_000);
    expect(await clock.raiseOffset(start + 1_000)).toBe(start + 60_000);
    expect(await clock.offsetMs()).toBe(start + 60_000);
  });

  it('calendar years: stored once per year, the last write wins, oldest year first', async () => {
    const years = db.get(CalendarYearsRepository);
    await years.upsert(2031, { year: 2031, v: 1 }, 'a');
    await years.upsert(2030, { year: 2030, v: 1 }, 'a');
    await years.upsert(2031, { year: 2031, v: 2 }, 'b');
    const stored = (await years.all()).filter((d: any) => d.year >= 2030);
    expect(stored).toEqual([
      { year: 2030, v: 1 },
      { year: 2031, v: 2 },
    ]);
  });

  it('due work: the outbox backlog and retries are counted', async () => {
    const due = db.get(DueWorkRepository);
    const before = await due.backlog(new Date());
    await db.ds.transaction((em) => db.get(OutboxRepository).enqueue(em, { topic: 'backlog.test', payload: {} }));
    await db.ds.query(`INSERT INTO outbox (topic, payload, attempts) VALUES ('backlog.test', '{}', 2)`);
    const after = await due.backlog(new Date());
    expect(after.outbox_pending - before.outbox_pending).toBe(2);
    expect(after.outbox_retrying - before.outbox_retrying).toBe(1);
    expect(after.overdue).toBe(0);
    expect((await due.overdueSince(-60_000)).outbox).toBe(true);
  });

  it('savepoints: a failed step is undone, the transaction goes on; a kept error skips the rollback', async () => {
    await db.ds.query(`CREATE TABLE IF NOT EXISTS savepoint_test (n int)`);
    await db.ds.transaction(async (em) => {
      await em.query(`INSERT INTO savepoint_test VALUES (1)`);
      await expect(
        inSavepoint(em, 'step', async () => {
          await em.query(`INSERT INTO savepoint_test VALUES (2)`);
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect(
        await inSavepoint(em, 'step', () => em.query(`INSERT INTO savepoint_test VALUES (3) RETURNING n`)),
      ).toEqual([{ n: 3 }]);
    });
    expect(await db.ds.query(`SELECT n FROM savepoint_test ORDER BY n`)).toEqual([{ n: 1 }, { n: 3 }]);
    // kept: no ROLLBACK TO, the transaction is still in its failed state and must be abandoned
    await expect(
      db.ds.transaction(async (em) => {
        await inSavepoint(em, 'step', () => em.query(`SELECT 1/0`), { keepOnError: () => true }).catch(() => undefined);
        await em.query(`SELECT 1`);
      }),
    ).rejects.toThrow(/current transaction is aborted/);
    await expect(inSavepoint(db.ds.manager, 'bad name', async () => 1)).rejects.toThrow(RangeError);
    await expect(db.get(DatabaseRepository).ping()).resolves.toBeUndefined();
  });
});
