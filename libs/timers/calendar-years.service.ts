import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AppError } from '../common/app-error';
import { validateCalendarYear } from '../calendar/calendar-data';
import { WorkingCalendar } from '../calendar/working-calendar';
import { EngineService } from '../engine/engine.service';
import { TimersRepository } from '../engine/timers.repository';
import { CalendarYearsRepository } from './calendar-years.repository';

/**
 * Adding a statutory year at run time: the file is validated, stored in PostgreSQL (every process and
 * every restart loads it), put into the calendar, and every pending deadline that was computed
 * provisionally (weekends only) is planned again with the real holidays and make-up days.
 */
@Injectable()
export class CalendarYearsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CalendarYearsService.name);

  constructor(
    private readonly years: CalendarYearsRepository,
    private readonly calendar: WorkingCalendar,
    private readonly engine: EngineService,
    private readonly timers: TimersRepository,
    private readonly config: AppConfig,
  ) {}

  private refresher?: NodeJS.Timeout;

  async onModuleInit() {
    await this.loadStoredYears();
    // a year added through another process reaches this one within a minute
    this.refresher = setInterval(
      () =>
        void this.loadStoredYears().catch((e) => this.logger.warn(`calendar refresh failed: ${(e as Error).message}`)),
      60_000,
    );
    this.refresher.unref();
    // a year that arrived as a file (config/calendars) while deadlines were provisional: plan them again now
    if (this.config.ROLE !== 'api')
      void this.replanProvisional({ onlyProvidedYears: true })
        .then((n) => n && this.logger.log(`日历数据已更新：重新计算 ${n} 个案件的暂定期限`))
        .catch((e) => this.logger.warn(`replanning provisional deadlines failed: ${(e as Error).message}`));
  }

  onModuleDestroy() {
    clearInterval(this.refresher);
  }

  /** Stored years (added at run time by any process) into this process's calendar; true when one was new or changed. */
  private async loadStoredYears(): Promise<boolean> {
    let changed = false;
    for (const data of await this.years.all()) changed = this.calendar.addYear(data) || changed;
    return changed;
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
    await this.years.upsert(data.year, data, addedBy);
    const changed = this.calendar.addYear(data);
    const replannedCases = changed ? await this.replanProvisional() : 0;
    this.logger.log(`已加入 ${data.year} 年法定节假日安排（${addedBy}），重新计算 ${replannedCases} 个案件的期限`);
    return { year: data.year, changed, replannedCases };
  }

  /**
   * Re-plans the timers of every open case with a provisional pending deadline (with `onlyProvidedYears`,
   * those due in a year the calendar now has data for).
   */
  async replanProvisional(opts: { onlyProvidedYears?: boolean } = {}): Promise<number> {
    const years = opts.onlyProvidedYears ? this.calendar.providedYears() : null;
    const caseIds = await this.timers.casesWithProvisionalDeadlines(years);
    for (const id of caseIds) await this.engine.replanTimers(id);
    return caseIds.length;
  }
}
