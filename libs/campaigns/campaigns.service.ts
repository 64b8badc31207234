import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { isSystem, Principal, SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { Clock } from '../engine/clock';
import { EngineService } from '../engine/engine.service';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { inSavepoint } from '../persistence/savepoint';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { scopePrefixes } from '../registry/scope';
import { CampaignKind, CampaignRow, CampaignStepRow, CampaignsRepository, TargetResult } from './campaigns.repository';

export const CAMPAIGNS_QUEUE = Symbol('CAMPAIGNS_QUEUE');

/** Organizations per batch job: one transaction each, small enough that a crash redoes little. */
export const CAMPAIGN_BATCH_SIZE = 500;

/** Who may launch: a clerk of a committee (docs/procedures.md §5: a city or provincial committee launches the review). */
export const LAUNCHING_ORG_TYPES = ['provincial_committee', 'city_committee', 'county_committee'];

export interface CampaignView {
  id: string;
  kind: CampaignKind;
  year: number;
  orgId: string;
  orgName: string;
  status: CampaignRow['status'];
  total: number;
  opened: number;
  skipped: number;
  failed: number;
  startedAt: string;
  finishedAt?: string;
  etaSeconds?: number;
  failures: { orgId: string; code: string; message: string }[];
  /**
   * Where the review itself stands, over the campaign's cases (opened by it, or already open and skipped); null
   * while the campaign is still opening them.
   */
  review: CampaignReviewProgress | null;
}

/** The campaign's cases: closed, overdue, and the open ones per step in the procedure's order. */
export interface CampaignReviewProgress {
  cases: number;
  closed: number;
  overdue: number;
  steps: { state: string; title: string; cases: number; overdue: number }[];
}

/**
 * Annual-review campaigns (年度考核): one `annual-review` case for every branch, joint branch and general
 * branch under a committee, opened in the background in batches. PostgreSQL holds every target and its
 * outcome; BullMQ carries only (campaign, batch) wake-ups with deterministic ids, re-derived by the relay
 * at worker start and every few seconds — so a crash mid-way resumes, and a flushed Redis loses nothing.
 * The case table's once-key makes a second case for one (organization, year) impossible, whoever opens it.
 */
@Injectable()
export class CampaignsService {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly repo: CampaignsRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly clock: Clock,
    @Inject(CAMPAIGNS_QUEUE) private readonly queue: Queue,
  ) {}

  /** Launches (or continues) the annual review of `year` under `orgId`. */
  async launchAnnualReview(principal: Principal, req: { year: number; orgId: string }): Promise<CampaignView> {
    const org = await this.repo.orgById(req.orgId);
    if (!org) throw AppError.notFound('党组织');
    if (!(await this.mayLaunch(principal, org.path)))
      throw AppError.forbidden('只有上级党委（市、县或省级）的工作人员可以发起年度考核');
    const now = this.clock.now();
    const { id, batches } = await this.ds.transaction(async (em) => {
      const c = await this.repo.lockOrCreate(em, {
        kind: 'annual-review',
        year: req.year,
        orgId: org.id,
        batchSize: CAMPAIGN_BATCH_SIZE,
        launchedBy: { userId: principal.userId, username: principal.username },
        startedAt: now,
      });
      // launching again continues the same campaign: new branches are added, cancelled or failed ones retried
      await this.repo.addMissingTargets(em, c.id, org.path, CAMPAIGN_BATCH_SIZE);
      if (!c.created) await this.repo.retryUnfinished(em, c.id);
      await this.repo.recount(em, c.id, now);
      const row = await this.repo.get(c.id, em);
      if (row!.total === 0)
        throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'RULE_VIOLATION', `${org.name}下没有需要年度考核的党组织`);
      return { id: c.id, batches: await this.repo.batchesOf(em, c.id) };
    });
    // the targets are the work; the queue only wakes a worker. Not awaited: with Redis away the add would wait
    // for it (the client's offline queue) and hold the answer; the worker's fallback runs the batches from PostgreSQL
    void this.enqueue(batches.map((batch) => ({ campaignId: id, batch }))).catch((e) =>
      this.logger.warn(`campaign ${id} not queued yet (the relay will): ${(e as Error).message}`),
    );
    return this.view(principal, id);
  }

  /** The campaign, if it lies in the caller's scope; else not found (as if it did not exist). */
  private async visibleCampaign(principal: Principal, id: string) {
    const row = isUuid(id) ? await this.repo.get(id) : undefined;
    if (!row || !(await this.visible(principal, row.orgId))) throw AppError.notFound('年度考核活动');
    return row;
  }

  async view(principal: Principal, id: string): Promise<CampaignView> {
    const row = await this.visibleCampaign(principal, id);
    return this.toView(row, await this.repo.failures(id), await this.stepsOf([row]));
  }

  /**
   * The cases a campaign counts, for the case list (`GET /cases?campaignId=`): a step of the review opens the
   * cases of that step in this campaign, not every annual review at that step (another year's, another
   * committee's). Not found unless the campaign is in the caller's scope.
   */
  async caseIds(principal: Principal, id: string): Promise<string[]> {
    await this.visibleCampaign(principal, id);
    return this.repo.caseIds(id);
  }

  async list(principal: Principal, filter: { kind?: string; year?: number }): Promise<CampaignView[]> {
    const prefixes = await scopePrefixes(this.orgs, principal);
    if (!prefixes.length) return [];
    const rows = await this.repo.list(filter, prefixes);
    const steps = await this.stepsOf(rows);
    return Promise.all(
      rows.map(async (r) => this.toView(r, r.failed ? await this.repo.failures(r.id, 20) : [], steps)),
    );
  }

  async cancel(principal: Principal, id: string): Promise<CampaignView> {
    const row = await this.visibleCampaign(principal, id);
    const org = await this.repo.orgById(row.orgId);
    if (!(await this.mayLaunch(principal, org!.path)))
      throw AppError.forbidden('只有上级党委的工作人员可以取消年度考核活动');
    await this.ds.transaction(async (em) => {
      const locked = await this.repo.lock(em, id);
      if (locked?.status !== 'running')
        throw new AppError(HttpStatus.CONFLICT, 'CONCURRENT_UPDATE', '该活动已结束，无法取消', {
          status: locked?.status,
        });
      await this.repo.cancel(em, id, this.clock.now());
    });
    return this.view(principal, id);
  }

  // ---------------------------------------------------------------- background work

  /**
   * Opens the cases of one batch in one transaction: the engine's bulk opening writes them all with a few
   * statements. If the bulk write fails as a whole (a concurrent opener took a key, a database error), the
   * batch is redone one organization at a time, each under a savepoint, recording who failed and why.
   */
  async runBatch(campaignId: string, batch: number): Promise<number> {
    const def = this.registry.latest('annual-review');
    const trigger = `campaign:${campaignId}`;
    const attempt = (isolate: boolean) =>
      this.ds.transaction(async (em) => {
        const claim = await this.repo.claimBatch(em, campaignId, batch);
        if (!claim || !claim.orgIds.length) return 0;
        const input = { year: claim.year, campaignId };
        let results: TargetResult[];
        if (!isolate) {
          const opened = await this.engine.openCasesIn(
            em,
            def,
            claim.orgIds.map((orgId) => ({ subject: { orgId }, input })),
            trigger,
          );
          results = opened.map((o, i) => outcome(claim.orgIds[i], 'caseId' in o ? o.caseId : o.error));
        } else {
          results = [];
          for (const orgId of claim.orgIds) results.push(await this.openOne(em, def, orgId, input, trigger));
        }
        await this.repo.finish(em, campaignId, results, this.clock.now());
        return results.length;
      });
    try {
      return await attempt(false);
    } catch (e) {
      this.logger.warn(
        `campaign ${campaignId} batch ${batch}: bulk opening failed (${(e as Error).message}); one by one`,
      );
      return attempt(true);
    }
  }

  private async openOne(
    em: EntityManager,
    def: ReturnType<WorkflowRegistry['latest']>,
    orgId: string,
    input: Record<string, unknown>,
    trigger: string,
  ): Promise<TargetResult> {
    try {
      const record = await inSavepoint(em, 'campaign_target', () =>
        this.engine.openCaseIn(em, SYSTEM_PRINCIPAL, def, { orgId }, input, trigger),
      );
      return outcome(orgId, record.id);
    } catch (e) {
      if (!(e instanceof AppError))
        this.logger.warn(`${trigger}: opening the review of ${orgId} failed: ${(e as Error).message}`);
      return outcome(orgId, e);
    }
  }

  /** Relay: every batch PostgreSQL says is pending goes (back) on the queue; duplicates collapse by job id. */
  async relayOnce(): Promise<number> {
    const pending = await this.repo.pendingBatches();
    await this.enqueue(pending);
    return pending.length;
  }

  /**
   * The worker's fallback while the queue does not deliver: runs the pending batches of running campaigns, one
   * after another, straight from PostgreSQL. `runBatch` claims the batch's target rows first (FOR UPDATE SKIP
   * LOCKED, pending only), so a batch the queue delivers at the same time opens each case once.
   */
  async runDue(): Promise<number> {
    let ran = 0;
    for (const { campaignId, batch } of await this.repo.pendingBatches()) ran += await this.runBatch(campaignId, batch);
    return ran;
  }

  /** A running campaign whose pending batches have seen no progress for `graceMs`: the queue is not delivering. */
  waitingLongerThan(graceMs: number): Promise<boolean> {
    return this.repo.waitingLongerThan(graceMs, this.clock.now());
  }

  private async enqueue(batches: { campaignId: string; batch: number }[]) {
    if (!batches.length) return;
    await this.queue.addBulk(
      batches.map((b) => ({
        name: 'batch',
        data: b,
        opts: {
          jobId: `campaign-${b.campaignId}-${b.batch}`,
          // a finished or failed job must not block the relay from putting the batch back
          removeOnComplete: true,
          removeOnFail: true,
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
        },
      })),
    );
  }

  // ---------------------------------------------------------------- helpers

  /** A clerk at a committee whose subtree holds the organization. */
  private async mayLaunch(principal: Principal, orgPath: string): Promise<boolean> {
    if (isSystem(principal)) return true;
    const clerkAt = principal.roles.filter((r) => r.role === 'clerk' && orgPath.includes(`/${r.orgId}/`));
    if (!clerkAt.length) return false;
    const types = await this.repo.orgTypes(clerkAt.map((r) => r.orgId));
    return types.some((t) => LAUNCHING_ORG_TYPES.includes(t));
  }

  private async visible(principal: Principal, orgId: string): Promise<boolean> {
    const prefixes = await scopePrefixes(this.orgs, principal);
    const org = await this.repo.orgById(orgId);
    return !!org && prefixes.some((p) => p === '%' || org.path.startsWith(p.slice(0, -1)));
  }

  private toView(r: CampaignRow, failures: CampaignView['failures'], steps: CampaignStepRow[]): CampaignView {
    const done = r.opened + r.skipped + r.failed;
    const eta =
      r.status === 'running' && done > 0 ? Math.round((r.elapsedSeconds * (r.total - done)) / done) : undefined;
    return {
      id: r.id,
      kind: r.kind,
      year: r.year,
      orgId: r.orgId,
      orgName: r.orgName,
      status: r.status,
      total: r.total,
      opened: r.opened,
      skipped: r.skipped,
      failed: r.failed,
      startedAt: new Date(r.startedAt).toISOString(),
      ...(r.finishedAt ? { finishedAt: new Date(r.finishedAt).toISOString() } : {}),
      ...(eta !== undefined ? { etaSeconds: eta } : {}),
      failures,
      review:
        r.status === 'running'
          ? null
          : this.reviewProgress(
              r.kind,
              steps.filter((s) => s.campaignId === r.id),
            ),
    };
  }

  /**
   * The steps of the campaigns' reviews, for those no longer opening cases: a running campaign is polled every
   * second by its page, and counting 40 000 cases by step (0.3 s of PostgreSQL) on each poll slowed the launch
   * itself by a tenth.
   */
  private stepsOf(rows: CampaignRow[]): Promise<CampaignStepRow[]> {
    return this.repo.stepsOf(
      rows.filter((r) => r.status !== 'running').map((r) => r.id),
      this.clock.now(),
    );
  }

  private reviewProgress(kind: CampaignKind, rows: CampaignStepRow[]): CampaignReviewProgress {
    const def = this.registry.latest(kind);
    const order = Object.keys(def.states);
    const open = rows.filter((s) => !s.closed).sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state));
    const sum = (list: CampaignStepRow[], f: (s: CampaignStepRow) => number) => list.reduce((n, s) => n + f(s), 0);
    return {
      cases: sum(rows, (s) => s.cases),
      closed: sum(
        rows.filter((s) => s.closed),
        (s) => s.cases,
      ),
      overdue: sum(rows, (s) => s.overdue),
      steps: open.map((s) => ({
        state: s.state,
        title: def.states[s.state]?.title ?? s.state,
        cases: s.cases,
        overdue: s.overdue,
      })),
    };
  }
}

/** A target's outcome: opened, skipped (its organization already has the year's review) or failed. */
function outcome(orgId: string, result: string | unknown): TargetResult {
  if (typeof result === 'string') return { orgId, status: 'opened', caseId: result };
  if (result instanceof AppError && result.code === 'DUPLICATE')
    return {
      orgId,
      status: 'skipped',
      caseId: (result.details as any)?.caseId ?? null,
      code: result.code,
      message: result.message,
    };
  return result instanceof AppError
    ? { orgId, status: 'failed', code: result.code, message: result.message }
    : { orgId, status: 'failed', code: 'INTERNAL_ERROR', message: '开启年度考核案件失败（系统错误）' };
}
