import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { loadConfig } from '../config/app-config';
import { WORKFLOW_DEFINITIONS } from '../workflows';
import type { WorkflowDefinition } from '../workflows/kernel/definition';
import { ERROR_DESCRIPTIONS } from './api/api-errors.decorator';
import { ErrorBody } from './api/dto/responses';
import { JsonSchema, workflowSchemas } from './api/workflow-schemas';
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
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorBody] });
  addCommonErrors(document);
  addWorkflowRequestSchemas(document, latestDefinitions());
  return document;
}

const ERROR_REF = { $ref: '#/components/schemas/ErrorBody' };
const errorResponse = (status: number) => ({
  description: ERROR_DESCRIPTIONS[status],
  content: { 'application/json': { schema: ERROR_REF } },
});

/**
 * The errors every operation shares: 503 when PostgreSQL or Redis is down, 401 where a bearer token is
 * required. Operation-specific ones (400, 403, 404, 409, 422) are declared with @ApiErrors on the handler.
 */
function addCommonErrors(document: OpenAPIObject) {
  for (const item of Object.values(document.paths))
    for (const op of Object.values(item) as any[]) {
      if (!op?.responses) continue;
      if (op.security?.some((s: object) => 'bearer' in s)) op.responses['401'] ??= errorResponse(401);
      op.responses['503'] ??= errorResponse(503);
      // errors are JSON even where the success is a file (@ApiProduces applies to every response)
      for (const [code, response] of Object.entries(op.responses as Record<string, any>))
        if (/^[45]/.test(code)) response.content = errorResponse(Number(code)).content;
    }
}

/** The newest version of each workflow: what new cases and the forms of the console use. */
function latestDefinitions(): WorkflowDefinition[] {
  const latest = new Map<string, WorkflowDefinition>();
  for (const def of WORKFLOW_DEFINITIONS)
    if ((latest.get(def.key)?.version ?? -1) < def.version) latest.set(def.key, def);
  return [...latest.values()];
}

const sameSchema = (a: JsonSchema, b: JsonSchema) =>
  JSON.stringify({ ...a, title: undefined }) === JSON.stringify({ ...b, title: undefined });

/**
 * Replaces the generic bodies of `POST /cases` and `POST /cases/:id/events` by what the engine actually
 * accepts: a `oneOf` over the workflows (discriminated by `workflow`) with each one's `input`, and a `oneOf`
 * over the event types a user may send (discriminated by `type`) with each one's `data`. An event type used
 * by several workflows with different data gets an `anyOf` of those (the case decides which applies).
 */
function addWorkflowRequestSchemas(document: OpenAPIObject, definitions: WorkflowDefinition[]) {
  const schemas = (document.components!.schemas ??= {}) as Record<string, any>;
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

  const openings: string[] = [];
  const dataByType = new Map<string, { def: WorkflowDefinition; title: string; name: string; schema: JsonSchema }[]>();
  for (const def of definitions) {
    const { input, events } = workflowSchemas(def);
    const inputName = `WorkflowInput.${def.key}`;
    schemas[inputName] = input;
    const opening = `OpenCase.${def.key}`;
    schemas[opening] = {
      type: 'object',
      title: `发起${def.title}`,
      required: ['workflow', 'subject'],
      properties: {
        workflow: { type: 'string', enum: [def.key] },
        subject: ref('SubjectDto'),
        input: ref(inputName),
      },
    };
    openings.push(opening);
    for (const e of events) {
      if (e.system) continue; // sent by the engine only: the API refuses them from users
      const name = `EventData.${def.key}.${e.type}`;
      schemas[name] = e.data;
      dataByType.set(e.type, [...(dataByType.get(e.type) ?? []), { def, title: e.title, name, schema: e.data }]);
    }
  }

  const events: string[] = [];
  for (const [type, variants] of [...dataByType].sort(([a], [b]) => a.localeCompare(b))) {
    const distinct = variants.filter((v, i) => variants.findIndex((w) => sameSchema(w.schema, v.schema)) === i);
    const data = distinct.length === 1 ? ref(distinct[0].name) : { anyOf: distinct.map((v) => ref(v.name)) };
    const name = `SendEvent.${type}`;
    schemas[name] = {
      type: 'object',
      title: [...new Set(variants.map((v) => v.title))].join(' / '),
      description: `适用流程：${variants.map((v) => v.def.title).join('、')}`,
      required: ['type'],
      properties: {
        type: { type: 'string', enum: [type] },
        data,
        comment: { type: 'string', maxLength: 2000, description: '审批意见' },
        expectedVersion: { type: 'integer', minimum: 1, description: '乐观并发：客户端看到的案件版本' },
      },
    };
    events.push(name);
  }

  schemas['OpenCaseRequest'] = {
    oneOf: openings.map(ref),
    discriminator: {
      propertyName: 'workflow',
      mapping: Object.fromEntries(definitions.map((d) => [d.key, `#/components/schemas/OpenCase.${d.key}`])),
    },
  };
  schemas['SendEventRequest'] = {
    oneOf: events.map(ref),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(events.map((n) => [n.slice('SendEvent.'.length), `#/components/schemas/${n}`])),
    },
  };
  const body = (path: string, schema: string) => {
    const op = (document.paths[path] as any)?.post;
    if (op) op.requestBody = { required: true, content: { 'application/json': { schema: ref(schema) } } };
  };
  body('/api/v1/cases', 'OpenCaseRequest');
  body('/api/v1/cases/{id}/events', 'SendEventRequest');
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
    PII_KEY: randomBytes(32).toString('hex'),
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
