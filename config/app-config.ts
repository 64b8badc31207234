import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

const toBool = ({ value }: { value: unknown }) => value === true || value === '1' || value === 'true';

/** Typed process configuration, validated once at start: a bad value stops the process with a clear message. */
export class AppConfig {
  @Transform(({ value }) => (value === undefined ? 3000 : Number(value)))
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL 必须是 postgres:// 连接串' })
  DATABASE_URL: string;

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL 必须是 redis:// 连接串' })
  REDIS_URL: string;

  @IsOptional()
  @IsString()
  REDIS_PREFIX = 'pf';

  @IsString()
  @MinLength(8, { message: 'JWT_SECRET 至少 8 个字符' })
  JWT_SECRET: string;

  @Matches(/^\d+\s*(s|m|h|d)?$/, { message: 'JWT_EXPIRES_IN 须为秒数或带单位的时长，如 3600、30m、12h、7d' })
  JWT_EXPIRES_IN = '12h';

  @Transform(toBool)
  @IsBoolean()
  DEMO = false;

  @Transform(toBool)
  @IsBoolean()
  CLOCK_CONTROL = false;

  @IsOptional()
  @IsString()
  LICENSING_WEBHOOK_SECRET?: string;

  @IsOptional()
  @IsString()
  LICENSING_CALLBACK_URL?: string;

  /** SMTP server of the e-mail notifications, e.g. `smtp://user:pass@mail.example.com:587`; unset → e-mails stay pending. */
  @IsOptional()
  @Matches(/^smtps?:\/\//, { message: 'SMTP_URL 必须是 smtp:// 或 smtps:// 连接串' })
  SMTP_URL?: string;

  @IsString()
  MAIL_FROM = 'PartyFlow <noreply@partyflow.local>';

  @IsIn(['all', 'api', 'worker'])
  ROLE: 'all' | 'api' | 'worker' = 'all';

  /** Least severe log level written (each level includes the more severe ones). */
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'log';

  /** Failed logins in a row (within LOGIN_WINDOW_SECONDS) after which a username is locked out. */
  @Transform(({ value }) => (value === undefined ? 5 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 5;

  /** Failed logins from one address within LOGIN_WINDOW_SECONDS after which that address gets 429. */
  @Transform(({ value }) => (value === undefined ? 30 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_MAX_FAILURES_PER_ADDRESS = 30;

  /** The window over which failed logins are counted. */
  @Transform(({ value }) => (value === undefined ? 900 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(86_400)
  LOGIN_WINDOW_SECONDS = 900;

  /** How long a locked-out username stays locked (an administrator's password reset lifts it at once). */
  @Transform(({ value }) => (value === undefined ? 900 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(86_400)
  LOGIN_LOCKOUT_SECONDS = 900;

  /** How often the worker re-fills Redis from PostgreSQL (timer wake-ups, outbox): the reconciler's period. */
  @Transform(({ value }) => (value === undefined ? 5000 : Number(value)))
  @IsInt()
  @Min(100)
  @Max(600_000)
  PF_RELAY_EVERY_MS = 5000;
}

export class ConfigError extends Error {}

/** Reads and validates configuration from an environment map (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(new AppConfig())) if (env[key] !== undefined && env[key] !== '') raw[key] = env[key];
  for (const key of [
    'DATABASE_URL',
    'REDIS_URL',
    'JWT_SECRET',
    'LICENSING_WEBHOOK_SECRET',
    'LICENSING_CALLBACK_URL',
    'SMTP_URL',
  ])
    if (env[key]) raw[key] = env[key];
  if (!raw.JWT_SECRET && raw.DEMO && toBool({ value: raw.DEMO })) raw.JWT_SECRET = 'partyflow-demo-secret';
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true });
  if (errors.length) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new ConfigError(`配置无效 (invalid configuration):\n${lines.join('\n')}`);
  }
  return config;
}
