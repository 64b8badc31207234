import { ConsoleLogger } from '@nestjs/common';
import { redactIdNumbers } from './resident-id';

/** A log argument with resident ID numbers masked in every string it holds (messages, stacks, objects). */
function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactIdNumbers(value);
  if (value instanceof Error) {
    const copy = new Error(redactIdNumbers(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redactIdNumbers(value.stack);
    return copy;
  }
  if (!value || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, depth + 1)]));
}

/**
 * The application's logger: Nest's console logger, with every resident ID number masked before it is written.
 * No log line is meant to carry one, but error messages and stacks quote values (a database error, a refused
 * licensing event, a failed job), and logs are kept and read far more widely than the registry.
 */
export class RedactingLogger extends ConsoleLogger {
  log(message: unknown, ...rest: unknown[]) {
    super.log(redact(message), ...rest.map((r) => redact(r)));
  }
  error(message: unknown, ...rest: unknown[]) {
    super.error(redact(message), ...rest.map((r) => redact(r)));
  }
  warn(message: unknown, ...rest: unknown[]) {
    super.warn(redact(message), ...rest.map((r) => redact(r)));
  }
  debug(message: unknown, ...rest: unknown[]) {
    super.debug(redact(message), ...rest.map((r) => redact(r)));
  }
  verbose(message: unknown, ...rest: unknown[]) {
    super.verbose(redact(message), ...rest.map((r) => redact(r)));
  }
  fatal(message: unknown, ...rest: unknown[]) {
    super.fatal(redact(message), ...rest.map((r) => redact(r)));
  }
}
