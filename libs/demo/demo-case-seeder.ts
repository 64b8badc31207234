import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SYSTEM_PRINCIPAL, type Principal, type RoleAssignment } from '../auth/principal';
import { Clock } from '../engine/clock';
import { EngineService, SendEventRequest } from '../engine/engine.service';
import { residentIdCheckChar } from '../common/resident-id';
import { RegistryService } from '../registry/registry.service';
import { OrgLifeService } from '../org-life/org-life.service';
import { BranchTermService } from '../org-life/branch-term.service';
import { CampaignsService } from '../campaigns/campaigns.service';
import { ClockAdvanceService } from '../timers/clock-advance.service';
import { toDate } from '../../workflows/kernel/dates';
import { recordDemoOrgLife } from './demo-org-life';
import { buildDemoRegion, DemoRegion } from './demo-region';

const withCheckChar = (first17: string) => first17 + residentIdCheckChar(first17);

/** How far engine time is moved between the two batches: well past the 5-working-day step deadlines. */
export const DEMO_CASE_AGE_DAYS = 21;

/**
 * Gives the demo something to do: opens cases as the demo users and drives them through the real engine
 * (history rows, hash chain, timers and escalations are all the engine's own). A first batch is opened,
 * then engine time is moved forward (delivering every timer on the way, as the `_clock` control does) so
 * that batch is overdue and escalated; a second batch is opened fresh, and the city's annual review is
 * launched over its branches. Runs only in the real demo (the launcher's `npm run demo`), never in the test
 * harness, whose suites count cases from an empty list.
 */
@Injectable()
export class DemoCaseSeeder {
  private readonly logger = new Logger('Demo');

  constructor(
    private readonly ds: DataSource,
    private readonly engine: EngineService,
    private readonly clock: Clock,
    private readonly advance: ClockAdvanceService,
    private readonly registry: RegistryService,
    private readonly orgLife: OrgLifeService,
    private readonly terms: BranchTermService,
    private readonly campaigns: CampaignsService,
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
    const as = await this.principals(['city', 'county-zg', 'branch-a', 'branch-b', 'joint-1', 'orgdept']);
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
    // a recruitment begun two and a half years ago (its records back-dated as the clerks would enter them),
    // through the training; the public notice starts now and ends while the clock moves on
    // (a new applicant, registered by firm A's clerk: the region's own applicant has the case above)
    const applicantA2 = await this.registry.createMember(as['branch-a'], {
      name: '钟晓岚',
      idNumber: withCheckChar('36070219920315242'),
      birthDate: '1992-03-15',
      gender: 'female',
      orgId: a.firmAOrgId,
      firmId: a.firmAId,
      status: 'applicant',
    });
    const longRecruitment = await recruit(as['branch-a'], applicantA2.id, 900);
    const noticeStarted = await this.recruitToNotice(longRecruitment, as, fromA.slice(4, 8), day);
    // the admission, approved by the upper committee: the organization department's filing (备案, 10 working
    // days) is next and falls overdue while the clock moves on. Under the 2026 rules the public notice runs
    // first, so the filing comes after the move and is not yet late.
    if (!noticeStarted) await this.recruitToFiling(longRecruitment, as, day, fromA.length); // none of firm A's members has left yet

    // the branches' secretaries on record (述职 is theirs, and each term is watched for 换届): firm A's was elected
    // almost three years ago, so its 换届 falls due within three months and the reminder goes out while the clock
    // moves on; firm B's and the joint branch's were elected more recently. Firm A's secretary is the member who
    // had the long recruitment's first talk with the applicant
    const years = (n: number) => Math.round(n * 365.25);
    await this.terms.set(as['branch-a'], a.firmAOrgId, {
      secretaryId: fromA[4].id,
      electedOn: day(-years(3) + 60),
    });
    await this.terms.set(as['branch-b'], a.firmBOrgId, {
      secretaryId: fromB[2].id,
      electedOn: day(-years(1)),
    });
    await this.terms.set(as['joint-1'], a.jointBranch1Id, { secretaryId: fromJoint[0].id, electedOn: day(-years(2)) });

    // firm B's branch keeps its organizational life here: one member has taken part in nothing for months, so
    // the daily detector (run while the clock moves on) flags them and gives branch-b a review task
    const partyB = region.members.filter(
      (m) => m.orgId === a.firmBOrgId && ['full', 'probationary'].includes(m.status),
    );
    await recordDemoOrgLife(
      this.orgLife,
      as['branch-b'],
      a.firmBOrgId,
      partyB,
      fromB[0],
      fromB[1],
      toDate(this.clock.now().toISOString()),
    );

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
    if (noticeStarted) await this.recruitToFiling(longRecruitment, as, day, fromA.length);

    // the city's annual review (年度考核与述职评议) launched as a campaign over every branch of the city, as its
    // committee does at the year's end: each branch clerk's first step (个人自评) is due early next year. The
    // year is the one the console's launch form proposes (until June, the year before)
    const today = toDate(this.clock.now().toISOString());
    const year = Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) <= 6 ? 1 : 0);
    const campaign = await this.campaigns.launchAnnualReview(as.city, { year, orgId: a.cityId });
    // opened here rather than left to the worker's queue, so the demo starts with them in the inboxes (a worker
    // of this process may take some batches first: the campaign counts what both opened)
    await this.campaigns.runDue();
    opened += (await this.campaigns.view(as.city, campaign.id)).opened;
    return opened;
  }

  /**
   * Talk, activist, sponsors, assessment, candidate, introducers, political review and training of a
   * recruitment opened `appliedOn` 900 days ago, dated as they happened; then the public notice starts (with
   * the 2026 rules; without them the case goes on at the committee review). Whether the notice started.
   */
  private async recruitToNotice(
    id: string,
    as: Record<string, Principal>,
    fullMembers: { id: string }[],
    day: (offsetDays: number) => string,
  ): Promise<boolean> {
    const branch = as['branch-a'];
    const upper = await this.clerkOfParty(id, 'branchUpper', as);
    const send = (p: Principal, type: string, data?: Record<string, unknown>) =>
      this.engine.sendEvent(p, id, { type, data });
    const [s1, s2, i1, i2] = fullMembers.map((m) => m.id);
    await send(branch, 'RECORD_TALK', { talkedOn: day(-880), talkerIds: [s1], by: '支部书记' });
    await send(branch, 'CONFIRM_ACTIVIST', { confirmedOn: day(-800), method: 'member_recommendation' });
    await send(upper, 'FILE_ACTIVIST');
    await send(branch, 'ASSIGN_SPONSORS', { memberIds: [s1, s2] });
    await send(branch, 'RECORD_ASSESSMENT', { on: day(-600), summary: '培养考察期间表现良好' });
    await send(branch, 'CONFIRM_CANDIDATE', { confirmedOn: day(-400) });
    await send(upper, 'FILE_CANDIDATE');
    await send(branch, 'ASSIGN_INTRODUCERS', { memberIds: [i1, i2] });
    await send(branch, 'RECORD_POLITICAL_REVIEW', { conclusion: 'qualified', on: day(-300) });
    await send(upper, 'RECORD_TRAINING', { from: day(-290), to: day(-288), days: 3, hours: 24 });
    const record = await this.engine.findCase(SYSTEM_PRINCIPAL, id);
    if (!this.engine.availableEvents(branch, record).some((e) => e.type === 'START_PUBLIC_NOTICE')) return false;
    await send(branch, 'START_PUBLIC_NOTICE');
    return true;
  }

  /** Committee review, pre-review, volunteer form, branch meeting, the upper committee's talk and its approval. */
  private async recruitToFiling(
    id: string,
    as: Record<string, Principal>,
    day: (offsetDays: number) => string,
    eligibleVoters: number,
  ) {
    const branch = as['branch-a'];
    const upper = await this.clerkOfParty(id, 'branchUpper', as);
    const send = (p: Principal, type: string, data?: Record<string, unknown>) =>
      this.engine.sendEvent(p, id, { type, data });
    await send(branch, 'PASS_COMMITTEE_REVIEW');
    await send(upper, 'PASS_PRE_REVIEW');
    await send(branch, 'SUBMIT_VOLUNTEER_FORM');
    await send(branch, 'RECORD_BRANCH_MEETING', {
      heldOn: day(0),
      eligibleVoters,
      present: eligibleVoters - 1,
      votesFor: eligibleVoters - 1,
    });
    // the upper committee sends one of its own full members (city committee staff in the demo registry)
    const [talker] = await this.ds.query(
      `SELECT id FROM members WHERE org_id = $1 AND status = 'full' ORDER BY id LIMIT 1`,
      [(await this.engine.findCase(SYSTEM_PRINCIPAL, id)).parties.branchUpper],
    );
    await send(upper, 'RECORD_UPPER_TALK', { on: day(0), talkerIds: [talker.id], by: '市律师行业党委组织委员' });
    await send(upper, 'APPROVE_ADMISSION'); // admission_filing → orgdept
  }

  /** The demo user who is a clerk of the organization a case's party names (the branch's upper committee …). */
  private async clerkOfParty(caseId: string, party: string, as: Record<string, Principal>): Promise<Principal> {
    const orgId = (await this.engine.findCase(SYSTEM_PRINCIPAL, caseId)).parties[party];
    const clerk = Object.values(as).find((p) => p.roles.some((r) => r.role === 'clerk' && r.orgId === orgId));
    if (!clerk) throw new Error(`demo: no demo user is a clerk of the case's ${party} (${orgId})`);
    return clerk;
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
