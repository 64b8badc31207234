import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../apps/bootstrap';
import { loadConfig } from '../../config/app-config';
import { buildDemoRegion, DemoRegion } from '../../libs/demo/demo-region';

export interface Harness {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  ds: DataSource;
  region: DemoRegion;
  /** Bearer header for a demo user (password `demo`). */
  as: (username: string) => Promise<{ Authorization: string }>;
  close: () => Promise<void>;
}

/**
 * Boots the real application (PostgreSQL and Redis from the environment, provisioned by `npm test`)
 * with the demo region seeded, for end-to-end tests through HTTP.
 */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const config = loadConfig({ ...process.env, DEMO: '1', JWT_SECRET: process.env.JWT_SECRET ?? 'test-secret-123', ...env });
  const app = await createApp(config, { logger: ['error'] });
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
    close: () => app.close(),
  };
}

/** Full members of an org in the demo region, for picking subjects that no other test uses. */
export function fullMembersOf(region: DemoRegion, orgId: string) {
  return region.members.filter((m) => m.orgId === orgId && m.status === 'full');
}
