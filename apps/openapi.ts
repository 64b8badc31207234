import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { loadConfig } from '../config/app-config';
import { AppModule } from './app.module';
import { applyGlobalPrefix } from './http-routes';

/** The OpenAPI document of a Nest application: what `/docs-json` serves and the generated client is built from. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('PartyFlow 律师行业党建流程引擎')
    .setDescription('组织关系接转、党组织组建、发展党员、处置不合格党员、年度考核与述职评议的流程引擎 API')
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Builds the document without PostgreSQL or Redis: Nest's preview mode resolves the module graph but runs
 * no provider factory, and the document only needs controller metadata. The clock endpoints are included
 * (they exist wherever CLOCK_CONTROL=1, as in tests and the demo), so this equals the tests' `/docs-json`.
 */
export async function buildOpenApiDocumentOffline(): Promise<OpenAPIObject> {
  const config = loadConfig({
    DATABASE_URL: 'postgres://offline@127.0.0.1:1/none',
    REDIS_URL: 'redis://127.0.0.1:1',
    // never used to sign anything: the document build resolves no provider
    JWT_SECRET: randomBytes(32).toString('hex'),
    CLOCK_CONTROL: '1',
    ROLE: 'api',
  });
  const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false });
  try {
    applyGlobalPrefix(app);
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
