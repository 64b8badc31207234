import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../apps/bootstrap';
import { loadConfig } from '../../config/app-config';
import { buildDemoRegion, DemoRegion } from '../../libs/demo/demo-region';
import { connectToServer, withDatabase } from './global-setup';
import { checkResponsesAgainstDocument } from './contract';

export interface Harness {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  ds: DataSource;
  region: DemoRegion;
  /** Bearer header for a demo user (password `demo`). */
  as: (username: string) => Promise<{ Authorization: string }>;
  /** Stops the application and drops its database; fails when a response did not match the OpenAPI document. */
  close: () => Promise<void>;
  /** The environment of this harness (its own database and queue prefix), for worker child processes. */
  env: Record<string, string>;
}

/**
 * Boots the real application (PostgreSQL and Redis from the environment, provisioned by `npm test`)
 * with the demo region seeded, for end-to-end tests through HTTP.
 */
export async function startHarness(overrides: Record<string, string> = {}): Promise<Harness> {
  // each suite gets its own database and queue prefix: engine time only moves forward, and one suite's
  // clock moves and timers must not leak into another's
  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
  const database = `${new URL(process.env.DATABASE_URL!).pathname.slice(1) || 'partyflow'}_${suffix}`.slice(0, 63);
  const admin = await connectToServer(process.env.DATABASE_URL!);
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const env: Record<string, string> = {
    DATABASE_URL: withDatabase(process.env.DATABASE_URL!, database),
    REDIS_PREFIX: `${process.env.REDIS_PREFIX ?? 'pf-it'}-${suffix}`,
    JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString('hex'),
    PII_KEY: process.env.PII_KEY ?? randomBytes(32).toString('base64'),
    CLOCK_CONTROL: '1',
    // the suites' own receivers listen on loopback, which outbound deliveries otherwise refuse
    WEBHOOK_ALLOW_CIDRS: '127.0.0.1/32, ::1/128',
  };
  const config = loadConfig({ ...process.env, DEMO: '1', ...env, ...overrides });
  const app = await createApp(config, { logger: ['error'] });
  // before init: the check is a middleware and must see the response before Nest's router answers
  const contractProblems = checkResponsesAgainstDocument(app);
  await app.init();
  const server = app.getHttpServer();
  const tokens = new Map<string, string>();
  return {
    app,
    http: () => request(server),
    ds: app.get(DataSource),
    region: buildDemoRegion(),
    as: async (username: string) => {
      if (!tokens.has(username)) {
        const res = await request(server).post('/api/v1/auth/token').send({ username, password: 'demo' });
        if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
        tokens.set(username, res.body.accessToken);
      }
      return { Authorization: `Bearer ${tokens.get(username)}` };
    },
    close: async () => {
      await app.close();
      const admin = await connectToServer(process.env.DATABASE_URL!);
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      );
      await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.end();
      // every suite that runs the application checks, as it goes, that its answers are what the document says
      if (contractProblems.length)
        throw new Error(
          `responses outside the OpenAPI document (libs/api-client/openapi.json):\n${contractProblems.join('\n')}`,
        );
    },
    env,
  };
}

/** Full members of an org in the demo region, for picking subjects that no other test uses. */
export function fullMembersOf(region: DemoRegion, orgId: string) {
  return region.members.filter((m) => m.orgId === orgId && m.status === 'full');
}
