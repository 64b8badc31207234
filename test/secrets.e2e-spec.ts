import { ChildProcess, spawn } from 'child_process';
import { createHmac, randomBytes } from 'crypto';
import { existsSync, mkdtempSync, readFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import path from 'path';
import request from 'supertest';
import { residentIdCheckChar } from '../libs/common/resident-id';
import { buildDemoRegion } from '../libs/demo/demo-region';
import { signLicensingBody } from '../libs/licensing/signature';
import { connectToServer, withDatabase } from './support/global-setup';

jest.setTimeout(180_000);

/**
 * Secrets (issue 11 "Secrets"), through the real launcher: `npm start` without a strong JWT secret or without
 * the ID numbers' key (PII_KEY) refuses to run; `npm run demo` generates them per installation under its data
 * directory, listens on 127.0.0.1 only, and does not accept a token signed with the value that used to be
 * published in the source. The demo process is also where issue 11 "Personal data" is checked end to end: ID
 * numbers sent to it never reach its logs, and restarted with another PII_KEY it refuses to start.
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
    for (const k of [
      'JWT_SECRET',
      'PII_KEY',
      'PII_KEY_PREVIOUS',
      'LICENSING_WEBHOOK_SECRET',
      'DEMO',
      'CLOCK_CONTROL',
      'HOST',
      'PORT',
      'PARTYFLOW_DATA_DIR',
    ])
      delete env[k];
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

  it('npm start refuses to run without a strong JWT secret (or with the published demo one), or without PII_KEY', async () => {
    const strong = randomBytes(48).toString('base64url');
    // [JWT_SECRET, the setting the refusal must name]; the last has a strong secret but no key for the ID numbers
    const cases: [string | undefined, string][] = [
      [undefined, 'JWT_SECRET'],
      ['partyflow-demo-secret', 'JWT_SECRET'],
      ['short-but-not-published', 'JWT_SECRET'],
      [strong, 'PII_KEY'],
    ];
    const results = await Promise.all(
      cases.map(async ([secret, setting]) => {
        const { child, output } = run('start', { ...baseEnv(), ...(secret ? { JWT_SECRET: secret } : {}) });
        const code = await exitOf(child);
        return { secret, code, mentions: output().includes(setting) };
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
      // every level: no line at any level may carry an ID number
      LOG_LEVEL: 'verbose',
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

      // ID numbers through the registry and the licensing integration, accepted and refused: none reaches the log
      const saved = JSON.parse(readFileSync(secretsFile, 'utf8'));
      expect(Buffer.from(saved.PII_KEY, 'base64')).toHaveLength(32);
      const ids = ['1985-04-12', '1979-11-30', '1992-08-21', '1990-01-01'].map((born, i) => {
        const first17 = `360702${born.replace(/-/g, '')}${String(201 + 2 * i).padStart(3, '0')}`;
        return first17 + residentIdCheckChar(first17);
      });
      const region = buildDemoRegion();
      const auth = { Authorization: `Bearer ${login.body.accessToken}` };
      const registered = {
        name: '日志检查',
        idNumber: ids[0],
        birthDate: '1985-04-12',
        orgId: region.anchors.firmAOrgId,
      };
      expect(
        (
          await http()
            .post('/api/v1/members')
            .set(auth)
            .send({ ...registered, status: 'applicant' })
        ).status,
      ).toBe(201);
      const duplicate = await http()
        .post('/api/v1/members')
        .set(auth)
        .send({ ...registered, status: 'applicant' });
      expect(duplicate.status).toBe(409);
      const wrongBirth = await http()
        .post('/api/v1/members')
        .set(auth)
        .send({ ...registered, idNumber: ids[3], birthDate: '1990-01-02', status: 'applicant' });
      expect(wrongBirth.status).toBe(400);
      const known = region.members.find(
        (m) => m.firmId === region.anchors.firmAId && m.licenseNo && m.status === 'full',
      )!;
      const events = [
        // an unknown lawyer declaring membership: registered pending verification (sealed like any member)
        {
          type: 'practice.applied',
          lawyer: { licenseNo: '13607022026000001', name: '日志新律师', idNumber: ids[1], isPartyMember: true },
          toFirmId: region.anchors.firmBId,
          applicationRef: 'LOG-1',
        },
        // a known licence with another ID number: refused (IDENTITY_MISMATCH)
        {
          type: 'firm-transfer.applied',
          lawyer: { licenseNo: known.licenseNo, name: known.name, idNumber: ids[2], isPartyMember: true },
          fromFirmId: region.anchors.firmAId,
          toFirmId: region.anchors.firmBId,
          applicationRef: 'LOG-2',
        },
      ].map((e, i) =>
        JSON.stringify({ eventId: `log-${i}-${Date.now()}`, occurredAt: new Date().toISOString(), ...e }),
      );
      const answers = [];
      for (const raw of events)
        answers.push(
          (
            await http()
              .post('/api/v1/integrations/licensing/events')
              .set('Content-Type', 'application/json')
              .set('X-Signature', signLicensingBody(saved.LICENSING_WEBHOOK_SECRET, raw))
              .send(raw)
          ).status,
        );
      expect(answers).toEqual([202, 422]);
      // the registry's own reads of the new rows (decrypting them) are part of what runs, too
      const found = await http().get('/api/v1/members').query({ q: ids[1] }).set(auth);
      expect(found.body.items.map((m: any) => m.idNumber)).toEqual([ids[1]]);
      await new Promise((r) => setTimeout(r, 1500)); // the worker's after-commit deliveries and their log lines
      for (const id of ids) expect({ id, logged: output().includes(id) }).toEqual({ id, logged: false });
      expect(output()).toMatch(/\[Nest\]/); // the check read the log (a silent process would pass it)
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
      // the same installation started with another PII_KEY: refused before it serves, naming the setting
      const wrongKey = run('demo', {
        ...baseEnv(),
        DATABASE_URL: withDatabase(process.env.DATABASE_URL!, database),
        REDIS_PREFIX: `pf-demo-${Date.now().toString(36)}`,
        PORT: String(port),
        PARTYFLOW_DATA_DIR: dataDir,
        PII_KEY: randomBytes(32).toString('base64'),
      });
      const code = await exitOf(wrongKey.child);
      expect({ code, started: wrongKey.output().includes('PartyFlow 已启动') }).toEqual({ code: 2, started: false });
      expect(wrongKey.output()).toMatch(/PII_KEY 与数据库中身份证号的加密密钥不符/);
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      );
      await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.end();
    }
  });
});
