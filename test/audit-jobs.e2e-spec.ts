import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { AuditService } from '../libs/audit/audit.service';
import { RetentionRepository } from '../libs/retention/retention.repository';
import { connectToServer } from './support/global-setup';
import { fullMembersOf, Harness, startHarness } from './support/harness';
import { AppProcess, startAppProcess } from './support/processes';
import { fileOrJson } from './support/binary';

jest.setTimeout(300_000);

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
type Headers = { Authorization: string };

/**
 * Whole-log verify and the ledger export as background jobs (issue 11): the api process admits a job (per-user
 * limit, the owner's scope) and answers at once; worker processes run it from the `audit_jobs` row — progress,
 * result, and a run abandoned by a killed worker picked up by another. Real PostgreSQL, Redis and worker
 * processes of the application.
 */
describe('audit jobs (e2e)', () => {
  let h: Harness;
  let admin: Headers;
  let supervisor: Headers;
  let city: Headers;
  const workers: AppProcess[] = [];
  const workerEnv = () => ({ ...h.env, AUDIT_JOB_STALE_MS: '2000' });

  const binary = (req: any) => req.buffer(true).parse(fileOrJson);
  const job = async (headers: Headers, id: string) =>
    (await h.http().get(`/api/v1/audit/jobs/${id}`).set(headers)).body;
  const until = async <T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (ok(v) || Date.now() > end) return v;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    // no worker in this process: jobs wait in PostgreSQL until a worker process is started
    h = await startHarness({ ROLE: 'api', AUDIT_JOB_STALE_MS: '2000', AUDIT_SYNC_VERIFY_MAX_CASES: '0' });
    admin = await h.as('admin');
    supervisor = await h.as('supervisor');
    city = await h.as('city');
    const member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[0];
    const opened = await h
      .http()
      .post('/api/v1/cases')
      .set(await h.as('branch-a'))
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    expect(opened.status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await h.close();
  });

  it('admits at most AUDIT_JOBS_PER_USER unfinished jobs per user (429 AUDIT_JOB_LIMIT with Retry-After); a job is its owner’s only', async () => {
    const verify = await h.http().post('/api/v1/audit/jobs/verify').set(supervisor);
    expect(verify.status).toBe(202);
    expect(verify.headers.location).toBe(`/api/v1/audit/jobs/${verify.body.id}`);
    expect(verify.body).toMatchObject({ kind: 'verify', status: 'queued', done: 0, resultUrl: null });
    const exp = await h
      .http()
      .post('/api/v1/audit/jobs/export')
      .set(supervisor)
      .send({ workflow: 'membership-transfer' });
    expect(exp.status).toBe(202);
    expect(exp.body).toMatchObject({ kind: 'export', filter: { workflow: 'membership-transfer' } });

    const third = await h.http().post('/api/v1/audit/jobs/verify').set(supervisor);
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('AUDIT_JOB_LIMIT');
    expect(third.body.message).toMatch(/任务正在进行/);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    // another user has a limit of their own
    expect((await h.http().post('/api/v1/audit/jobs/verify').set(city)).status).toBe(202);
    // … and sees nothing of the supervisor's jobs
    expect((await h.http().get(`/api/v1/audit/jobs/${verify.body.id}`).set(city)).status).toBe(404);
    expect((await h.http().get(`/api/v1/audit/jobs/${exp.body.id}/result`).set(city)).status).toBe(404);
    expect((await h.http().get('/api/v1/audit/jobs/not-a-uuid').set(city)).status).toBe(404);
    const cityList = (await h.http().get('/api/v1/audit/jobs').set(city)).body;
    expect(cityList.map((j: any) => j.id)).not.toContain(verify.body.id);
    const mine = (await h.http().get('/api/v1/audit/jobs').set(supervisor)).body;
    expect(mine.map((j: any) => j.id)).toEqual([exp.body.id, verify.body.id]);
    // not done yet: the result is a 409, not a 5xx nor an empty body
    const early = await h.http().get(`/api/v1/audit/jobs/${verify.body.id}/result`).set(supervisor);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('AUDIT_JOB_NOT_READY');
    // bad filter: 400
    expect((await h.http().post('/api/v1/audit/jobs/export').set(supervisor).send({ orgId: 'x' })).status).toBe(400);

    // a worker starts: the jobs run to the end with their owners' scope
    workers.push(await startAppProcess('worker', workerEnv(), { timeoutMs: 120_000 }));
    const done = await until(
      () => job(supervisor, verify.body.id),
      (j) => j.status === 'done',
    );
    expect(done).toMatchObject({ status: 'done', resultUrl: `/api/v1/audit/jobs/${verify.body.id}/result` });
    expect(done.total).toBeGreaterThan(0);
    expect(done.done).toBe(done.total);
    const report = await h.http().get(done.resultUrl).set(supervisor);
    expect(report.status).toBe(200);
    const me = (await h.http().get('/api/v1/auth/me').set(supervisor)).body;
    const expected = await h.app
      .get(AuditService)
      .verify({ userId: me.id, username: me.username, displayName: me.displayName, roles: me.roles });
    expect(report.body).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(report.body).toMatchObject({ ok: true, cases: done.total });

    const exported = await until(
      () => job(supervisor, exp.body.id),
      (j) => j.status === 'done',
    );
    expect(exported.fileName).toMatch(/^律师行业党建流程台帐_\d{8}-\d{4}\.xlsx$/);
    const file = await binary(h.http().get(exported.resultUrl).set(supervisor));
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe(XLSX);
    const disposition = /^attachment; filename\*=UTF-8''([^;\s]+)$/.exec(file.headers['content-disposition']);
    expect(decodeURIComponent(disposition![1])).toBe(exported.fileName);
    expect(file.body.length).toBe(exported.fileSize);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body);
    expect(wb.worksheets.map((ws) => ws.name)).toEqual(['台帐', '校验']);
    const events = (
      await h.http().get('/api/v1/audit/events?workflow=membership-transfer&pageSize=1000').set(supervisor)
    ).body;
    // title and header rows, then one row per event the supervisor may see
    expect(wb.getWorksheet('台帐')!.actualRowCount).toBe(2 + events.total);
  });

  it('GET /audit/verify of the whole log beyond AUDIT_SYNC_VERIFY_MAX_CASES answers 202 with a job; one case stays synchronous', async () => {
    const res = await h.http().get('/api/v1/audit/verify').set(admin);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ kind: 'verify', status: 'queued' });
    const done = await until(
      () => job(admin, res.body.id),
      (j) => j.status === 'done',
    );
    const report = (await h.http().get(done.resultUrl).set(admin)).body;
    expect(report).toMatchObject({ ok: true, checkpoints: { enabled: false } });
    const [one] = await h.ds.query(`SELECT id FROM cases LIMIT 1`);
    const single = await h.http().get(`/api/v1/audit/verify?caseId=${one.id}`).set(admin);
    expect(single.status).toBe(200);
    expect(single.body).toMatchObject({ ok: true, cases: 1 });
  });

  it('a job left running by a worker killed mid-run is picked up by another worker and finished', async () => {
    // hold the history so the run stalls in its first read, where the worker is then killed
    const blocker: Client = await connectToServer(h.env.DATABASE_URL);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE case_history IN ACCESS EXCLUSIVE MODE');
    let id: string;
    try {
      const res = await h.http().post('/api/v1/audit/jobs/verify').set(admin);
      expect(res.status).toBe(202);
      id = res.body.id;
      const running = await until(
        () => job(admin, id),
        (j) => j.status === 'running',
      );
      expect(running.status).toBe('running');
      await workers.pop()!.stop('SIGKILL');
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    // nobody beats for it any more; it stays running (not lost, not failed) until a worker comes
    await new Promise((r) => setTimeout(r, 2500));
    expect((await job(admin, id)).status).toBe('running');
    workers.push(await startAppProcess('worker', workerEnv(), { timeoutMs: 120_000 }));
    const done = await until(
      () => job(admin, id),
      (j) => j.status === 'done',
    );
    expect(done.status).toBe('done');
    const [{ attempts }] = await h.ds.query(`SELECT attempts FROM audit_jobs WHERE id = $1`, [id]);
    expect(attempts).toBe(2);
    expect((await h.http().get(done.resultUrl).set(admin)).body).toMatchObject({ ok: true });
  });

  it('retention removes finished jobs (and their files) after RETENTION_AUDIT_JOBS_DAYS, never unfinished ones', async () => {
    const [{ n: finished }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM audit_jobs WHERE finished_at IS NOT NULL`,
    );
    expect(finished).toBeGreaterThanOrEqual(3);
    await h.ds.query(`INSERT INTO audit_jobs (owner_user_id, principal, kind) VALUES ('nobody', '{}', 'verify')`);
    const epoch = new Date(0);
    const removed = await new RetentionRepository(h.ds).purge({
      idempotencyKeys: epoch,
      notifications: epoch,
      outbox: epoch,
      deadOutbox: epoch,
      deliveriesEngine: epoch,
      deliveriesWall: epoch,
      timersEngine: epoch,
      timersWall: epoch,
      licensingIdNumbers: epoch,
      auditJobs: new Date(Date.now() + 60_000),
    });
    expect(removed.auditJobs).toBe(finished);
    const left = await h.ds.query(`SELECT status FROM audit_jobs`);
    expect(left.every((r: any) => r.status === 'queued' || r.status === 'running')).toBe(true);
    expect(left.length).toBeGreaterThanOrEqual(1);
  });
});
