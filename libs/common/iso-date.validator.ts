import { ValidateBy, ValidationOptions } from 'class-validator';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** A real calendar day (no 2026-02-30) and, when given, a real time of day with a time zone. */
export function isIsoDate(value: unknown, opts: { time?: 'required' } = {}): boolean {
  if (typeof value !== 'string') return false;
  const m = (opts.time === 'required' ? null : DATE.exec(value)) ?? DATE_TIME.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d || y < 1900 || y > 2999)
    return false;
  if (m.length > 4 && m[4] !== undefined) {
    const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
    if (h > 23 || mi > 59 || s > 59) return false;
    if (m[8] !== undefined && (Number(m[8]) > 14 || Number(m[9]) > 59)) return false;
  }
  return true;
}

/**
 * ISO 8601 date (`2026-03-02`) or date-time with zone (`2026-03-02T10:00:00+08:00`), checked to exist on
 * the calendar. class-validator's IsDateString lets `2026-02-30` and week/ordinal forms through, which the
 * date arithmetic behind the rules cannot read.
 */
export function IsIsoDate(opts: { time?: 'required' } = {}, validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoDate',
      // read by the JSON Schema of the payload classes (date vs date-time)
      constraints: [opts.time ?? 'optional'],
      validator: {
        validate: (value) => isIsoDate(value, opts),
        defaultMessage: (args) =>
          opts.time === 'required'
            ? `${args?.property} 必须是带时区的 ISO 8601 时间，如 2026-03-02T10:00:00+08:00`
            : `${args?.property} 必须是有效日期（YYYY-MM-DD）或带时区的 ISO 8601 时间`,
      },
    },
    validationOptions,
  );
}
