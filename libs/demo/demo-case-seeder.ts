import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal, RoleAssignment } from '../auth/principal';
import { Clock } from '../engine/clock';
import { EngineService, SendEventRequest } from '../engine/engine.service';
import { ClockAdvanceService } from '../timers/clock-advance.service';
import { buildDemoRegion, DemoRegion } from './demo-region';

/** How far engine time is moved between the two batches: well past the 5-working-day step deadlines. */
export const DEMO_CASE_AGE_DAYS = 21;

/**
 * Gives the demo something to do: opens cases as the demo users and drives them through the real engine
 * (history rows, hash chain, timers and escalations are all the engine's own). A first batch is opened,
 * then engine time is moved forward (delivering every timer on the way, as the `_clock` control does) so
 * that batch is overdue and escalated; a second batch is opened fresh. Runs only in the real demo (the
 * launcher's `npm run demo`), never in the test harness, whose suites count cases from an empty list.
 */
@Injectable()
export class DemoCaseSeeder {
  private readonly logger = new Logger('Demo');

  constructor(
    private readonly ds: DataSource,
    private readonly engine: EngineService,
    private readonly clock: Clock,
    private readonly advance: ClockAdvanceService,
  ) {}

  /** Seeds the demo cases once: a database that already holds any case is left alone. Returns the count opened. */
  async seedIfNoCases(): Promise<number> {
    const [{ n }] = await this.ds.query(`SELECT count(*)::int AS n FROM cases`);
    if (n > 0) return 0;
    const opened = await this.seed(buildDemoRegion());
    this.logger.log(`已生成演示案件：${opened} 件（其中一批已逾期并已预警）`);
    return opened;
  }

  async seed(region: DemoRegion): Promise<number> {
    const a = region.anchors;
    const as = await this.principals(['city', 'county-zg', 'branch-a', 'branch-b', 'joint-1']);
    const full = (orgId: string) => region.members.filter((m) => m.orgId === orgId && m.status === 'full');
    const applicants = (orgId: string) => region.members.filter((m) => m.orgId === orgId && m.status === 'applicant');
    const fromA = full(a.firmAOrgId);
    const fromB = full(a.firmBOrgId);
    const fromJoint = full(a.jointBranch1Id);
    const uncoveredZg = region.firms.filter((f) => f.county === '章贡区' && f.coverage === 'none');
    // the region has one applicant (in firm A's branch) and one uncovered firm in 章贡区
    const [applicantA1] = applicants(a.firmAOrgId);
    let opened = 0;

    const day = (offsetDays: number) =>
      new Date(this.clock.now().getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);
    const open = async (p: Principal, workflow: string, subject: Record<string, string>, input: object) => {
      const { record } = await this.engine.openCase(p, { workflow, subject, input: { ...input } });
      opened++;
      return record.id;
    };
    const send = (p: Principal, id: string, req: SendEventRequest) => this.engine.sendEvent(p, id, req);
    const transfer = (p: Principal, memberId: string, toOrgId: string) =>
      open(p, 'membership-transfer', { memberId }, { toOrgId });
    const letter = (n: number) => ({
      type: 'ISSUE_LETTER',
      data: { letterNo: `赣律党转〔2026〕${n}号`, validUntil: day(60) },
    });
    const recruit = (p: Principal, memberId: string, appliedDaysAgo: number) =>
      open(p, 'recruitment', { memberId }, { appliedOn: day(-appliedDaysAgo) });

    // ---- batch 1: opened now, overdue once the clock has moved on
    await transfer(as['branch-a'], fromA[8].id, a.firmBOrgId); // release_review → branch-a
    const t2 = await transfer(as['branch-a'], fromA[9].id, a.firmBOrgId);
    await send(as['branch-a'], t2, { type: 'APPROVE_RELEASE', comment: '同意转出' }); // letter_pending → city
    await transfer(as['branch-b'], fromB[7].id, a.firmAOrgId); // release_review → branch-b
    await transfer(as['joint-1'], fromJoint[2].id, a.firmAOrgId); // release_review → joint-1
    const t5 = await transfer(as['joint-1'], fromJoint[3].id, a.firmBOrgId);
    await send(as['joint-1'], t5, { type: 'APPROVE_RELEASE' }); // letter_pending → the joint branch's upper committee
    if (uncoveredZg[0]) await open(as.city, 'branch-formation', { firmId: uncoveredZg[0].id }, { trigger: 'manual' });
    // applied 40 days ago: the one-month talk deadline has already passed
    if (applicantA1) await recruit(as['branch-a'], applicantA1.id, 40);

    await this.advance.advanceTo(new Date(this.clock.now().getTime() + DEMO_CASE_AGE_DAYS * 86_400_000));

    // ---- batch 2: opened after the clock moved, still within their deadlines
    const t6 = await transfer(as['branch-a'], fromA[10].id, a.firmBOrgId);
    await send(as['branch-a'], t6, { type: 'APPROVE_RELEASE' });
    await send(as.city, t6, letter(101)); // acceptance_review → branch-b
    const t7 = await transfer(as['branch-a'], fromA[11].id, a.firmBOrgId);
    await send(as['branch-a'], t7, { type: 'APPROVE_RELEASE' });
    await send(as.city, t7, letter(102));
    await send(as['branch-b'], t7, { type: 'ACCEPT' }); // awaiting_report → branch-b
    const t8 = await transfer(as['branch-b'], fromB[8].id, a.firmAOrgId);
    await send(as['branch-b'], t8, { type: 'APPROVE_RELEASE' }); // letter_pending → city
    const t9 = await transfer(as['branch-b'], fromB[9].id, a.firmAOrgId);
    await send(as['branch-b'], t9, { type: 'REJECT_RELEASE', data: { reason: '该党员尚有党费未交清' } }); // exception_review → city
    await transfer(as['joint-1'], fromJoint[4].id, a.firmBOrgId); // release_review → joint-1
    // a newly licensed firm in 章贡区 with four party members (they moved from firm A; their relationship is
    // still with firm A's branch): the county has surveyed it, the application is next
    const [{ id: newFirmId }] = await this.ds.query(
      `INSERT INTO firms (name, kind, county, region_code, director_name, established_on, coverage, uncovered_since)
       VALUES ('江西章江律师事务所', 'firm', '章贡区', '360702', '赖建华', $1, 'none', $2) RETURNING id`,
      [day(-30), this.clock.now()],
    );
    const bf = await open(as.city, 'branch-formation', { firmId: newFirmId }, { trigger: 'manual' });
    const movers = fromA.slice(0, 4);
    await send(as['county-zg'], bf, {
      type: 'SUBMIT_SURVEY',
      data: { fullMembers: 4, probationaryMembers: 0, directorIsMember: false, memberIds: movers.map((m) => m.id) },
    }); // application → county-zg (for the firm, which has no branch clerk yet) and city
    const t10 = await transfer(as['branch-a'], fromA[12].id, a.jointBranch1Id);
    await send(as['branch-a'], t10, { type: 'APPROVE_RELEASE' });
    await send(as.city, t10, letter(103)); // acceptance_review → joint-1
    return opened;
  }

  private async principals(usernames: string[]): Promise<Record<string, Principal>> {
    const rows: { id: string; username: string; display_name: string; roles: RoleAssignment[] }[] = await this.ds.query(
      `SELECT u.id, u.username, u.display_name,
              coalesce(json_agg(json_build_object('role', r.role, 'orgId', r.org_id)) FILTER (WHERE r.role IS NOT NULL), '[]') AS roles
         FROM users u LEFT JOIN role_assignments r ON r.user_id = u.id
        WHERE u.username = ANY($1) GROUP BY u.id`,
      [usernames],
    );
    return Object.fromEntries(
      rows.map((r) => [
        r.username,
        { userId: r.id, username: r.username, displayName: r.display_name, roles: r.roles },
      ]),
    );
  }
}
