export * from './calendar-data';
export * from './working-calendar';
export * from './deadline-calculator';
export * from './calendar.module';
