import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadConnection, postRequest } from './http-load';

/**
 * The bench's HTTP load client against a real local server: it reads answers by their Content-Length, and opens
 * a new connection when the server has closed an idle one (its keep-alive timeout), as an HTTP agent would.
 */
describe('bench load client (LoadConnection)', () => {
  let server: http.Server;
  let port: number;
  const bodies: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(`${req.headers.authorization} ${body}`);
        const answer = JSON.stringify({ ok: true, padding: 'x'.repeat(5000) });
        res.writeHead(req.url === '/missing' ? 404 : 200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(answer),
        });
        res.end(answer);
      });
    });
    // far shorter than node's default 5 s, so that the test sees the server close an idle connection
    server.keepAliveTimeout = 100;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends prebuilt requests one after another on one connection and reads each status', async () => {
    const connection = new LoadConnection(port);
    const request = postRequest(port, '/events', 'token-1', { type: 'GO' });
    expect(await connection.send(request)).toBe(200);
    expect(await connection.send(postRequest(port, '/missing', 'token-1', {}))).toBe(404);
    expect(await connection.send(request)).toBe(200);
    expect(bodies.slice(-3)).toEqual([
      'Bearer token-1 {"type":"GO"}',
      'Bearer token-1 {}',
      'Bearer token-1 {"type":"GO"}',
    ]);
    connection.close();
  });

  it('opens a new connection after the server closed an idle one', async () => {
    const connection = new LoadConnection(port);
    const request = postRequest(port, '/events', 'token-2', { type: 'GO' });
    expect(await connection.send(request)).toBe(200);
    // the server closes the idle connection once its keep-alive timeout has passed (node checks about once a second);
    // the client learns of it when the close reaches its side, which on a busy machine can be a while after the
    // server counts no connection (a request written in between is lost with the connection, as with any client)
    const open = () =>
      new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    while ((await open()) > 0 || !connection.closed) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await connection.send(request)).toBe(200);
    connection.close();
  }, 10_000);
});
