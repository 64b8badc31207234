import { INestApplication, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig, LOG_LEVELS } from '../config/app-config';
import { AllExceptionsFilter } from '../libs/common/http-exception.filter';
import { CanonicalIdsPipe } from '../libs/common/canonical-ids.pipe';
import { jsonBodyParser } from '../libs/common/json-body';
import { RedactingLogger } from '../libs/common/redacting-logger';
import { createValidationPipe } from '../libs/common/validation.pipe';
import { cacheValidationMetadata } from '../libs/common/validation-metadata-cache';
import { DemoSeeder } from '../libs/demo/demo-seeder';
import { runCancellable } from '../libs/persistence/cancel-on-disconnect';
import { mountBullBoard } from '../libs/timers/bull-board';
import { mountConsole } from './api/console-static';
import { AppModule } from './app.module';
import { applySecurityHeaders } from './security-headers';
import { applyGlobalPrefix } from './http-routes';
import { createOpenApiDocument } from './openapi';

/** Builds the Nest application for a role (used by main.ts and by the end-to-end tests). */
export async function createApp(
  config: AppConfig,
  opts: { logger?: false | LogLevel[] } = {},
): Promise<INestApplication> {
  cacheValidationMetadata();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // LOG_LEVEL and everything more severe
    // ID numbers masked in every line (RedactingLogger)
    logger:
      opts.logger === false
        ? false
        : new RedactingLogger({
            logLevels: opts.logger ?? (LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.LOG_LEVEL) + 1) as LogLevel[]),
          }),
    // our own parser (jsonBodyParser) keeps the raw bytes: signed webhooks (licensing) verify the HMAC over them
    bodyParser: false,
    // a provider that fails to start (a PII_KEY that does not open the stored ID numbers) throws to the caller,
    // which reports it (main.ts: exit code 2 for configuration) — Nest's default exits the process itself
    abortOnError: false,
  });
  if (config.TRUST_PROXY) app.set('trust proxy', trustProxySetting(config.TRUST_PROXY));
  applySecurityHeaders(app);
  if (!config.EXPOSE_METRICS) closePath(app, '/metrics');
  app.use(cancelReadsOfAbandonedRequests);
  // JSON bodies only, bounded in size and depth: malformed, oversized or too deep bodies are clear 4xx errors
  app.use(jsonBodyParser());
  applyGlobalPrefix(app);
  app.useGlobalPipes(new CanonicalIdsPipe(), createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();

  if (config.EXPOSE_DOCS)
    SwaggerModule.setup('docs', app, () => createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });

  if (config.ROLE !== 'worker') {
    mountBullBoard(app);
    mountConsole(app);
  }
  if (config.DEMO) await app.get(DemoSeeder).seedIfEmpty();
  return app;
}

/**
 * A read (GET/HEAD) whose client goes away before the answer is complete has its running statements
 * cancelled (searches, the ledger export, case lists…): nobody waits for them any more. Only reads: a write
 * the client stopped waiting for still completes, and its Idempotency-Key tells the client's retry so.
 */
function cancelReadsOfAbandonedRequests(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return next();
  const abandoned = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abandoned.abort();
  });
  runCancellable(abandoned.signal, next);
}

/** A closed path answers 404 like any unknown one (EXPOSE_METRICS=0): it does not say that it exists. */
function closePath(app: INestApplication, closed: string): void {
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path !== closed && !req.path.startsWith(`${closed}/`)) return next();
    res.status(404).json({ statusCode: 404, code: 'NOT_FOUND', message: '资源不存在或无权查看' });
  });
}

/** `TRUST_PROXY=2` means two hops; anything else is Express's own list syntax (`loopback`, CIDRs…). */
function trustProxySetting(value: string): number | string {
  return /^\d+$/.test(value.trim()) ? Number(value) : value;
}

export const bootLogger = new Logger('PartyFlow');
