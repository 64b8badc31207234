import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../apps/bootstrap';
import { loadConfig } from '../config/app-config';
import { HistoryCheckpointService } from '../libs/audit/history-checkpoint.service';
import { Clock } from '../libs/engine/clock';
import { ClockSync } from '../libs/engine/clock-sync.service';
import { buildDemoRegion } from '../libs/demo/demo-region';
import { connectToServer, withDatabase } from './support/global-setup';
import { fullMembersOf, Harness, startHarness } from './support/harness';

/**
 * History protection (issue 11, part B.3): the application runs as a role that owns nothing and cannot
 * alter or disable the history triggers (migrations run as the owner role); and signed daily checkpoints let
 * whole-log verify tell a rewrite by the table owner — trigger disabled, chain kept consistent — from the truth.
 */
jest.setTimeout(120_000);

describe('history protection (e2e)', () => {
  it('migrations run as the owner role; the application role can append history but not alter, disable or rewrite it', async () => {
    const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const owner = `pf_owner_${suffix}`;
    const appRole = `pf_app_${suffix}`;
    const database = `pf_roles_${suffix}`;
    const admin = await connectToServer(process.env.DATABASE_URL!);
    const roleUrl = (role: string) => {
      const u = new URL(withDatabase(process.env.DATABASE_URL!, database));
      u.username = role;
      u.password = 'role-password';
      return u.toString();
    };
    let app: INestApplication | undefined;
    try {
      await admin.query(`CREATE ROLE ${owner} LOGIN PASSWORD 'role-password'`);
      await admin.query(`CREATE ROLE ${appRole} LOGIN PASSWORD 'role-password'`);
      await admin.query(`CREATE DATABASE ${database} OWNER ${owner}`);
      const config = loadConfig({
        ...process.env,
        DATABASE_URL: roleUrl(appRole),
        MIGRATION_DATABASE_URL: roleUrl(owner),
        REDIS_PREFIX: `pf-roles-${suffix}`,
        JWT_SECRET: randomBytes(48).toString('base64url'),
        ROLE: 'api',
        DEMO: '1',
        CLOCK_CONTROL: '0',
      });
      app = await createApp(config, { logger: ['error'] });
      await app.init();
      // the application works as the application role: it logs in and appends history
      const login = await request(app.getHttpServer())
        .post('/api/v1/auth/token')
        .send({ username: 'branch-b', password: 'demo' });
      expect(login.status).toBe(200);
      const region = buildDemoRegion();
      const opened = await request(app.getHttpServer())
        .post('/api/v1/cases')
        .set({ Authorization: `Bearer ${login.body.accessToken}` })
        .send({
          workflow: 'membership-transfer',
          subject: { memberId: fullMembersOf(region, region.anchors.firmBOrgId)[0].id },
          input: { toOrgId: region.anchors.firmAOrgId },
        });
      expect(opened.status).toBe(201);

      // … and as that role nothing of the history can be changed, nor its protection removed
      const asApp = new Client({ connectionString: roleUrl(appRole) });
      await asApp.connect();
      const refused = async (sql: string) => {
        try {
          await asApp.query(sql);
          return 'allowed';
        } catch (e: any) {
          return e.code;
        }
      };
      try {
        expect(await refused(`ALTER TABLE case_history DISABLE TRIGGER case_history_no_update`)).toBe('42501');
        expect(await refused(`ALTER TABLE case_history DISABLE TRIGGER ALL`)).toBe('42501');
        expect(await refused(`DROP TRIGGER case_history_no_update ON case_history`)).toBe('42501');
        expect(await refused(`UPDATE case_history SET comment = 'rewritten'`)).toBe('42501');
        expect(await refused(`DELETE FROM case_history`)).toBe('42501');
        expect(await refused(`TRUNCATE case_history`)).toBe('42501');
        expect(await refused(`ALTER TABLE history_checkpoints DISABLE TRIGGER ALL`)).toBe('42501');
        expect(await refused(`DELETE FROM history_checkpoints`)).toBe('42501');
        const [{ n }] = (
          await asApp.query(`SELECT count(*)::int AS n FROM case_history WHERE case_id = $1`, [opened.body.id])
        ).rows;
        expect(n).toBe(1);
        // the application role owns no table at all
        const owned = await asApp.query(
          `SELECT relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND relkind IN ('r', 'p')`,
        );
        expect(owned.rows).toEqual([]);
      } finally {
        await asApp.end();
      }
    } finally {
      await app?.close();
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      );
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.query(`DROP ROLE IF EXISTS ${appRole}`);
      await admin.query(`DROP ROLE IF EXISTS ${owner}`);
      await admin.end();
    }
  });

  describe('signed daily checkpoints', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ ROLE: 'api', HISTORY_CHECKPOINT_KEY: 'k'.repeat(48) });
    });
    afterAll(() => h.close());

    it('whole-log verify tells a rewrite by the table owner (trigger disabled, chain kept consistent) from the truth', async () => {
      const member = fullMembersOf(h.region, h.region.anchors.firmBOrgId)[1];
      const branchB = await h.as('branch-b');
      const opened = await h
        .http()
        .post('/api/v1/cases')
        .set(branchB)
        .send({
          workflow: 'membership-transfer',
          subject: { memberId: member.id },
          input: { toOrgId: h.region.anchors.firmAOrgId },
        });
      expect(opened.status).toBe(201);
      const caseId = opened.body.id;
      expect(
        (await h.http().post(`/api/v1/cases/${caseId}/events`).set(branchB).send({ type: 'APPROVE_RELEASE' })).status,
      ).toBe(200);

      // two days later the worker's hourly pass signs the days that have passed
      await h.app.get(ClockSync).moveTo(new Date(Date.now() + 2 * 86_400_000));
      const checkpoints = h.app.get(HistoryCheckpointService);
      const days = await checkpoints.checkpointPastDays();
      expect(days.length).toBeGreaterThanOrEqual(1);
      expect(await checkpoints.checkpointPastDays()).toEqual([]); // once per day
      const verify = async () =>
        (
          await h
            .http()
            .get('/api/v1/audit/verify')
            .set(await h.as('admin'))
        ).body;
      expect(await verify()).toMatchObject({ ok: true, checkpoints: { enabled: true, mismatched: [] } });

      // the table owner erases the case's last event: trigger off, row deleted, trigger on, case set back so
      // its chain still ends where its head says
      const [last, previous] = await h.ds.query(
        `SELECT seq, hash FROM case_history WHERE case_id = $1 ORDER BY seq DESC LIMIT 2`,
        [caseId],
      );
      await h.ds.transaction(async (em) => {
        await em.query(`ALTER TABLE case_history DISABLE TRIGGER case_history_no_update`);
        await em.query(`DELETE FROM case_history WHERE case_id = $1 AND seq = $2`, [caseId, last.seq]);
        await em.query(`ALTER TABLE case_history ENABLE TRIGGER case_history_no_update`);
        await em.query(`UPDATE cases SET version = $2, head_hash = $3 WHERE id = $1`, [
          caseId,
          previous.seq,
          previous.hash,
        ]);
      });
      // the chain alone cannot tell …
      const one = await h
        .http()
        .get(`/api/v1/audit/verify?caseId=${caseId}`)
        .set(await h.as('admin'));
      expect(one.body.ok).toBe(true);
      // … the signed checkpoint of that day can
      const whole = await verify();
      expect(whole.ok).toBe(false);
      expect(whole.checkpoints.mismatched).toEqual([
        expect.objectContaining({ day: expect.any(String), reason: expect.stringMatching(/rewritten/) }),
      ]);

      // and so can a forged checkpoint (re-signed without the key)
      await h.ds.transaction(async (em) => {
        await em.query(`ALTER TABLE history_checkpoints DISABLE TRIGGER history_checkpoints_no_update`);
        await em.query(`UPDATE history_checkpoints SET rows = rows - 1, signature = repeat('0', 64)`);
        await em.query(`ALTER TABLE history_checkpoints ENABLE TRIGGER history_checkpoints_no_update`);
      });
      expect((await verify()).checkpoints.mismatched.map((m: any) => m.reason).join()).toMatch(/signature invalid/);
    });

    it('the checkpoints are chained: a whole day removed with its checkpoint is a missing link', async () => {
      const admin = await h.as('admin');
      const branchB = await h.as('branch-b');
      const members = fullMembersOf(h.region, h.region.anchors.firmBOrgId);
      const clock = h.app.get(ClockSync);
      const checkpoints = h.app.get(HistoryCheckpointService);
      // the checkpoints of the test before are taken; three days follow, one case opened on each
      const opened: string[] = [];
      for (const member of members.slice(2, 5)) {
        const res = await h
          .http()
          .post('/api/v1/cases')
          .set(branchB)
          .send({
            workflow: 'membership-transfer',
            subject: { memberId: member.id },
            input: { toOrgId: h.region.anchors.firmAOrgId },
          });
        expect(res.status).toBe(201);
        opened.push(res.body.id);
        await clock.moveTo(new Date(h.app.get(Clock).now().getTime() + 86_400_000));
      }
      await clock.moveTo(new Date(h.app.get(Clock).now().getTime() + 86_400_000));
      const signed = await checkpoints.checkpointPastDays();
      expect(signed).toHaveLength(3);
      const verify = async () => (await h.http().get('/api/v1/audit/verify').set(admin)).body;
      const before = await verify();
      // the chain of the test before is already broken by its forged checkpoint: only what this test adds counts
      const newDays = (v: any) => v.checkpoints.mismatched.filter((m: any) => signed.includes(m.day));
      expect(newDays(before)).toEqual([]);
      expect(before.checkpoints.head).toEqual({ day: signed[2], signature: expect.stringMatching(/^[0-9a-f]{16}$/) });

      // the table owner removes the middle day entirely: the case opened that day (its history, its row and
      // what hangs on it) and the day's checkpoint, with every trigger and foreign key off
      const [middle] = await h.ds.query(`SELECT day::text AS day FROM history_checkpoints WHERE day = $1`, [signed[1]]);
      expect(middle).toBeDefined();
      await h.ds.transaction(async (em) => {
        await em.query(`SET LOCAL session_replication_role = replica`);
        await em.query(`DELETE FROM case_history WHERE case_id = $1`, [opened[1]]);
        await em.query(`DELETE FROM timers WHERE case_id = $1`, [opened[1]]);
        await em.query(`DELETE FROM cases WHERE id = $1`, [opened[1]]);
        await em.query(`DELETE FROM history_checkpoints WHERE day = $1`, [signed[1]]);
      });
      // every remaining chain and every remaining day still matches its checkpoint …
      const after = await verify();
      expect(after.brokenAt).toBeUndefined();
      // … but the next day's checkpoint names the deleted one as its predecessor
      expect(after.ok).toBe(false);
      expect(newDays(after)).toEqual([
        { day: signed[2], reason: expect.stringMatching(new RegExp(`检查点链缺环.*${signed[1]}.*missing link`)) },
      ]);
    });
  });
});
