import { addMonths, ageOn, compareDates, daysInclusive, localDate, localDateOrText, toDate } from './dates';

describe('kernel date helpers', () => {
  it('toDate keeps ISO dates and converts timestamps to the China calendar day', () => {
    expect(toDate('2025-03-01')).toBe('2025-03-01');
    expect(toDate('2025-02-28T15:59:59Z')).toBe('2025-02-28');
    expect(toDate('2025-02-28T16:00:00Z')).toBe('2025-03-01');
    expect(toDate('2025-03-01T00:30:00+08:00')).toBe('2025-03-01');
    expect(() => toDate('not a date')).toThrow(/invalid ISO date/);
  });

  it('toDate refuses days that do not exist and reads other ISO forms as China time', () => {
    expect(() => toDate('2026-02-30')).toThrow(/invalid ISO date/);
    expect(() => toDate('2026-02-30T10:00:00Z')).toThrow(/invalid ISO date/);
    expect(() => toDate('2026-13-01')).toThrow(/invalid ISO date/);
    expect(toDate('2026-03-01T23:30')).toBe('2026-03-01'); // a local time without offset is Beijing time
    expect(toDate('2026-03-01T23:30:00.000+08:00')).toBe('2026-03-01');
    expect(toDate('2026-03-01T16:00:00.000Z')).toBe('2026-03-02');
  });

  it('localDateOrText gives back what is not a date', () => {
    expect(localDateOrText('2026-03-01T16:00:00Z')).toBe('2026-03-02');
    expect(localDateOrText('待定')).toBe('待定');
    expect(localDate(undefined, '2026-03-01T16:00:00Z')).toBe('2026-03-02');
  });

  it('addMonths clamps to the end of the month and crosses years both ways', () => {
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2025-06-10', 12)).toBe('2026-06-10');
    expect(addMonths('2025-11-15', 3)).toBe('2026-02-15');
    expect(addMonths('2025-03-31', -1)).toBe('2025-02-28');
    expect(addMonths('2025-01-15', -1)).toBe('2024-12-15');
    expect(addMonths('2025-01-15', 0)).toBe('2025-01-15');
  });

  it('compareDates compares calendar days', () => {
    expect(compareDates('2025-01-01', '2025-01-02')).toBeLessThan(0);
    expect(compareDates('2025-01-02', '2025-01-01')).toBeGreaterThan(0);
    expect(compareDates('2025-01-01', '2024-12-31T16:30:00Z')).toBe(0);
  });

  it('daysInclusive counts both ends', () => {
    expect(daysInclusive('2025-04-01', '2025-04-01')).toBe(1);
    expect(daysInclusive('2025-04-01', '2025-04-03')).toBe(3);
    expect(daysInclusive('2024-02-28', '2024-03-01')).toBe(3);
  });

  it('ageOn counts completed years; a 29 February birthday counts from 1 March in common years', () => {
    expect(ageOn('2006-05-01', '2024-05-01')).toBe(18);
    expect(ageOn('2006-05-01', '2024-04-30')).toBe(17);
    expect(ageOn('2004-02-29', '2022-02-28')).toBe(17);
    expect(ageOn('2004-02-29', '2022-03-01')).toBe(18);
  });
});
