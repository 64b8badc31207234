import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const CLIENT_DIR = path.join(ROOT, 'libs', 'api-client');

/** Runs the generator in its own process (openapi-typescript is ESM inside, which Jest cannot load). */
function generator(...args: string[]) {
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', 'scripts/api-client.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 170_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * The committed client (libs/api-client) must be what the code produces: a controller or DTO change that
 * alters the contract fails here until `npm run generate:client` is run and its result committed.
 */
describe('generated API client', () => {
  it('openapi.json and schema.d.ts match the code (run `npm run generate:client` when this fails)', () => {
    const r = generator('--check');
    expect(r.output).toContain('valid OpenAPI 3');
    expect(r.output).toContain('is up to date');
    expect(r.status).toBe(0);
  }, 180_000);

  it('detects a drift: a committed document that differs from the code is reported stale', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-client-'));
    try {
      const json = fs.readFileSync(path.join(CLIENT_DIR, 'openapi.json'), 'utf8');
      fs.writeFileSync(path.join(dir, 'openapi.json'), json.replace('"/api/v1/cases"', '"/api/v1/casez"'));
      fs.copyFileSync(path.join(CLIENT_DIR, 'schema.d.ts'), path.join(dir, 'schema.d.ts'));
      const r = generator('--check', '--dir', dir);
      expect(r.status).toBe(1);
      expect(r.output).toContain('stale: openapi.json');
      expect(r.output).not.toContain('schema.d.ts');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('keeps the client free of Node-only imports (the console bundles it for the browser)', () => {
    const source = fs.readFileSync(path.join(CLIENT_DIR, 'index.ts'), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['./schema', 'openapi-fetch']);
  });
});

describe('the OpenAPI document', () => {
  const document = JSON.parse(fs.readFileSync(path.join(CLIENT_DIR, 'openapi.json'), 'utf8'));
  const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([p, item]) =>
    Object.entries(item).map(([method, op]) => ({ id: `${method.toUpperCase()} ${p}`, op })),
  );

  // the document itself is validated by every generator run (the drift check above included)
  it('the validator refuses an invalid document', () => {
    expect(document.openapi).toMatch(/^3\./);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-openapi-'));
    try {
      // a response without its mandatory description, as a hand-written decorator could produce
      const broken = structuredClone(document);
      delete broken.paths['/api/v1/tasks'].get.responses['200'].description;
      fs.writeFileSync(path.join(dir, 'broken.json'), JSON.stringify(broken));
      const bad = generator('--validate', path.join(dir, 'broken.json'));
      expect(bad.status).toBe(1);
      expect(bad.output).toContain('api~1v1~1tasks/get/responses/200 must have required property');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('gives every operation a success response with a schema (204 No Content has no body to describe)', () => {
    const missing = operations.filter(({ op }) => {
      const ok = Object.entries(op.responses).filter(([code]) => /^2/.test(code));
      return (
        ok.length === 0 ||
        ok.some(
          ([code, r]: [string, any]) => code !== '204' && !Object.values(r.content ?? {}).some((c: any) => c.schema),
        )
      );
    });
    expect(missing.map((m) => m.id)).toEqual([]);
  });

  it('declares error responses with the shared error body, 401 wherever a token is required', () => {
    const problems: string[] = [];
    for (const { id, op } of operations) {
      const errors = Object.entries(op.responses).filter(([code]) => /^[45]/.test(code));
      if (!errors.length) problems.push(`${id}: no error response`);
      for (const [code, r] of errors as [string, any][])
        if (r.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ErrorBody')
          problems.push(`${id} ${code}: not ErrorBody`);
      if (op.security?.some((s: object) => 'bearer' in s) && !op.responses['401']) problems.push(`${id}: no 401`);
    }
    expect(problems).toEqual([]);
    expect(document.components.schemas.ErrorBody.required.sort()).toEqual(['code', 'message', 'statusCode']);
  });

  it('declares 400 on every operation that validates a body or query parameters', () => {
    // the directory's search text is cut to length, never refused
    const neverRefused = new Set(['GET /api/v1/orgs/directory']);
    const missing = operations
      .filter(({ id }) => !neverRefused.has(id))
      .filter(({ op }) => op.requestBody || (op.parameters ?? []).some((p: { in: string }) => p.in === 'query'))
      .filter(({ op }) => !op.responses['400'])
      .map((m) => m.id);
    expect(missing).toEqual([]);
  });

  it('documents POST /cases/{id}/events as 200 (what it answers), not 201', () => {
    const responses = document.paths['/api/v1/cases/{id}/events'].post.responses;
    expect(Object.keys(responses).filter((c) => /^2/.test(c))).toEqual(['200']);
    expect(responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/CaseView');
  });

  it('describes the event body as a oneOf over every event a user can send, discriminated by type', () => {
    const { WORKFLOW_DEFINITIONS } = require('../workflows');
    const userEvents = new Set<string>();
    for (const def of WORKFLOW_DEFINITIONS)
      for (const [type, e] of Object.entries(def.events as Record<string, { system?: boolean }>))
        if (!e.system) userEvents.add(type);
    const body = document.paths['/api/v1/cases/{id}/events'].post.requestBody.content['application/json'].schema;
    expect(body.$ref).toBe('#/components/schemas/SendEventRequest');
    const request = document.components.schemas.SendEventRequest;
    expect(request.discriminator.propertyName).toBe('type');
    expect(Object.keys(request.discriminator.mapping).sort()).toEqual([...userEvents].sort());
    expect(request.oneOf).toHaveLength(userEvents.size);
    // a payload class becomes the data schema, with the event's Chinese title and no unknown fields
    const issue = document.components.schemas['EventData.membership-transfer.ISSUE_LETTER'];
    expect(issue).toMatchObject({
      title: '开具组织关系介绍信',
      additionalProperties: false,
      required: ['letterNo', 'validUntil'],
      properties: { validUntil: { type: 'string', format: 'date' } },
    });
    expect(document.components.schemas['SendEvent.ISSUE_LETTER'].properties.data.$ref).toBe(
      '#/components/schemas/EventData.membership-transfer.ISSUE_LETTER',
    );
  });
});
