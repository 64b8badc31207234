import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { validateCalendarYear } from '../calendar/calendar-data';
import { WorkingCalendar } from '../calendar/working-calendar';
import { EngineService } from '../engine/engine.service';

/**
 * Adding a statutory year at run time: the file is validated, stored in PostgreSQL (every process and
 * every restart loads it), put into the calendar, and every pending deadline that was computed
 * provisionally (weekends only) is planned again with the real holidays and make-up days.
 */
@Injectable()
export class CalendarYearsService implements OnModuleInit {
  private readonly logger = new Logger(CalendarYearsService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly calendar: WorkingCalendar,
    private readonly engine: EngineService,
  ) {}

  async onModuleInit() {
    const rows: { data: unknown }[] = await this.ds.query(`SELECT data FROM calendar_years ORDER BY year`);
    for (const r of rows) this.calendar.addYear(r.data);
  }

  list() {
    return this.calendar.providedYears().map((year) => ({ year, source: this.calendar.sourceOf(year) ?? null }));
  }

  async add(json: unknown, addedBy: string): Promise<{ year: number; changed: boolean; replannedCases: number }> {
    let data;
    try {
      data = validateCalendarYear(json, 'uploaded calendar');
    } catch (e) {
      throw AppError.validation([{ field: 'body', errors: [(e as Error).message] }], '节假日安排数据无效');
    }
    await this.ds.query(
      `INSERT INTO calendar_years (year, data, added_by) VALUES ($1, $2, $3) ON CONFLICT (year) DO UPDATE SET data = EXCLUDED.data, added_by = EXCLUDED.added_by, added_at = now()`,
      [data.year, data, addedBy],
    );
    const changed = this.calendar.addYear(data);
    const replannedCases = changed ? await this.replanProvisional() : 0;
    this.logger.log(`已加入 ${data.year} 年法定节假日安排（${addedBy}），重新计算 ${replannedCases} 个案件的期限`);
    return { year: data.year, changed, replannedCases };
  }

  /** Re-plans the timers of every open case with a provisional pending deadline. */
  async replanProvisional(): Promise<number> {
    const rows: { case_id: string }[] = await this.ds.query(
      `SELECT DISTINCT t.case_id FROM timers t JOIN cases c ON c.id = t.case_id WHERE t.status = 'pending' AND t.provisional AND c.status = 'open'`,
    );
    for (const r of rows) await this.engine.replanTimers(r.case_id);
    return rows.length;
  }
}
