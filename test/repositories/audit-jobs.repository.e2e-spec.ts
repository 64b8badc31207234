import type { Principal } from '../../libs/auth/principal';
import { AuditJobsRepository } from '../../libs/audit/audit-jobs.repository';
import { startDatabase, TestDatabase } from '../support/database';

describe('AuditJobsRepository (real PostgreSQL)', () => {
  let db: TestDatabase;
  let jobs: AuditJobsRepository;
  let userNo = 0;
  const user = (): Principal => ({
    userId: `user-${++userNo}`,
    username: `u${userNo}`,
    displayName: `用户${userNo}`,
    roles: [],
  });

  beforeAll(async () => {
    db = await startDatabase([AuditJobsRepository], { seed: false });
    jobs = db.get(AuditJobsRepository);
  }, 30_000);
  afterAll(() => db.close());

  it('admits up to the limit of unfinished jobs per user, even when asked at the same time', async () => {
    const u = user();
    const admitted = await Promise.all([1, 2, 3, 4].map(() => jobs.admit(u, 'verify', {}, 2)));
    expect(admitted.filter(Boolean)).toHaveLength(2);
    // a finished job frees its place
    const first = admitted.find(Boolean)!;
    expect(await jobs.claim(first.id, 60_000)).toBeDefined();
    await jobs.finish(first.id, { result: { ok: true } });
    expect(await jobs.admit(u, 'export', { workflow: 'x' }, 2)).toBeDefined();
    expect(await jobs.admit(user(), 'verify', {}, 2)).toBeDefined();
  });

  it('a job is claimed once while its worker beats, and again once it stops beating', async () => {
    const u = user();
    const job = (await jobs.admit(u, 'verify', {}, 2))!;
    expect(await jobs.toRelay(60_000)).toContainEqual({ id: job.id, attempts: 0 });
    const claimed = await jobs.claim(job.id, 60_000);
    expect(claimed).toMatchObject({ status: 'running', attempts: 1 });
    expect(await jobs.claim(job.id, 60_000)).toBeUndefined();
    expect((await jobs.toRelay(60_000)).map((j) => j.id)).not.toContain(job.id);
    await jobs.progress(job.id, 3, 10);
    // the worker dies: no beat for longer than the stale period
    await db.ds.query(`UPDATE audit_jobs SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, [job.id]);
    expect(await jobs.toRelay(60_000)).toContainEqual({ id: job.id, attempts: 1 });
    expect(await jobs.claim(job.id, 60_000)).toMatchObject({ attempts: 2, done: 0 });
    await jobs.fail(job.id, { code: 'RULE_VIOLATION', message: '太多' });
    expect(await jobs.claim(job.id, 60_000)).toBeUndefined();
    expect(await jobs.getOwned(u.userId, job.id)).toMatchObject({
      status: 'failed',
      error: { code: 'RULE_VIOLATION', message: '太多' },
    });
  });

  it('shows a job and its file to its owner only', async () => {
    const u = user();
    const job = (await jobs.admit(u, 'export', {}, 2))!;
    await jobs.claim(job.id, 60_000);
    await jobs.finish(job.id, { fileName: '台帐.xlsx', file: Buffer.from('PK..') });
    expect(await jobs.getOwned(u.userId, job.id)).toMatchObject({ status: 'done', fileName: '台帐.xlsx', fileSize: 4 });
    expect(await jobs.fileOwned(u.userId, job.id)).toEqual({ fileName: '台帐.xlsx', file: Buffer.from('PK..') });
    expect(await jobs.getOwned('someone-else', job.id)).toBeUndefined();
    expect(await jobs.fileOwned('someone-else', job.id)).toBeUndefined();
    expect(await jobs.getOwned(u.userId, 'not-a-uuid')).toBeUndefined();
    expect((await jobs.listOwned(u.userId, 10)).map((j) => j.id)).toEqual([job.id]);
  });
});
