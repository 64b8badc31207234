import { INestApplication, Logger, LogLevel, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppConfig, LOG_LEVELS } from '../config/app-config';
import { AllExceptionsFilter } from '../libs/common/http-exception.filter';
import { createValidationPipe } from '../libs/common/validation.pipe';
import { DemoSeeder } from '../libs/demo/demo-seeder';
import { mountBullBoard } from '../libs/timers/bull-board';
import { AppModule } from './app.module';

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
  app.setGlobalPrefix('api/v1', {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();

  const doc = new DocumentBuilder()
    .setTitle('PartyFlow 律师行业党建流程引擎')
    .setDescription('组织关系接转、党组织组建、发展党员、处置不合格党员、年度考核与述职评议的流程引擎 API')
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs-json' });

  if (config.ROLE !== 'worker') mountBullBoard(app);
  if (config.DEMO) await app.get(DemoSeeder).seedIfEmpty();
  return app;
}

export const bootLogger = new Logger('PartyFlow');
