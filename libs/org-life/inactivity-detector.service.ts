import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { INACTIVITY_REVIEW_KEY, InactivityReviewCreateInput } from '../../workflows/inactivity-review';
import { ORG_LIFE_DAILY_JOB } from '../../workflows/org-life-watch';
import { Principal, SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { Clock } from '../engine/clock';
import { EngineService } from '../engine/engine.service';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { OutboxDelivery, OutboxHandlers } from '../outbox/outbox';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { inScope, scopePrefixes } from '../registry/scope';
import { DetectorMember, FlagView, InactivityFlagsRepository } from './inactivity-flags.repository';
import {
  describeFinding,
  findInactivityGrounds,
  GroundFinding,
  laterMonth,
  monthEnd,
  RECORDING_ORG_TYPES,
} from './org-life.rules';
import { OrgLifeService } from './org-life.service';
import { QuarterRemindersService } from './quarter-reminders.service';

export interface DetectorRun {
  committeeId: string;
  day: string;
  branches: number;
  members: number;
  /** flags raised by this run (a repeated run raises none) */
  flagged: number;
  /** review cases opened (a member with an open review gets the new flag attached to it) */
  reviewsOpened: number;
  /** branches reminded of the quarter's organizational life (from some days before its end, once) */
  remindedBranches?: number;
}

/**
 * The inactivity detector (党章 art. 9), run once a day for a city committee by its `org-life-watch` case
 * (outbox job `job.org-life.daily`, retried until it succeeds). For every party member of a branch under the
 * committee that keeps records here, each ground — no meeting attended, no dues paid — is judged on its own
 * over whole months (org-life.rules `findInactivityGrounds`). A new (member, ground, window) becomes a flag
 * with its evidence and, in the same transaction, a task for the branch clerk: an `inactivity-review` case,
 * or the member's review already open. Idempotent: the same window is never flagged twice.
 */
@Injectable()
export class InactivityDetectorService implements OnModuleInit {
  private readonly logger = new Logger(InactivityDetectorService.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: InactivityFlagsRepository,
    private readonly orgLife: OrgLifeService,
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly handlers: OutboxHandlers,
    private readonly orgs: OrganizationsRepository,
    private readonly clock: Clock,
    private readonly reminders: QuarterRemindersService,
  ) {}

  onModuleInit() {
    const topic = `job.${ORG_LIFE_DAILY_JOB}`;
    if (!this.handlers.get(topic))
      this.handlers.register(topic, {
        deliver: (m: OutboxDelivery) =>
          this.runDaily(String(m.payload.committeeId), String(m.payload.day)).then(() => {}),
      });
  }

  /** One day's run for one committee (what the outbox job calls): the detector, then the quarter-end reminders. */
  async runDaily(committeeId: string, day: string): Promise<DetectorRun> {
    const run = await this.detect(committeeId, day);
    run.remindedBranches = await this.reminders.remind(committeeId, day);
    if (run.flagged)
      this.logger.log(`长期不参加组织生活检查 ${day}：新标记 ${run.flagged} 条，新建核查 ${run.reviewsOpened} 件`);
    return run;
  }

  async detect(committeeId: string, day: string): Promise<DetectorRun> {
    const run: DetectorRun = { committeeId, day, branches: 0, members: 0, flagged: 0, reviewsOpened: 0 };
    const path = (await this.orgs.findById(committeeId))?.path;
    if (!path) return run;
    const branches = (await this.repo.branchesUnder(`${path}%`, RECORDING_ORG_TYPES)).filter(
      (b) => b.firstMeetingMonth || b.firstDuesMonth,
    );
    run.branches = branches.length;
    const byId = new Map(branches.map((b) => [b.id, b]));
    const members = await this.repo.membersWithParticipation(branches.map((b) => b.id));
    run.members = members.length;
    const now = this.clock.now();
    for (const m of members) {
      const branch = byId.get(m.orgId)!;
      const settings = this.orgLife.settingsFor(branch.regionCode, now);
      const findings = findInactivityGrounds(
        {
          attended: m.attended,
          excused: m.excused,
          duesPaid: m.duesPaid,
          orgLifeSince: branch.firstMeetingMonth ? laterMonth(m.since, branch.firstMeetingMonth) : null,
          duesSince: branch.firstDuesMonth ? laterMonth(m.since, branch.firstDuesMonth) : null,
        },
        day,
        settings,
      );
      if (!findings.length) continue;
      const r = await this.flag(m, findings, day, settings.inactivityMonths);
      run.flagged += r.flagged;
      run.reviewsOpened += r.opened ? 1 : 0;
    }
    return run;
  }

  /** Flags and the review task of one member, in one transaction. */
  private async flag(m: DetectorMember, findings: GroundFinding[], day: string, months: number) {
    const described = await Promise.all(
      findings.map(async (f) => {
        const held =
          f.ground === 'org_life'
            ? await this.repo.meetingsHeld(m.orgId, `${f.windowStart}-01`, monthEnd(f.windowEnd))
            : undefined;
        return { f, held, summary: describeFinding(f, months, held) };
      }),
    );
    return this.ds.transaction(async (em) => {
      const now = this.clock.now();
      const fresh: { id: string; f: GroundFinding; summary: string }[] = [];
      for (const d of described) {
        const id = await this.repo.insertFlag(em, {
          memberId: m.id,
          orgId: m.orgId,
          finding: d.f,
          evidence: {
            months: d.f.months,
            lastAttended: d.f.lastAttended,
            lastExcused: d.f.lastExcused,
            lastDuesPaid: d.f.lastDuesPaid,
            ...(d.held === undefined ? {} : { branchMeetingsInWindow: d.held }),
          },
          summary: d.summary,
          flaggedOn: day,
          at: now,
        });
        if (id) fresh.push({ id, f: d.f, summary: d.summary });
      }
      if (!fresh.length) return { flagged: 0, opened: false };
      const open = await this.repo.openReviewCase(em, INACTIVITY_REVIEW_KEY, m.id);
      if (open) {
        await this.repo.setReviewCase(
          em,
          fresh.map((x) => x.id),
          open,
        );
        return { flagged: fresh.length, opened: false };
      }
      const input: InactivityReviewCreateInput = {
        flagIds: fresh.map((x) => x.id),
        grounds: fresh.map((x) => x.f.ground),
        windowStart: fresh.map((x) => x.f.windowStart).sort()[0],
        windowEnd: fresh
          .map((x) => x.f.windowEnd)
          .sort()
          .at(-1)!,
        summary: `${m.name}：${fresh.map((x) => x.summary).join('；')}`.slice(0, 2000),
      };
      const record = await this.engine.openCaseIn(
        em,
        SYSTEM_PRINCIPAL,
        this.registry.latest(INACTIVITY_REVIEW_KEY),
        { memberId: m.id },
        { ...input },
        'inactivity-detector',
      );
      await this.repo.setReviewCase(
        em,
        fresh.map((x) => x.id),
        record.id,
      );
      return { flagged: fresh.length, opened: true };
    });
  }

  /** GET /reports/inactive-members: the flags under `orgId` (default: the caller's scope), with their review. */
  async report(principal: Principal, q: { orgId?: string }) {
    const prefixes = await scopePrefixes(this.orgs, principal);
    let under = prefixes;
    if (q.orgId) {
      const path = isUuid(q.orgId) ? (await this.orgs.findById(q.orgId))?.path : undefined;
      if (!path || !inScope(path, prefixes)) throw AppError.notFound('党组织');
      under = [`${path}%`];
    }
    const rows = await this.repo.flagsUnder(under);
    return {
      asOf: now(this.clock),
      flags: rows.map(view),
    };
  }
}

const now = (clock: Clock) => clock.now().toISOString();

const STATUS: Record<string, 'pending' | 'referred' | 'dismissed'> = {
  review: 'pending',
  referred: 'referred',
  dismissed: 'dismissed',
};

function view(r: FlagView) {
  return {
    id: r.id,
    memberId: r.memberId,
    memberName: r.memberName,
    orgId: r.orgId,
    orgName: r.orgName,
    ground: r.ground,
    windowStart: r.windowStart,
    windowEnd: r.windowEnd,
    months: r.months,
    flaggedOn: r.flaggedOn,
    summary: r.summary,
    evidence: r.evidence,
    review: {
      caseId: r.reviewCaseId,
      status: r.reviewState ? (STATUS[r.reviewState] ?? 'pending') : 'pending',
      decidedOn: r.decision?.on ?? null,
      reason: r.decision?.reason ?? null,
      nonconformingCaseId: r.nonconformingCaseId,
      nonconformingOutcome: r.nonconformingOutcome,
    },
  };
}
