import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

// the launcher's own CommonJS module: one list of the application's V8 options
const { appNodeOptions } = require('../../scripts/provision/node-options') as {
  appNodeOptions: (current?: string) => string;
};

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface AppProcess {
  child: ChildProcess;
  /** everything the process wrote (stdout and stderr) */
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * Starts `apps/main.ts` in a child process (`--role api|worker|all`), through the TypeScript loader or, with
 * `compiled` (the path of a compiled `apps/main.js`), as `npm start` and the container do. Resolves once the
 * process says it is up.
 */
export function startAppProcess(
  role: 'api' | 'worker' | 'all',
  env: Record<string, string>,
  opts: { compiled?: string; readyText?: RegExp; timeoutMs?: number } = {},
): Promise<AppProcess> {
  const entry = opts.compiled ? [opts.compiled] : ['-r', '@swc-node/register', 'apps/main.ts'];
  const vars: NodeJS.ProcessEnv = {
    ...process.env,
    DEMO: '0',
    CLOCK_CONTROL: '0',
    PF_RELAY_EVERY_MS: '300',
    ...env,
    ROLE: role,
  };
  const child = spawn(process.execPath, [...entry, '--role', role], {
    // the V8 options the launcher and the container give the application (its heap limit: what the scale
    // bench's RSS measures depends on it)
    env: { ...vars, NODE_OPTIONS: appNodeOptions(vars.NODE_OPTIONS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = opts.readyText ?? (role === 'worker' ? /timers and outbox workers running/ : /PartyFlow 已启动/);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: AppProcess = {
    child,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${role} process did not start within ${opts.timeoutMs ?? 60_000} ms:\n${out.slice(-3000)}`));
    }, opts.timeoutMs ?? 60_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      if (ready.test(out)) {
        clearTimeout(timeout);
        resolve(proc);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timeout);
      reject(new Error(`${role} process exited (${code ?? signal}) before it was ready:\n${out.slice(-3000)}`));
    });
  });
}

export interface CutProxy {
  /** `postgres://…` of `url` with host and port replaced by the proxy's */
  url: string;
  /** Breaks the next connection that sends a message containing `marker` (see test/support/cut-proxy.ts). */
  arm: (mode: 'after' | 'before', marker: string) => Promise<void>;
  /** the cuts made so far, in order */
  cuts: () => string[];
  stop: () => Promise<void>;
}

/** Starts test/support/cut-proxy.ts (its own process) in front of the PostgreSQL server of `url`. */
export function startCutProxy(url: string): Promise<CutProxy> {
  const target = new URL(url);
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', 'test/support/cut-proxy.ts', target.hostname, target.port || '5432'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = out.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        out = out.replace(w.re, '');
        w.resolve(m);
      }
    }
  };
  const cuts: string[] = [];
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
    for (const m of b.toString().matchAll(/cut (after|before)/g)) cuts.push(m[1]);
    check();
  });
  const wait = (re: RegExp, what: string) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cut proxy: no "${what}" within 30 s`)), 30_000);
      waiters.push({
        re,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
      check();
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return wait(/listening (\d+)\n/, 'listening').then((m) => {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = m[1];
    return {
      url: proxied.toString(),
      arm: async (mode, marker) => {
        const armed = wait(new RegExp(`armed ${mode}\\n`), `armed ${mode}`);
        child.stdin!.write(`${mode} ${marker}\n`);
        await armed;
      },
      cuts: () => [...cuts],
      stop: async () => {
        child.stdin!.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      },
    };
  });
}
