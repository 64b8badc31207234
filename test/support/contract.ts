import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import * as fs from 'fs';
import * as path from 'path';

const DOCUMENT = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'libs', 'api-client', 'openapi.json'), 'utf8'),
);

/**
 * Response validation against the committed document, strictly: every object schema is closed (a field the
 * document does not declare fails), required fields must be present, types and formats must match.
 */
export function responseValidators() {
  const closed = JSON.parse(JSON.stringify(DOCUMENT).replaceAll('"#/components/', '"openapi.json#/components/'));
  const close = (node: any): void => {
    if (Array.isArray(node)) return node.forEach(close);
    if (!node || typeof node !== 'object') return;
    if (node.type === 'object' && node.properties && node.additionalProperties === undefined)
      node.additionalProperties = false;
    // a nullable reference (`T | null` in the generated client) is written `{nullable, type, allOf: [$ref]}`:
    // nullable does not reach into the allOf, so say "the reference, or null" the way JSON Schema does
    if (node.nullable === true && Array.isArray(node.allOf)) {
      const ref = { allOf: node.allOf };
      delete node.allOf;
      delete node.type;
      delete node.nullable;
      node.anyOf = [ref, { type: 'null' }];
    }
    Object.values(node).forEach(close);
  };
  close(closed.components);
  const ajv = new Ajv({ strict: false, allErrors: true, discriminator: true });
  addFormats(ajv);
  ajv.addSchema(closed, 'openapi.json');
  const cache = new Map<string, ValidateFunction | null>();
  return (method: string, schemaPath: string, status: number): ValidateFunction | null => {
    const key = `${method} ${schemaPath} ${status}`;
    if (!cache.has(key)) {
      const op = closed.paths[schemaPath]?.[method.toLowerCase()];
      if (!op) throw new Error(`${method} ${schemaPath} is not in the document`);
      const response = op.responses[String(status)];
      if (!response) throw new Error(`${method} ${schemaPath} answered ${status}, which the document does not declare`);
      const schema = response.content?.['application/json']?.schema;
      cache.set(key, schema ? ajv.compile(schema) : null);
    }
    return cache.get(key)!;
  };
}

/**
 * Checks every JSON response the application sends against the committed document, whichever suite sends
 * the request: the route that answered (Express's matched path, `:id` written `{id}` as in the document),
 * the status and the body. Call before `app.init()` (the middleware must run before Nest's router). Returns
 * the list of mismatches, filled as responses finish.
 */
export function checkResponsesAgainstDocument(app: INestApplication): string[] {
  const validatorFor = responseValidators();
  const problems: string[] = [];
  app.use((req: Request, res: Response, next: NextFunction) => {
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...a: any[]) => boolean;
    const end = res.end.bind(res) as (...a: any[]) => Response;
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk as any));
    };
    (res as any).write = (chunk: unknown, ...rest: any[]) => (keep(chunk), write(chunk, ...rest));
    (res as any).end = (chunk?: unknown, ...rest: any[]) => (keep(chunk), end(chunk, ...rest));
    res.on('finish', () => {
      const route = (req as any).route?.path as string | undefined;
      if (!route || !String(res.getHeader('content-type') ?? '').includes('application/json')) return;
      const schemaPath = route.replace(/:(\w+)/g, '{$1}');
      try {
        const validate = validatorFor(req.method, schemaPath, res.statusCode);
        if (!validate) return;
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (!validate(body))
          problems.push(`${req.method} ${schemaPath} ${res.statusCode}: ${describe(validate, body)}`);
      } catch (e) {
        problems.push(`${req.method} ${schemaPath} ${res.statusCode}: ${(e as Error).message}`);
      }
    });
    next();
  });
  return problems;
}

/** The first mismatches, each with the value found where the document expects something else. */
function describe(validate: ValidateFunction, body: unknown): string {
  return (validate.errors ?? [])
    .slice(0, 3)
    .map((e) => {
      const found = e.instancePath
        .split('/')
        .slice(1)
        .reduce<any>((v, k) => v?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], body);
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      return `${e.instancePath || '/'} ${e.message}${extra ? ` (${extra})` : ''}, found ${JSON.stringify(found)?.slice(0, 160)}`;
    })
    .join('; ');
}
