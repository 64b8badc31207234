/**
 * The HTTP section's load generator, in a process of its own: a client sharing the API's process would take
 * its event loop and CPU from the server it measures (node's http client costs about a third of what the API
 * spends on a request), so the figure would count the client against the API. Real clients are elsewhere;
 * so is this one. The bench process asks for rounds over IPC and gets each request's latency back.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { drive } from './measure';

/** One case driven through HTTP: its id and the events it cycles through, each with the token that may send it. */
export interface HttpLoadCase {
  id: string;
  cycle: { body: { type: string; data?: unknown }; token: string }[];
}

interface RoundRequest {
  requests: number;
  concurrency: number;
}
interface RoundResult {
  latencies: number[];
  seconds: number;
  errors: number;
  /** The load process's own CPU time over the round, in ms. */
  clientCpuMs: number;
}

/** Starts the load process against `port`; each worker w drives `cases[w]` (no two requests race on a case). */
export async function startHttpLoad(port: number, cases: HttpLoadCase[]) {
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
  await ask({ setup: { port, cases } });
  return {
    /** Runs `requests` events with `concurrency` workers; the latencies are the client's, end to end. */
    round: (r: RoundRequest) => ask<RoundResult>({ round: r }),
    close: async () => {
      child.kill();
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
    },
  };
}

function runChild() {
  let port = 0;
  let cases: (HttpLoadCase & { step: number; agent: http.Agent })[] = [];
  const post = (agent: http.Agent, path: string, token: string, body: unknown) =>
    new Promise<number>((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            authorization: `Bearer ${token}`,
          },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  process.on('message', async (m: { setup?: { port: number; cases: HttpLoadCase[] }; round?: RoundRequest }) => {
    if (m.setup) {
      port = m.setup.port;
      // one keep-alive connection per case, as a clerk's console keeps its own
      cases = m.setup.cases.map((c) => ({ ...c, step: 0, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) }));
      process.send!({ ready: true });
      return;
    }
    if (m.round) {
      let errors = 0;
      const cpu0 = process.cpuUsage();
      const s = await drive(m.round.requests, m.round.concurrency, async (w) => {
        const c = cases[w % cases.length];
        const step = c.cycle[c.step++ % c.cycle.length];
        const status = await post(c.agent, `/api/v1/cases/${c.id}/events`, step.token, step.body);
        if (status !== 200) errors++;
      });
      const cpu = process.cpuUsage(cpu0);
      const clientCpuMs = (cpu.user + cpu.system) / 1000;
      process.send!({ latencies: s.latencies, seconds: s.seconds, errors, clientCpuMs } satisfies RoundResult);
    }
  });
}

if (process.argv.includes('--http-load-child')) runChild();
