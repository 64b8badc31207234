/**
 * The HTTP section's floor: the same event, the same engine call and the same case view as
 * `POST /cases/:id/events`, answered by node's bare `http` server — no Nest, no Express, no helmet, no
 * validation pipe, no exception filter. Only the token is checked (AuthService.verify, as the guard does).
 * It is not a way to serve the API: it measures what any framework at all leaves of the engine's rate, so the
 * `ratio http/engine` beside it reads against what HTTP alone costs on the same machine in the same run.
 */
import type { INestApplication } from '@nestjs/common';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthService } from '../../libs/auth/auth.service';
import { CaseQueryService } from '../../libs/engine/case-query.service';
import { EngineService } from '../../libs/engine/engine.service';

/** Starts the bare server on 127.0.0.1 (a free port): `POST /api/v1/cases/:id/events` only. */
export async function startBareEventServer(app: INestApplication): Promise<{ port: number; close(): Promise<void> }> {
  const auth = app.get(AuthService);
  const engine = app.get(EngineService);
  const views = app.get(CaseQueryService);
  const answer = (res: http.ServerResponse, status: number, body: unknown) => {
    const out = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(out),
    });
    res.end(out);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const id = /^\/api\/v1\/cases\/([0-9a-f-]{36})\/events$/.exec(req.url ?? '')?.[1];
        const principal = await auth.verify(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
        if (req.method !== 'POST' || !id || !principal) return answer(res, 404, { message: 'not here' });
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const { record, viewExtras } = await engine.sendEvent(principal, id, event, { withViewExtras: true });
        answer(res, 200, await views.view(principal, record, viewExtras));
      })().catch((e: Error) => answer(res, 500, { message: e.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
