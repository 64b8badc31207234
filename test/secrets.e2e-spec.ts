import { ChildProcess, spawn } from 'child_process';
import { createHmac } from 'crypto';
import { existsSync, mkdtempSync, readFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import path from 'path';
import request from 'supertest';
import { connectToServer, withDatabase } from './support/global-setup';

jest.setTimeout(180_000);

/**
 * Secrets (issue 11 "Secrets"), through the real launcher: `npm start` without a strong JWT secret refuses
 * to run; `npm run demo` generates one per installation under its data directory, listens on 127.0.0.1
 * only, and does not accept a token signed with the value that used to be published in the source.
 */
describe('secrets and the demo listener (real processes)', () => {
  const ROOT = path.resolve(__dirname, '..');
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children)
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
  });

  const baseEnv = () => {
    const env: Record<string, string | undefined> = { ...process.env };
    for (const k of ['JWT_SECRET', 'DEMO', 'CLOCK_CONTROL', 'HOST', 'PORT', 'PARTYFLOW_DATA_DIR']) delete env[k];
    return env;
  };

  const run = (mode: string, env: Record<string, string | undefined>) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'run.js'), mode], {
      cwd: ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    return { child, output: () => output };
  };

  const exitOf = (child: ChildProcess) =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
    );

  it('npm start refuses to run without a strong JWT secret, or with the published demo one', async () => {
    const results = await Promise.all(
      [undefined, 'partyflow-demo-secret', 'short-but-not-published'].map(async (secret) => {
        const { child, output } = run('start', { ...baseEnv(), ...(secret ? { JWT_SECRET: secret } : {}) });
        const code = await exitOf(child);
        return { secret, code, mentions: output().includes('JWT_SECRET') };
      }),
    );
    for (const r of results) expect(r).toEqual({ secret: r.secret, code: 2, mentions: true });
  });

  it('npm run demo generates a per-installation secret under .data, listens on 127.0.0.1 only, and refuses tokens forged with the old published secret', async () => {
    const database = `${new URL(process.env.DATABASE_URL!).pathname.slice(1)}_demo_${Date.now().toString(36)}`.slice(
      0,
      63,
    );
    const admin = await connectToServer(process.env.DATABASE_URL!);
    await admin.query(`CREATE DATABASE "${database}"`);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pf-demo-data-'));
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as any).port;
        s.close(() => resolve(p));
      });
    });
    const { child, output } = run('demo', {
      ...baseEnv(),
      DATABASE_URL: withDatabase(process.env.DATABASE_URL!, database),
      REDIS_PREFIX: `pf-demo-${Date.now().toString(36)}`,
      PORT: String(port),
      PARTYFLOW_DATA_DIR: dataDir,
      LOG_LEVEL: 'log',
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (output().includes('PartyFlow 已启动')) {
            clearInterval(timer);
            resolve();
          } else if (child.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(`demo exited ${child.exitCode}: ${output()}`));
          }
        }, 100);
      });
      const secretsFile = path.join(dataDir, 'secrets.json');
      expect(existsSync(secretsFile)).toBe(true);
      const generated = JSON.parse(readFileSync(secretsFile, 'utf8')).JWT_SECRET as string;
      expect(Buffer.byteLength(generated)).toBeGreaterThanOrEqual(32);

      // the kernel's socket table says where it listens, without sending anything anywhere but loopback
      const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
      const listeners = ['/proc/net/tcp', '/proc/net/tcp6']
        .flatMap((f) => readFileSync(f, 'utf8').split('\n').slice(1))
        .map((l) => l.trim().split(/\s+/))
        .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')
        .map((cols) => cols[1].split(':')[0]);
      expect(listeners).toEqual(['0100007F']);

      const http = () => request(`http://127.0.0.1:${port}`);
      const login = await http().post('/api/v1/auth/token').send({ username: 'admin', password: 'demo' });
      expect(login.status).toBe(200);
      expect(
        (await http().get('/api/v1/auth/me').set('Authorization', `Bearer ${login.body.accessToken}`)).status,
      ).toBe(200);

      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const head = b64({ alg: 'HS256', typ: 'JWT' });
      const body = b64({ sub: login.body.user.id, username: 'admin', iat: now, exp: now + 3600 });
      const forge = (key: string) =>
        `${head}.${body}.${createHmac('sha256', key).update(`${head}.${body}`).digest('base64url')}`;
      const forged = await http()
        .get('/api/v1/auth/me')
        .set('Authorization', `Bearer ${forge('partyflow-demo-secret')}`);
      expect(forged.status).toBe(401);
      // the same token signed with this installation's key is accepted: the refusal above is about the key
      expect(
        (
          await http()
            .get('/api/v1/auth/me')
            .set('Authorization', `Bearer ${forge(generated)}`)
        ).status,
      ).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      );
      await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.end();
    }
  });
});
