import fc from 'fast-check';
import { request as httpRequest } from 'http';
import type { AddressInfo } from 'net';
import { gzipSync } from 'zlib';
import { Harness, startHarness } from './support/harness';

/**
 * 5xx from input (issue 11): bad input gets a clear 4xx, never a 5xx — the examples found (deep JSON, a
 * lying Content-Encoding, out-of-range time-zone offsets) and a property-based fuzz of every operation of
 * /docs-json (fixed seed, bounded budget). All traffic goes to the harness on 127.0.0.1.
 */
describe('hostile input never gets a 5xx (e2e)', () => {
  let h: Harness;
  let admin: { Authorization: string };
  let port: number;

  beforeAll(async () => {
    // configured, so the licensing endpoints check signatures (unconfigured they answer 503 by design)
    h = await startHarness({ LICENSING_WEBHOOK_SECRET: 'hostile-input-webhook-key' });
    admin = await h.as('admin');
    const server = h.app.getHttpServer();
    if (!server.address()) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => h.close());

  /** A raw request (supertest re-encodes buffers): exact headers and bytes. */
  const raw = (path: string, headers: Record<string, string>, body: Buffer) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': body.length } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('refuses JSON nested 1 600 levels deep (3 kB) with 400 on every validated POST, login included', async () => {
    const deep = '{"a":'.repeat(1600) + '1' + '}'.repeat(1600);
    for (const [path, auth] of [
      ['/api/v1/auth/token', {}],
      ['/api/v1/cases', admin],
      ['/api/v1/users', admin],
    ] as const) {
      const res = await h.http().post(path).set(auth).set('content-type', 'application/json').send(deep);
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    const arrays = await h
      .http()
      .post('/api/v1/cases')
      .set(admin)
      .set('content-type', 'application/json')
      .send('['.repeat(100_000) + ']'.repeat(100_000));
    expect(arrays.status).toBe(400);
  });

  it('a body that lies about its Content-Encoding is 400 before authentication; a true one is decoded', async () => {
    const json = Buffer.from(JSON.stringify({ username: 'admin', password: 'demo' }));
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await raw(
        '/api/v1/auth/token',
        { 'content-type': 'application/json', 'content-encoding': encoding },
        json,
      );
      expect({ encoding, status: res.status, code: res.body.code }).toEqual({
        encoding,
        status: 400,
        code: 'MALFORMED_JSON',
      });
    }
    const unknown = await raw(
      '/api/v1/cases',
      { 'content-type': 'application/json', 'content-encoding': 'zstd' },
      json,
    );
    expect(unknown.status).toBe(415);
    const gz = await raw(
      '/api/v1/auth/token',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gzipSync(json),
    );
    expect(gz.status).toBe(200);
  });

  it('out-of-range time-zone offsets and impossible dates in /audit/* filters are 400', async () => {
    for (const path of ['/api/v1/audit/events', '/api/v1/audit/export'])
      for (const q of [
        'from=2026-01-01T00:00:00%2B99:00',
        'to=2026-01-01T00:00:00%2B24:00',
        'from=2026-01-01T00:00:00-23:59',
        'from=2026-02-30',
        'to=0000-01-01',
      ]) {
        const res = await h.http().get(`${path}?${q}`).set(admin);
        expect({ path, q, status: res.status }).toEqual({ path, q, status: 400 });
      }
  });

  it('a firm filter the list cannot apply is 400, not an empty list that reads as "no such firms"', async () => {
    for (const q of ['coverage=bogus', 'coverage=branch&coverage=none', 'county=a&county=b', 'county[x]=1']) {
      const res = await h.http().get(`/api/v1/firms?${q}`).set(admin);
      expect({ q, status: res.status, code: res.body.code }).toEqual({ q, status: 400, code: 'VALIDATION_FAILED' });
    }
    const ok = await h.http().get('/api/v1/firms?coverage=branch').set(admin);
    expect(ok.status).toBe(200);
    expect(ok.body.length).toBeGreaterThan(0);
  });

  it('fuzz: every operation of /docs-json with generated params, queries, bodies and encodings never answers 5xx', async () => {
    const doc = (await h.http().get('/docs-json')).body;
    type Op = { method: string; path: string; params: string[]; query: string[]; bodyProps: string[] };
    const ops: Op[] = [];
    const resolve = (schema: any): any =>
      schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;
    for (const [path, item] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(item)) {
        // moving the engine clock changes every later answer of the suite; its input checks are unit-tested
        if (path.includes('/_clock')) continue;
        const params = (op.parameters ?? []) as any[];
        const body = resolve(op.requestBody?.content?.['application/json']?.schema);
        ops.push({
          method,
          path,
          params: params.filter((p) => p.in === 'path').map((p) => p.name),
          query: params.filter((p) => p.in === 'query').map((p) => p.name),
          bodyProps: Object.keys(body?.properties ?? {}),
        });
      }
    expect(ops.length).toBeGreaterThan(30);

    const nasty = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.uuid().map((u) => u.toUpperCase()),
      fc.constantFrom(
        '',
        '\u0000',
        '%00',
        '-1',
        '0',
        '1e309',
        '99999999999999999999',
        'NaN',
        'true',
        'null',
        '[]',
        '{}',
      ),
      fc.constantFrom('2026-02-30', '2026-01-01T00:00:00+99:00', '9999-12-31T23:59:59-15:59', '0000-01-01', 'P99999Y'),
      fc.constantFrom("'; DROP TABLE cases; --", '../../etc/passwd', '\uD800', 'é'.repeat(300), 'x'.repeat(5000)),
    );
    const value = fc.oneof(
      nasty,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.jsonValue({ maxDepth: 4 }),
    );
    const body = (props: string[]) =>
      fc.oneof(
        props.length ? fc.dictionary(fc.constantFrom(...props), value, { maxKeys: props.length }) : fc.constant({}),
        fc.jsonValue({ maxDepth: 6 }),
        fc.integer({ min: 30, max: 200 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
      );
    const encoding = fc.constantFrom(undefined, undefined, undefined, 'gzip', 'deflate', 'br', 'identity', 'bogus');
    const failures: string[] = [];
    // a lone surrogate cannot be URI-encoded: send the bytes of one (invalid UTF-8) instead
    const encodeSegment = (s: string) => {
      try {
        return encodeURIComponent(s);
      } catch {
        return '%ED%A0%80';
      }
    };

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ops).chain((op) =>
          fc.record({
            op: fc.constant(op),
            params: fc.array(nasty, { minLength: op.params.length, maxLength: op.params.length }),
            query: fc.dictionary(fc.constantFrom(...(op.query.length ? op.query : ['x'])), nasty, { maxKeys: 4 }),
            body: body(op.bodyProps),
            encoding,
            authed: fc.boolean(),
          }),
        ),
        async ({ op, params, query, body: payload, encoding: enc, authed }) => {
          let path = op.path;
          op.params.forEach((name, i) => (path = path.replace(`{${name}}`, encodeSegment(params[i] || 'x'))));
          const qs = new URLSearchParams(query as Record<string, string>).toString();
          const url = `${path}${qs ? `?${qs}` : ''}`;
          const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
          const headers: Record<string, string> = { 'content-type': 'application/json', ...(authed ? admin : {}) };
          if (enc) headers['content-encoding'] = enc;
          let status: number;
          if (op.method === 'get' || op.method === 'delete') {
            const req = op.method === 'get' ? h.http().get(url) : h.http().delete(url);
            status = (await req.set(authed ? admin : {})).status;
          } else
            status = await new Promise<number>((resolve, reject) => {
              const bytes = Buffer.from(text ?? 'null');
              const req = httpRequest(
                {
                  host: '127.0.0.1',
                  port,
                  path: url,
                  method: op.method.toUpperCase(),
                  headers: { ...headers, 'content-length': bytes.length },
                },
                (res) => {
                  res.resume();
                  res.on('end', () => resolve(res.statusCode!));
                },
              );
              req.on('error', reject);
              req.end(bytes);
            });
          if (status >= 500) failures.push(`${op.method.toUpperCase()} ${url} enc=${enc} → ${status}`);
          return status < 500;
        },
      ),
      { seed: 20261202, numRuns: 600, endOnFailure: true },
    );
    expect(failures).toEqual([]);
  });
});
