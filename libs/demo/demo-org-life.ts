import type { Principal } from '../auth/principal';
import type { OrgLifeService } from '../org-life/org-life.service';
import type { MeetingKind } from '../org-life/org-life.rules';
import type { DemoMember } from './demo-region';

/** Months of records the demo branch keeps before today: more than the detector's 6-month window. */
export const DEMO_ORG_LIFE_MONTHS = 8;

/** YYYY-MM of `month` moved by `delta` months. */
function shiftMonth(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number);
  const total = y * 12 + (m - 1) + delta;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/**
 * Organizational life of one demo branch over the months before `today` (YYYY-MM-DD, Beijing), entered
 * through the same service the clerks use: each month a committee meeting (支委会, the first three members),
 * a group meeting (党小组会) and a theme day (主题党日), each quarter's middle month a member meeting (党员大会)
 * and a lecture (党课), and every member's dues — every requirement of the default 三会一课 settings, so the
 * branch's past quarters show as met on the statistics page. Two members stand out:
 * - `inactive` attends nothing and pays nothing, so the daily detector flags them and the branch clerk gets a
 *   review task (长期不参加组织生活);
 * - `away` misses the meetings of the last four months with a reason given (外地办案) but pays dues: excused,
 *   never flagged.
 */
export async function recordDemoOrgLife(
  orgLife: OrgLifeService,
  clerk: Principal,
  orgId: string,
  members: DemoMember[],
  inactive: DemoMember,
  away: DemoMember,
  today: string,
): Promise<{ meetings: number; duesMonths: number }> {
  const current = today.slice(0, 7);
  let meetings = 0;
  const attending = (month: string) => {
    const isAway = month >= shiftMonth(current, -4);
    return {
      attendees: members.filter((m) => m.id !== inactive.id && !(isAway && m.id === away.id)).map((m) => m.id),
      absences: isAway ? [{ memberId: away.id, reason: '外地办案' }] : [],
    };
  };
  for (let back = DEMO_ORG_LIFE_MONTHS; back >= 1; back--) {
    const month = shiftMonth(current, -back);
    const [y, m] = month.split('-').map(Number);
    const meeting = async (kind: MeetingKind, day: number, topic: string) => {
      const all = attending(month);
      const committee = kind === 'committee';
      await orgLife.recordMeeting(clerk, {
        orgId,
        kind,
        heldOn: `${month}-${String(day).padStart(2, '0')}`,
        topic,
        attendees: committee ? all.attendees.slice(0, 3) : all.attendees,
        absences: committee ? [] : all.absences,
      });
      meetings++;
    };
    await meeting('committee', 5, `${m}月支委会：研究本月党建工作`);
    await meeting('group', 12, `${m}月党小组会：学习《律师法》修订要点`);
    await meeting('theme_day', 20, `${m}月主题党日：重温入党誓词，开展公益法律服务`);
    if (m % 3 === 2) {
      await meeting('member_meeting', 18, `${y}年第${Math.ceil(m / 3)}季度党员大会`);
      await meeting('lecture', 25, `${y}年第${Math.ceil(m / 3)}季度党课：律师职业道德与执业纪律`);
    }
    await orgLife.recordDues(clerk, {
      orgId,
      month,
      paid: members.filter((x) => x.id !== inactive.id).map((x) => ({ memberId: x.id, amount: 50 })),
    });
  }
  return { meetings, duesMonths: DEMO_ORG_LIFE_MONTHS };
}
