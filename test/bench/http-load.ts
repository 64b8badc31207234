/**
 * The HTTP section's load generator, in a process of its own: a client sharing the API's process would take
 * its event loop and CPU from the server it measures (node's http client costs about a third of what the API
 * spends on a request), so the figure would count the client against the API. Real clients are elsewhere;
 * so is this one. The bench process asks for rounds over IPC and gets each request's latency back.
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { drive } from './measure';

/** One case driven through HTTP: its id and the events it cycles through, each with the token that may send it. */
export interface HttpLoadCase {
  id: string;
  cycle: { body: { type: string; data?: unknown }; token: string }[];
}

interface RoundRequest {
  requests: number;
  concurrency: number;
  /** Which of the servers (an index into the ports given to `startHttpLoad`); the first when absent. */
  server?: number;
}
interface RoundResult {
  latencies: number[];
  seconds: number;
  errors: number;
  /** The load process's own CPU time over the round, in ms. */
  clientCpuMs: number;
}

/**
 * Starts the load process against `ports` (servers in front of the same database); each worker w drives
 * `cases[w]` (no two requests race on a case). A case's place in its cycle is shared by all the servers, so
 * rounds against one and then another carry the same cases on.
 */
export async function startHttpLoad(ports: number[], cases: HttpLoadCase[]) {
  const child: ChildProcess = fork(__filename, ['--http-load-child'], {
    execArgv: ['-r', '@swc-node/register'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(message: unknown) =>
    new Promise<T>((resolve, reject) => {
      child.once('message', (m) => resolve(m as T));
      child.once('exit', (code) => reject(new Error(`the HTTP load process exited (${code})`)));
      child.send(message as any);
    });
  await ask({ setup: { ports, cases } });
  return {
    /** Runs `requests` events with `concurrency` workers; the latencies are the client's, end to end. */
    round: (r: RoundRequest) => ask<RoundResult>({ round: r }),
    close: async () => {
      child.kill();
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
    },
  };
}

/**
 * One keep-alive HTTP/1.1 connection that sends requests already written out as bytes, one at a time, and reads
 * back each answer's status (the body is skipped by its Content-Length, which every JSON answer of the API has).
 * As wrk does: node's http client spent 0.14 ms of CPU per request building and parsing messages, on the same two
 * cores as the API and PostgreSQL it measures; this takes about 0.05 ms.
 */
export class LoadConnection {
  private socket!: net.Socket;
  private received: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (status: number) => void; reject: (e: Error) => void };

  constructor(private readonly port: number) {
    this.connect();
  }

  send(request: Buffer): Promise<number> {
    // the server closes a connection idle for its keep-alive timeout (node's default is 5 s: a slow machine's
    // engine and raw rounds between two HTTP rounds can take that long): open a new one, as an HTTP agent would
    if (this.socket.destroyed) this.connect();
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close() {
    this.socket.destroy();
  }

  /** Whether the current connection has closed (by the server, while idle): the next `send` opens a new one. */
  get closed(): boolean {
    return this.socket.destroyed;
  }

  private connect() {
    const socket = net.connect(this.port, '127.0.0.1');
    socket.setNoDelay(true);
    // events of a connection already replaced (closed by the server while idle) are not about this request
    socket.on('data', (chunk: Buffer) => socket === this.socket && this.onData(chunk));
    socket.on('error', (e) => socket === this.socket && this.fail(e));
    socket.on('close', () => socket === this.socket && this.fail(new Error('the API closed the connection')));
    this.socket = socket;
    this.received = Buffer.alloc(0);
  }

  private onData(chunk: Buffer) {
    this.received = this.received.length ? Buffer.concat([this.received, chunk]) : chunk;
    const headEnd = this.received.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.received.subarray(0, headEnd).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
    const end = headEnd + 4 + Number(length[1]);
    if (this.received.length < end) return;
    this.received = this.received.subarray(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(Number(head.slice(9, 12)));
  }

  /** Fails the request in flight, if any (a connection closed while idle is simply opened again by `send`). */
  private fail(e: Error) {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(e);
  }
}

/** `POST path` with a JSON body and a bearer token, as bytes. */
export function postRequest(port: number, path: string, token: string, body: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(body));
  const head =
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${payload.length}\r\nAuthorization: Bearer ${token}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

function runChild() {
  // per case and server: its connection and its events' requests, written out once
  let cases: { connections: LoadConnection[]; requests: Buffer[][]; step: number }[] = [];
  process.on('message', async (m: { setup?: { ports: number[]; cases: HttpLoadCase[] }; round?: RoundRequest }) => {
    if (m.setup) {
      const { ports } = m.setup;
      // one keep-alive connection per case, as a clerk's console keeps its own
      cases = m.setup.cases.map((c) => ({
        connections: ports.map((port) => new LoadConnection(port)),
        requests: ports.map((port) =>
          c.cycle.map((e) => postRequest(port, `/api/v1/cases/${c.id}/events`, e.token, e.body)),
        ),
        step: 0,
      }));
      process.send!({ ready: true });
      return;
    }
    if (m.round) {
      let errors = 0;
      const cpu0 = process.cpuUsage();
      const s = await drive(m.round.requests, m.round.concurrency, async (w) => {
        const c = cases[w % cases.length];
        const server = m.round!.server ?? 0;
        const requests = c.requests[server];
        const status = await c.connections[server].send(requests[c.step++ % requests.length]);
        if (status !== 200) errors++;
      });
      const cpu = process.cpuUsage(cpu0);
      const clientCpuMs = (cpu.user + cpu.system) / 1000;
      process.send!({ latencies: s.latencies, seconds: s.seconds, errors, clientCpuMs } satisfies RoundResult);
    }
  });
}

if (process.argv.includes('--http-load-child')) runChild();
