import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import type { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { AuditService } from './audit.service';
import { AuditJobKind, AuditJobRow, AuditJobsRepository } from './audit-jobs.repository';
import type { LedgerFilter } from './ledger-export';

export const AUDIT_QUEUE = Symbol('AUDIT_QUEUE');

/** Runs of one job before it is given up (a job that kills its worker every time must not loop forever). */
const MAX_ATTEMPTS = 3;
/** Seconds a client refused by the per-user limit is told to wait (Retry-After). */
const RETRY_AFTER_SECONDS = 15;
/** Progress is written at most this often (plus once at the end). */
const PROGRESS_EVERY_MS = 500;

/** What the API shows of a job. */
export interface AuditJobView {
  id: string;
  kind: AuditJobKind;
  status: AuditJobRow['status'];
  filter: Record<string, unknown>;
  done: number;
  total: number | null;
  /** path of the result (verify report or ledger file) once done */
  resultUrl: string | null;
  fileName: string | null;
  fileSize: number | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function jobView(j: AuditJobRow): AuditJobView {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    filter: j.filter,
    done: j.done,
    total: j.total,
    resultUrl: j.status === 'done' ? `/api/v1/audit/jobs/${j.id}/result` : null,
    fileName: j.fileName,
    fileSize: j.fileSize,
    error: j.error && { code: j.error.code, message: j.error.message },
    createdAt: iso(j.createdAt)!,
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
  };
}

/**
 * Whole-log verify and the ledger export as background jobs: the api role admits a job (per-user limit) and
 * wakes the `audit` queue; a worker claims the row, runs the same AuditService code as the synchronous
 * endpoints with the owner's principal (so the same scope), writes progress and the result to the row. The
 * relay puts back queued jobs and jobs whose worker stopped beating (it died): PostgreSQL decides, Redis wakes.
 */
@Injectable()
export class AuditJobsService {
  private readonly logger = new Logger('AuditJobs');

  constructor(
    private readonly config: AppConfig,
    private readonly repo: AuditJobsRepository,
    private readonly audit: AuditService,
    @Inject(AUDIT_QUEUE) private readonly queue: Queue,
  ) {}

  /** Admits a job for the caller (429 AUDIT_JOB_LIMIT beyond the per-user limit) and wakes a worker. */
  async start(principal: Principal, kind: AuditJobKind, filter: LedgerFilter = {}): Promise<AuditJobView> {
    // an export too large for any ledger is refused now, not after a wait
    if (kind === 'export') this.audit.checkExportSize(await this.audit.exportSize(principal, filter));
    const clean = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));
    const job = await this.repo.admit(principal, kind, kind === 'export' ? clean : {}, this.config.AUDIT_JOBS_PER_USER);
    if (!job)
      throw new AppError(
        HttpStatus.TOO_MANY_REQUESTS,
        'AUDIT_JOB_LIMIT',
        `您已有 ${this.config.AUDIT_JOBS_PER_USER} 个校验或导出任务正在进行，请等其完成后再发起`,
        { limit: this.config.AUDIT_JOBS_PER_USER, retryAfterSeconds: RETRY_AFTER_SECONDS },
        { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      );
    // the row is the job; the queue only wakes a worker. Not awaited: with Redis away the add would wait for it
    // (the client's offline queue) and hold the answer; the worker's fallback runs the job from PostgreSQL then
    void this.enqueue([{ id: job.id, attempts: job.attempts }]).catch((e) =>
      this.logger.warn(`audit job ${job.id} not queued yet (the relay will): ${(e as Error).message}`),
    );
    return jobView(job);
  }

  async get(principal: Principal, id: string): Promise<AuditJobView> {
    return jobView(await this.owned(principal, id));
  }

  async list(principal: Principal): Promise<AuditJobView[]> {
    return (await this.repo.listOwned(principal.userId, 50)).map(jobView);
  }

  /** The result of a finished job: the verify report, or the ledger file. 409 while it is not done. */
  async result(
    principal: Principal,
    id: string,
  ): Promise<{ kind: 'verify'; result: unknown } | { kind: 'export'; fileName: string; content: Buffer }> {
    const job = await this.owned(principal, id);
    if (job.status !== 'done')
      throw new AppError(
        HttpStatus.CONFLICT,
        'AUDIT_JOB_NOT_READY',
        job.status === 'failed'
          ? `任务未能完成：${job.error?.message ?? '原因不明'}`
          : `任务尚未完成（已完成 ${job.done}/${job.total ?? '?'}），请稍后再取结果`,
        { status: job.status, done: job.done, total: job.total },
      );
    if (job.kind === 'verify') return { kind: 'verify', result: job.result };
    const file = await this.repo.fileOwned(principal.userId, id);
    if (!file) throw AppError.notFound('任务结果');
    return { kind: 'export', fileName: file.fileName, content: file.file };
  }

  /** Runs one job (worker). Nothing to do when another live worker holds it or it is finished. */
  async run(id: string): Promise<void> {
    const job = await this.repo.claim(id, this.config.AUDIT_JOB_STALE_MS);
    if (!job) return;
    if (job.attempts > MAX_ATTEMPTS) {
      await this.repo.fail(id, {
        code: 'INTERNAL_ERROR',
        message: `任务已中断 ${MAX_ATTEMPTS} 次，未能完成，请重新发起`,
      });
      return;
    }
    let done = 0;
    let total = 0;
    let written = 0;
    const progress = async (d: number, t: number) => {
      done = d;
      total = t;
      if (Date.now() - written < PROGRESS_EVERY_MS && d < t) return;
      written = Date.now();
      await this.repo.progress(id, d, t);
    };
    // the heartbeat goes on through long steps without progress (rendering the workbook, the checkpoints)
    const beat = setInterval(
      () => void this.repo.progress(id, done, total).catch(() => undefined),
      Math.max(500, Math.floor(this.config.AUDIT_JOB_STALE_MS / 3)),
    );
    try {
      if (job.kind === 'verify') {
        const result = await this.audit.verify(job.principal, undefined, progress);
        await this.repo.finish(id, { result });
      } else {
        const { fileName, content } = await this.audit.exportLedger(job.principal, job.filter, progress);
        await this.repo.finish(id, { fileName, file: content });
      }
    } catch (e) {
      if (e instanceof AppError && e.status < 500)
        await this.repo.fail(id, { code: e.code, message: e.message, details: e.details });
      else {
        this.logger.warn(`audit job ${id} failed: ${(e as Error).message}`);
        await this.repo.fail(id, { code: 'INTERNAL_ERROR', message: '任务执行出错，请稍后重新发起' });
      }
    } finally {
      clearInterval(beat);
    }
  }

  /** Relay: queued jobs, and jobs whose worker died, (back) on the queue; duplicates collapse by job id. */
  async relayOnce(): Promise<number> {
    const due = await this.repo.toRelay(this.config.AUDIT_JOB_STALE_MS);
    await this.enqueue(due);
    return due.length;
  }

  /**
   * The worker's fallback while the queue does not deliver: runs, one after another, the jobs that are queued
   * or whose worker died, straight from PostgreSQL. `run` claims each row first, so a job the queue delivers
   * at the same time still runs once.
   */
  async runDue(): Promise<number> {
    let ran = 0;
    for (const { id } of await this.repo.toRelay(this.config.AUDIT_JOB_STALE_MS)) {
      await this.run(id);
      ran++;
    }
    return ran;
  }

  /** A job queued longer than `graceMs`, or one whose worker died: the queue is not delivering. */
  waitingLongerThan(graceMs: number): Promise<boolean> {
    return this.repo.waitingLongerThan(graceMs, this.config.AUDIT_JOB_STALE_MS);
  }

  private async enqueue(jobs: { id: string; attempts: number }[]) {
    if (!jobs.length) return;
    await this.queue.addBulk(
      jobs.map((j) => ({
        name: 'run',
        data: { id: j.id },
        // one BullMQ job per run: a run abandoned by a dead worker gets a new id, not the stuck one
        opts: { jobId: `audit-${j.id}-${j.attempts}`, removeOnComplete: true, removeOnFail: true },
      })),
    );
  }

  private async owned(principal: Principal, id: string): Promise<AuditJobRow> {
    const job = await this.repo.getOwned(principal.userId, id);
    if (!job) throw AppError.notFound('任务');
    return job;
  }
}
