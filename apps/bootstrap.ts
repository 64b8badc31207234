import { INestApplication, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { AppConfig, LOG_LEVELS } from '../config/app-config';
import { AllExceptionsFilter } from '../libs/common/http-exception.filter';
import { createValidationPipe } from '../libs/common/validation.pipe';
import { DemoSeeder } from '../libs/demo/demo-seeder';
import { mountBullBoard } from '../libs/timers/bull-board';
import { mountConsole } from './api/console-static';
import { AppModule } from './app.module';
import { applyGlobalPrefix } from './http-routes';
import { createOpenApiDocument } from './openapi';

/** Builds the Nest application for a role (used by main.ts and by the end-to-end tests). */
export async function createApp(
  config: AppConfig,
  opts: { logger?: false | LogLevel[] } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // LOG_LEVEL and everything more severe
    logger: opts.logger ?? (LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.LOG_LEVEL) + 1) as LogLevel[]),
    bodyParser: false,
    // signed webhooks (licensing) verify the HMAC over the exact bytes received
    rawBody: true,
  });
  // JSON bodies only, bounded in size: malformed or oversized bodies become clear 400/413 errors
  app.useBodyParser('json', { limit: '256kb' });
  applyGlobalPrefix(app);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();

  SwaggerModule.setup('docs', app, () => createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });

  if (config.ROLE !== 'worker') {
    mountBullBoard(app);
    mountConsole(app);
  }
  if (config.DEMO) await app.get(DemoSeeder).seedIfEmpty();
  return app;
}

export const bootLogger = new Logger('PartyFlow');
