import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../engine/clock';
import { NotificationsService } from '../notifications/notifications.service';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { InactivityFlagsRepository } from './inactivity-flags.repository';
import { behindOn, quarterReminderDue, quarterReminderText, RECORDING_ORG_TYPES } from './org-life.rules';
import { OrgLifeService } from './org-life.service';

/**
 * Quarter-end reminders (支部工作条例 2018): part of a committee's daily run. From
 * `orgLife.reminderDaysBeforeQuarterEnd` days before a quarter's last day, every branch under the committee
 * that keeps its records here and is behind on the quarter's meetings is reminded, once per quarter, through
 * the existing notifications (in-app to the branch's clerks, and their e-mail / webhook subscriptions).
 */
@Injectable()
export class QuarterRemindersService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: InactivityFlagsRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly orgLife: OrgLifeService,
    private readonly notifications: NotificationsService,
    private readonly clock: Clock,
  ) {}

  /** Returns how many branches were reminded now (0 on a repeated run: the dedupe key holds). */
  async remind(committeeId: string, day: string): Promise<number> {
    const path = (await this.orgs.findById(committeeId))?.path;
    if (!path) return 0;
    const now = this.clock.now();
    // branches keeping records here whose region's reminder span has begun (each region sets its own lead)
    const candidates = (await this.repo.branchesUnder(`${path}%`, RECORDING_ORG_TYPES)).filter(
      (b) =>
        (b.firstMeetingMonth || b.firstDuesMonth) &&
        quarterReminderDue(day, this.orgLife.settingsFor(b.regionCode, now).reminderDaysBeforeQuarterEnd),
    );
    const due = quarterReminderDue(day, 366);
    if (!candidates.length || !due) return 0;
    const recording = new Set(candidates.map((b) => b.id));
    const rows = (await this.orgLife.complianceOf([`${path}%`], due.year, due.quarter, now)).filter(
      (b) => recording.has(b.orgId) && !b.compliant,
    );
    if (!rows.length) return 0;
    const notices = rows.map((b) => ({
      dedupeBase: `org-life-quarter:${b.orgId}:${due.year}Q${due.quarter}`,
      kind: 'reminder' as const,
      level: 0,
      caseId: null,
      link: { orgId: b.orgId, report: 'org-life', period: `${due.year}Q${due.quarter}` },
      rendered: quarterReminderText(due.year, due.quarter, due.quarterEnd, b.name, behindOn(b.meetings)),
      workflowTitle: '组织生活',
      stateTitle: `${due.year}年第${due.quarter}季度组织生活`,
      deadlineTitle: `${due.year}年第${due.quarter}季度组织生活（季度末）`,
      dueAt: new Date(`${due.quarterEnd}T23:59:59+08:00`),
      recipients: { orgId: b.orgId, role: 'clerk' as const },
      now,
    }));
    const r = await this.ds.transaction((em) => this.notifications.notifyDeadlines(em, notices));
    return r.inApp ? rows.length : 0;
  }
}
