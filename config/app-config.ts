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
  IsIP,
  Min,
  MinLength,
  registerDecorator,
  validateSync,
  ValidationOptions,
} from 'class-validator';
import { decodePiiKey } from '../libs/common/id-number-cipher';
import { parseCidrs } from '../libs/common/outbound-http';

export const MIN_SECRET_BYTES = 32;
/** Secrets that were ever written in PartyFlow's source or docs: accepting one lets anybody forge tokens. */
export const PUBLISHED_SECRETS = [
  'partyflow-demo-secret',
  'demo-secret',
  'test-secret',
  'test-secret-123',
  'bench-secret',
  'bench-secret-123',
  'offline-document-build',
];

/** At least MIN_SECRET_BYTES bytes, not a published value, and not an obvious pattern (few distinct characters). */
export function isStrongSecret(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) return false;
  if (PUBLISHED_SECRETS.some((s) => value.includes(s))) return false;
  return new Set(value).size >= 10;
}

function IsStrongSecret(options: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isStrongSecret',
      target: target.constructor,
      propertyName,
      options,
      validator: { validate: (value: unknown) => isStrongSecret(value) },
    });
}

function IsPiiKey(options: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isPiiKey',
      target: target.constructor,
      propertyName,
      options,
      validator: { validate: (value: unknown) => decodePiiKey(value) !== null },
    });
}

function IsNotPublished(options: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isNotPublished',
      target: target.constructor,
      propertyName,
      options,
      validator: { validate: (value: unknown) => typeof value === 'string' && !PUBLISHED_SECRETS.includes(value) },
    });
}

function IsCidrList(options: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isCidrList',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => {
          try {
            return typeof value === 'string' && parseCidrs(value).length > 0;
          } catch {
            return false;
          }
        },
      },
    });
}

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

  /** The owner role the migrations run as (DATABASE_URL is then the application role, which owns nothing). */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'MIGRATION_DATABASE_URL 必须是 postgres:// 连接串' })
  MIGRATION_DATABASE_URL?: string;

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL 必须是 redis:// 连接串' })
  REDIS_URL: string;

  @IsOptional()
  @IsString()
  REDIS_PREFIX = 'pf';

  /**
   * Signing key of access tokens: random, at least 32 bytes, and none of the values ever published with
   * PartyFlow (whoever knows the key can sign an admin token). Demo mode generates one per installation.
   */
  @IsString()
  @IsStrongSecret({
    message: `JWT_SECRET 必须是至少 ${MIN_SECRET_BYTES} 字节的随机值（如 node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))"），且不能是公开的演示值`,
  })
  JWT_SECRET: string;

  /**
   * Key of the ID numbers at rest (AES-256-GCM, and the blind index that finds them): 32 random bytes as 64 hex
   * digits or base64. Kept outside the database; without it the registry's ID numbers cannot be read, so it is
   * required like JWT_SECRET, and demo mode generates one per installation.
   */
  @IsString()
  @IsPiiKey({
    message:
      "PII_KEY 必须是 32 字节的随机密钥，写作 64 位十六进制或 base64（如 node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"）",
  })
  PII_KEY: string;

  /**
   * The previous PII_KEY while rotating: ID numbers still sealed by it are re-sealed with PII_KEY at start, after
   * which it can be removed (docs/operations.md "Secrets").
   */
  @IsOptional()
  @IsString()
  @IsPiiKey({ message: 'PII_KEY_PREVIOUS 必须是 32 字节的密钥（64 位十六进制或 base64），即轮换前的 PII_KEY' })
  PII_KEY_PREVIOUS?: string;

  /** Listening address: 127.0.0.1 in demo mode (nobody else reaches a demo), else every interface. */
  @IsOptional()
  @IsIP()
  HOST?: string;

  /** Where demo mode keeps what it generates per installation (secrets, keys); `npm run demo` also keeps PostgreSQL there. */
  @IsString()
  PARTYFLOW_DATA_DIR = '.data';

  @Matches(/^\d+\s*(s|m|h|d)?$/, { message: 'JWT_EXPIRES_IN 须为秒数或带单位的时长，如 3600、30m、12h、7d' })
  JWT_EXPIRES_IN = '12h';

  @Transform(toBool)
  @IsBoolean()
  DEMO = false;

  @Transform(toBool)
  @IsBoolean()
  CLOCK_CONTROL = false;

  /** HMAC key shared with the licensing system; demo mode generates one per installation. Never a published value. */
  @IsOptional()
  @IsString()
  @IsNotPublished({ message: 'LICENSING_WEBHOOK_SECRET 不能是公开的演示值（如 demo-secret），请使用随机值' })
  LICENSING_WEBHOOK_SECRET?: string;

  @IsOptional()
  @IsString()
  LICENSING_CALLBACK_URL?: string;

  /**
   * Private, loopback or link-local ranges that webhook subscriptions may nevertheless target, e.g.
   * `10.20.0.0/16, fd12::/64` (an intranet robot). Unset: only public addresses (no server-side request
   * forgery into the internal network).
   */
  @IsOptional()
  @IsCidrList({ message: 'WEBHOOK_ALLOW_CIDRS 须为逗号分隔的 CIDR 列表，如 10.20.0.0/16, fd12::/64' })
  WEBHOOK_ALLOW_CIDRS?: string;

  /** SMTP server of the e-mail notifications, e.g. `smtp://user:pass@mail.example.com:587`; unset → e-mails stay pending. */
  @IsOptional()
  @Matches(/^smtps?:\/\//, { message: 'SMTP_URL 必须是 smtp:// 或 smtps:// 连接串' })
  SMTP_URL?: string;

  @IsString()
  MAIL_FROM = 'PartyFlow <noreply@partyflow.local>';

  /**
   * Whether `GET /metrics` answers (else 404). Unset: open in demo mode, closed otherwise — the numbers are
   * unauthenticated, so a production installation opens them only where the scraper alone reaches them.
   */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  EXPOSE_METRICS?: boolean;

  /**
   * Whether Swagger UI (`/docs`) and the OpenAPI document (`/docs-json`) are served (else 404). Unset: open in
   * demo mode, closed otherwise (the document is committed as libs/api-client/openapi.json).
   */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  EXPOSE_DOCS?: boolean;

  @IsIn(['all', 'api', 'worker'])
  ROLE: 'all' | 'api' | 'worker' = 'all';

  /** Least severe log level written (each level includes the more severe ones). */
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'log';

  /**
   * The reverse proxies whose X-Forwarded-For is believed for the client's address (per-address login
   * throttling and the login record read it): Express's `trust proxy` — `loopback`, a hop count, or
   * comma-separated addresses/CIDRs. Unset trusts none, so a client cannot pick its own address by header.
   */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

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

  /**
   * PostgreSQL's statement_timeout on every connection of the application's pool (0 = none): a statement
   * running longer is cancelled and the request answers 503 QUERY_TIMEOUT. Requests are interactive and the
   * background jobs work in batches, so nothing legitimate comes near it; migrations run without it.
   */
  @Transform(({ value }) => (value === undefined ? 30_000 : Number(value)))
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  DB_STATEMENT_TIMEOUT_MS = 30_000;

  /** How often the worker re-fills Redis from PostgreSQL (timer wake-ups, outbox): the reconciler's period. */
  @Transform(({ value }) => (value === undefined ? 5000 : Number(value)))
  @IsInt()
  @Min(100)
  @Max(600_000)
  PF_RELAY_EVERY_MS = 5000;

  /**
   * Key that signs the daily history checkpoints (≥ 32 characters, kept OUTSIDE the database). Unset: no
   * checkpoints are taken and verify says so.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'HISTORY_CHECKPOINT_KEY 至少 32 个字符' })
  HISTORY_CHECKPOINT_KEY?: string;

  /** Retention (days): idempotency keys of finished requests. */
  @Transform(({ value }) => (value === undefined ? 7 : Number(value)))
  @IsInt()
  @Min(1)
  RETENTION_IDEMPOTENCY_DAYS = 7;

  /** Retention (days): in-app notifications. */
  @Transform(({ value }) => (value === undefined ? 365 : Number(value)))
  @IsInt()
  @Min(1)
  RETENTION_NOTIFICATIONS_DAYS = 365;

  /** Retention (days): delivered outbox rows (dead ones twice as long). */
  @Transform(({ value }) => (value === undefined ? 30 : Number(value)))
  @IsInt()
  @Min(1)
  RETENTION_OUTBOX_DAYS = 30;

  /** Retention (days): timer deliveries and outbox attempts of finished work. */
  @Transform(({ value }) => (value === undefined ? 365 : Number(value)))
  @IsInt()
  @Min(1)
  RETENTION_DELIVERIES_DAYS = 365;

  /** Retention (days): cancelled timers, and fired timers whose state visit is over (after their deliveries). */
  @Transform(({ value }) => (value === undefined ? 30 : Number(value)))
  @IsInt()
  @Min(1)
  RETENTION_TIMERS_DAYS = 30;

  /**
   * Retention (days) of whole ID numbers in the licensing system's stored event bodies: after it they are
   * masked (the event, its result and the rest of its body stay for the record).
   */
  @Transform(({ value }) => (value === undefined ? 30 : Number(value)))
  @IsInt()
  @Min(1)
  RETENTION_LICENSING_ID_NUMBERS_DAYS = 30;

  /** Retention (days): finished background audit jobs (whole-log verify, ledger export) with their files. */
  @Transform(({ value }) => (value === undefined ? 7 : Number(value)))
  @IsInt()
  @Min(1)
  RETENTION_AUDIT_JOBS_DAYS = 7;

  /** Background audit jobs one user may have queued or running at once (more is 429 AUDIT_JOB_LIMIT). */
  @Transform(({ value }) => (value === undefined ? 2 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(100)
  AUDIT_JOBS_PER_USER = 2;

  /**
   * A running audit job whose worker has not reported progress for this long is taken as abandoned (the
   * worker died) and run again by another worker.
   */
  @Transform(({ value }) => (value === undefined ? 60_000 : Number(value)))
  @IsInt()
  @Min(1000)
  AUDIT_JOB_STALE_MS = 60_000;

  /**
   * Largest whole-log verify (cases in the caller's scope) answered on the request thread by GET /audit/verify;
   * beyond it the request answers 202 with a background job. A single case is always answered at once.
   */
  @Transform(({ value }) => (value === undefined ? 2000 : Number(value)))
  @IsInt()
  @Min(0)
  AUDIT_SYNC_VERIFY_MAX_CASES = 2000;

  /** Largest ledger (rows) GET /audit/export builds on the request thread; beyond it: 202 with a background job. */
  @Transform(({ value }) => (value === undefined ? 5000 : Number(value)))
  @IsInt()
  @Min(0)
  AUDIT_SYNC_EXPORT_MAX_ROWS = 5000;

  /** How often the worker runs retention. */
  @Transform(({ value }) => (value === undefined ? 3_600_000 : Number(value)))
  @IsInt()
  @Min(1000)
  RETENTION_EVERY_MS = 3_600_000;
}

export class ConfigError extends Error {}

/** Reads and validates configuration from an environment map (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(new AppConfig())) if (env[key] !== undefined && env[key] !== '') raw[key] = env[key];
  for (const key of [
    'DATABASE_URL',
    'MIGRATION_DATABASE_URL',
    'HISTORY_CHECKPOINT_KEY',
    'REDIS_URL',
    'JWT_SECRET',
    'PII_KEY',
    'PII_KEY_PREVIOUS',
    'HOST',
    'LICENSING_WEBHOOK_SECRET',
    'LICENSING_CALLBACK_URL',
    'SMTP_URL',
    'EXPOSE_METRICS',
    'EXPOSE_DOCS',
  ])
    if (env[key]) raw[key] = env[key];
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  config.HOST ??= config.DEMO ? '127.0.0.1' : '0.0.0.0';
  config.EXPOSE_METRICS ??= config.DEMO;
  config.EXPOSE_DOCS ??= config.DEMO;
  const errors = validateSync(config, { whitelist: true });
  if (errors.length) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new ConfigError(`配置无效 (invalid configuration):\n${lines.join('\n')}`);
  }
  return config;
}
