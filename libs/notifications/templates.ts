import { DateTime } from 'luxon';
import { ZONE } from '../calendar/calendar-data';

/**
 * Chinese message templates of the notifications. Pure: no Nest, no I/O. Dates are rendered in
 * Asia/Shanghai (UTC+8, no daylight saving) as `2026年3月9日（星期一）`.
 */

/**
 * `lapsed`: a deadline that the clock itself acts on (a 公示期 ending, a letter running out) has passed and the
 * system has moved the case on; nobody is late, so it is not an overdue notice.
 */
export type DeadlineNoticeKind = 'reminder' | 'overdue' | 'escalation' | 'lapsed';
/** `urge`: a supervisor's 催办 of an overdue case, to the organizations holding it (written by the caller). */
export type NotificationKind = DeadlineNoticeKind | 'urge' | 'info';

export interface DeadlineTemplateInput {
  kind: DeadlineNoticeKind;
  /** 0 for reminders and the deadline; 1 = first escalation (upper committee), 2 = second (supervisors). */
  level: number;
  /** e.g. `组织关系接转` */
  workflowTitle: string;
  /** e.g. `转出审核` */
  stateTitle: string;
  /** e.g. `组织关系转出审核期限` */
  deadlineTitle: string;
  dueAt: Date;
  /** e.g. `党员：张三` — who or what the case is about, shown in brackets after the task. */
  subjectLabel?: string;
  /** For `lapsed`: where the clock's event left the case (its current steps' titles) and whether it closed it. */
  outcome?: { stateTitle: string; closed: boolean };
}

export interface RenderedNotice {
  title: string;
  body: string;
}

const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];

/** `2026年3月9日`, the Shanghai calendar day of an instant. */
export function formatChineseDate(instant: Date): string {
  const d = DateTime.fromJSDate(instant, { zone: ZONE });
  if (!d.isValid) throw new RangeError(`无效日期 (invalid date): ${String(instant)}`);
  return `${d.year}年${d.month}月${d.day}日`;
}

/** `2026年3月9日（星期一）` */
export function formatChineseDateWithWeekday(instant: Date): string {
  const d = DateTime.fromJSDate(instant, { zone: ZONE });
  return `${formatChineseDate(instant)}（星期${WEEKDAYS[d.weekday - 1]}）`;
}

/** `2026年3月9日（星期一）09:00` */
export function formatChineseDateTime(instant: Date): string {
  const d = DateTime.fromJSDate(instant, { zone: ZONE });
  return `${formatChineseDateWithWeekday(instant)}${d.toFormat('HH:mm')}`;
}

/** Title and body of a reminder, an overdue notice, an escalation or a lapsed clock deadline. */
export function renderDeadlineNotice(n: DeadlineTemplateInput): RenderedNotice {
  const heading = `${n.workflowTitle}：${n.stateTitle}`;
  const task = `“${n.stateTitle}”待办${n.subjectLabel ? `（${n.subjectLabel}）` : ''}`;
  const due = formatChineseDateWithWeekday(n.dueAt);
  switch (n.kind) {
    case 'reminder':
      return { title: `【待办提醒】${heading}`, body: `您有一项${task}，期限为 ${due}。请及时办理。` };
    case 'overdue':
      return { title: `【逾期】${heading}`, body: `您的${task}已于 ${due} 到期，现已逾期。请尽快办理。` };
    case 'lapsed': {
      const subject = n.subjectLabel ? `（${n.subjectLabel}）` : '';
      // no call to act: the step the case moved to may be another party's, and its own reminders reach that party
      const where = !n.outcome
        ? '系统已自动办理。'
        : n.outcome.closed
          ? `系统已自动办理，案件已办结（${n.outcome.stateTitle}）。`
          : `系统已自动办理，案件现处于“${n.outcome.stateTitle}”。`;
      return {
        title: `【期限届满】${heading}`,
        body: `“${n.stateTitle}”的${n.deadlineTitle}${subject}已于 ${due} 届满，${where}`,
      };
    }
    case 'escalation':
      if (n.level >= 2)
        return {
          title: `【逾期上报】${heading}`,
          body: `下级党组织的${task}期限为 ${due}，逾期后经督办仍未办理，现予上报，请关注并督促办理。`,
        };
      return { title: `【逾期督办】${heading}`, body: `下级党组织的${task}期限为 ${due}，现已逾期，请督促办理。` };
    default:
      throw new RangeError(`unknown notice kind: ${String((n as { kind: unknown }).kind)}`);
  }
}

export interface MessageDetails {
  caseId: string | null;
  workflowTitle: string;
  stateTitle: string;
  deadlineTitle: string;
  dueAt: Date;
  subjectLabel?: string;
}

const FOOTER = '此消息由 PartyFlow 律师行业党建流程引擎自动发送，请勿直接回复。';

/** Subject and plain-text body of the e-mail for a notice. */
export function renderEmail(notice: RenderedNotice, d: MessageDetails): { subject: string; text: string } {
  const lines = [
    notice.body,
    '',
    `流程：${d.workflowTitle}`,
    `环节：${d.stateTitle}`,
    `期限事项：${d.deadlineTitle}`,
    `期限：${formatChineseDateWithWeekday(d.dueAt)}`,
    ...(d.subjectLabel ? [`对象：${d.subjectLabel}`] : []),
    ...(d.caseId ? [`案件编号：${d.caseId}`] : []),
    '',
    `—— ${FOOTER}`,
  ];
  return { subject: notice.title, text: lines.join('\n') };
}

/** The text of a robot message (enterprise WeChat / DingTalk `text` messages): title, body, case. */
export function renderRobotText(notice: RenderedNotice, d: Pick<MessageDetails, 'caseId' | 'deadlineTitle'>): string {
  return `${notice.title}\n${notice.body}\n期限事项：${d.deadlineTitle}${d.caseId ? `\n案件编号：${d.caseId}` : ''}`;
}
