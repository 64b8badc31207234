import { isIsoDate } from './iso-date.validator';

describe('isIsoDate', () => {
  it.each(['2026-03-02', '2024-02-29', '2026-03-02T10:00Z', '2026-03-02T10:00:00+08:00', '2026-12-31T23:59:59.999Z'])(
    'accepts %s',
    (v) => expect(isIsoDate(v)).toBe(true),
  );
  it.each([
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-123',
    '20260101T000000Z',
    '2026-W10-1',
    '2026-03-02T24:00:00Z',
    '2026-03-02T10:00:00',
    '2026-03-02 10:00:00Z',
    '',
    20260302,
    null,
  ])('refuses %p', (v) => expect(isIsoDate(v)).toBe(false));
  it('requires a time with zone when asked', () => {
    expect(isIsoDate('2026-03-02', { time: 'required' })).toBe(false);
    expect(isIsoDate('2026-03-02T02:00:00.000Z', { time: 'required' })).toBe(true);
  });
});
