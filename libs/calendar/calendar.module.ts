import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { WorkingCalendar } from './working-calendar';

/**
 * Where `config/calendars` is: beside the sources (`libs/calendar/../../config`), beside the build output
 * (`dist/libs/calendar/../../config`, copied there as a Nest asset) or under the working directory.
 */
export function defaultCalendarDir(): string {
  const candidates = [resolve(__dirname, '../../config/calendars'), resolve(process.cwd(), 'config/calendars')];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0];
}

export interface CalendarModuleOptions {
  /** Directory of the `<year>.json` files; default `config/calendars`. */
  dir?: string;
}

export const CALENDAR_MODULE_OPTIONS = Symbol('CALENDAR_MODULE_OPTIONS');

const calendarProvider = {
  provide: WorkingCalendar,
  useFactory: (options?: CalendarModuleOptions) =>
    WorkingCalendar.fromDirectory(options?.dir ?? defaultCalendarDir(), { logger: new Logger('WorkingCalendar') }),
  inject: [{ token: CALENDAR_MODULE_OPTIONS, optional: true }],
};

/** Provides the `WorkingCalendar` built from the repository's `config/calendars` (a bad file stops the start). */
@Module({ providers: [calendarProvider], exports: [WorkingCalendar] })
export class CalendarModule {
  /** Same, reading another directory (tests, deployments with their own calendar files). */
  static forRoot(options: CalendarModuleOptions = {}): DynamicModule {
    return { module: CalendarModule, providers: [{ provide: CALENDAR_MODULE_OPTIONS, useValue: options }] };
  }
}
