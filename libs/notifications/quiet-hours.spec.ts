import { join } from 'node:path';
import { WorkingCalendar } from '../calendar/working-calendar';
import { planDelivery } from './quiet-hours';

describe('quiet hours: when a notice may reach people', () => {
  const calendar = WorkingCalendar.fromDirectory(join(__dirname, '../../config/calendars'), {
    logger: { warn: () => undefined },
  });
  const at = (iso: string) => new Date(iso);
  const plan = (kind: any, now: string, extra: object = {}) => planDelivery(calendar, { kind, now: at(now), ...extra });

  it('a reminder on a working day during working hours goes out at once', () => {
    expect(plan('reminder', '2026-03-09T10:00:00+08:00')).toEqual({
      deliverAt: at('2026-03-09T10:00:00+08:00'),
      deferred: false,
    });
  });

  it('a reminder at night waits for the next working morning (09:00)', () => {
    expect(plan('reminder', '2026-03-09T22:30:00+08:00')).toEqual({
      deliverAt: at('2026-03-10T09:00:00+08:00'),
      deferred: true,
    });
    // after midnight, before the end of the quiet hours: the same day's morning
    expect(plan('reminder', '2026-03-10T06:00:00+08:00').deliverAt).toEqual(at('2026-03-10T09:00:00+08:00'));
  });

  it('the end of a due day (23:59:59.999) on a Friday waits for Monday', () => {
    expect(plan('overdue', '2026-03-13T23:59:59.999+08:00').deliverAt).toEqual(at('2026-03-16T09:00:00+08:00'));
  });

  it('a weekend day, even at noon, waits for the next working day', () => {
    expect(plan('reminder', '2026-03-14T12:00:00+08:00').deliverAt).toEqual(at('2026-03-16T09:00:00+08:00'));
  });

  it('statutory holidays are skipped and 调休 make-up Saturdays count as working days', () => {
    // 国庆节 2026: 1–7 October off; Saturday 10 October is a make-up working day
    expect(plan('escalation', '2026-10-01T10:00:00+08:00').deliverAt).toEqual(at('2026-10-08T09:00:00+08:00'));
    expect(plan('reminder', '2026-10-10T11:00:00+08:00')).toEqual({
      deliverAt: at('2026-10-10T11:00:00+08:00'),
      deferred: false,
    });
    // Friday 9 October at night → the make-up Saturday morning
    expect(plan('reminder', '2026-10-09T21:00:00+08:00').deliverAt).toEqual(at('2026-10-10T09:00:00+08:00'));
  });

  it('quiet hours and the morning hour come from the policy', () => {
    const quietHours = { from: '18:00', to: '07:30' };
    expect(plan('reminder', '2026-03-09T18:30:00+08:00', { quietHours, morningHour: 8 }).deliverAt).toEqual(
      at('2026-03-10T08:00:00+08:00'),
    );
    expect(plan('reminder', '2026-03-09T17:59:00+08:00', { quietHours }).deferred).toBe(false);
    // from == to: no quiet hours at all (working days still apply)
    expect(plan('reminder', '2026-03-09T23:00:00+08:00', { quietHours: { from: '00:00', to: '00:00' } }).deferred).toBe(
      false,
    );
  });

  it('overdue notices and escalations are deferred by default, not when deferEscalations is false', () => {
    expect(plan('escalation', '2026-03-09T23:59:59.999+08:00').deferred).toBe(true);
    expect(plan('overdue', '2026-03-09T23:59:59.999+08:00', { deferEscalations: false })).toEqual({
      deliverAt: at('2026-03-09T23:59:59.999+08:00'),
      deferred: false,
    });
    expect(plan('escalation', '2026-03-14T12:00:00+08:00', { deferEscalations: false }).deferred).toBe(false);
    // reminders are always deferred
    expect(plan('reminder', '2026-03-09T23:00:00+08:00', { deferEscalations: false }).deferred).toBe(true);
  });

  it('a lapsed clock deadline (nobody is late) waits for the working morning, as a reminder does', () => {
    // a transfer letter runs out at the end of its last day: its clerk hears of it on Monday morning, not at midnight
    expect(plan('lapsed', '2026-03-13T23:59:59.999+08:00', { deferEscalations: false })).toEqual({
      deliverAt: at('2026-03-16T09:00:00+08:00'),
      deferred: true,
    });
  });

  it('info messages are never deferred', () => {
    expect(plan('info', '2026-03-14T23:00:00+08:00').deferred).toBe(false);
  });
});
