import {
  formatChineseDate,
  formatChineseDateWithWeekday,
  renderDeadlineNotice,
  renderEmail,
  renderRobotText,
} from './templates';

describe('notification templates (Chinese, Asia/Shanghai dates)', () => {
  const base = {
    workflowTitle: '组织关系接转',
    stateTitle: '转出审核',
    deadlineTitle: '组织关系转出审核期限',
    // 23:59:59.999 on 9 March in Shanghai (the end of a due day)
    dueAt: new Date('2026-03-09T15:59:59.999Z'),
  };

  it('renders dates as the Shanghai calendar day, not the UTC one', () => {
    expect(formatChineseDate(new Date('2026-03-09T15:59:59.999Z'))).toBe('2026年3月9日');
    // 16:00Z is already midnight of the 10th in Shanghai
    expect(formatChineseDate(new Date('2026-03-09T16:00:00Z'))).toBe('2026年3月10日');
    // 20:00Z on the 8th is 04:00 on the 9th in Shanghai
    expect(formatChineseDateWithWeekday(new Date('2026-03-08T20:00:00Z'))).toBe('2026年3月9日（星期一）');
    expect(formatChineseDateWithWeekday(new Date('2026-03-15T01:00:00Z'))).toBe('2026年3月15日（星期日）');
    expect(formatChineseDate(new Date('2026-12-31T16:30:00Z'))).toBe('2027年1月1日');
  });

  it('reminder', () => {
    expect(renderDeadlineNotice({ ...base, kind: 'reminder', level: 0 })).toEqual({
      title: '【待办提醒】组织关系接转：转出审核',
      body: '您有一项“转出审核”待办，期限为 2026年3月9日（星期一）。请及时办理。',
    });
  });

  it('reminder with the subject of the case', () => {
    expect(renderDeadlineNotice({ ...base, kind: 'reminder', level: 0, subjectLabel: '党员：张三' }).body).toBe(
      '您有一项“转出审核”待办（党员：张三），期限为 2026年3月9日（星期一）。请及时办理。',
    );
  });

  it('overdue', () => {
    expect(renderDeadlineNotice({ ...base, kind: 'overdue', level: 0 })).toEqual({
      title: '【逾期】组织关系接转：转出审核',
      body: '您的“转出审核”待办已于 2026年3月9日（星期一） 到期，现已逾期。请尽快办理。',
    });
  });

  it('lapsed: a deadline the clock acts on has passed and the case moved on, which is not an overdue', () => {
    const publicity = {
      ...base,
      workflowTitle: '发展党员',
      stateTitle: '公示中',
      deadlineTitle: '发展对象公示期（不少于5个工作日）',
      subjectLabel: '党员：张三',
    };
    const moved = renderDeadlineNotice({
      ...publicity,
      kind: 'lapsed',
      level: 0,
      outcome: { stateTitle: '支部大会讨论', closed: false },
    });
    expect(moved).toEqual({
      title: '【期限届满】发展党员：公示中',
      body: '“公示中”的发展对象公示期（不少于5个工作日）（党员：张三）已于 2026年3月9日（星期一） 届满，系统已自动办理，案件现处于“支部大会讨论”。',
    });
    expect(moved.body).not.toMatch(/逾期/);
    const closed = renderDeadlineNotice({
      ...base,
      kind: 'lapsed',
      level: 0,
      stateTitle: '已除名（申诉期内）',
      deadlineTitle: '申诉期（处置决定后1个月）',
      outcome: { stateTitle: '已除名，结案', closed: true },
    });
    expect(closed.body).toBe(
      '“已除名（申诉期内）”的申诉期（处置决定后1个月）已于 2026年3月9日（星期一） 届满，系统已自动办理，案件已办结（已除名，结案）。',
    );
  });

  it('first escalation: 督办 to the upper committee', () => {
    const n = renderDeadlineNotice({ ...base, kind: 'escalation', level: 1 });
    expect(n.title).toBe('【逾期督办】组织关系接转：转出审核');
    expect(n.body).toBe('下级党组织的“转出审核”待办期限为 2026年3月9日（星期一），现已逾期，请督促办理。');
  });

  it('second escalation: 上报 to the supervisors', () => {
    const n = renderDeadlineNotice({ ...base, kind: 'escalation', level: 2 });
    expect(n.title).toBe('【逾期上报】组织关系接转：转出审核');
    expect(n.body).toMatch(/^下级党组织的“转出审核”待办期限为 2026年3月9日（星期一），逾期后经督办仍未办理，现予上报/);
  });

  it('refuses an unknown kind', () => {
    expect(() => renderDeadlineNotice({ ...base, kind: 'whatever' as any, level: 0 })).toThrow(RangeError);
  });

  it('e-mail: the title is the subject, the text carries the details and the case', () => {
    const notice = renderDeadlineNotice({ ...base, kind: 'reminder', level: 0 });
    const mail = renderEmail(notice, { ...base, caseId: 'c-1' });
    expect(mail.subject).toBe('【待办提醒】组织关系接转：转出审核');
    expect(mail.text.split('\n')[0]).toBe(notice.body);
    expect(mail.text).toContain('期限事项：组织关系转出审核期限');
    expect(mail.text).toContain('期限：2026年3月9日（星期一）');
    expect(mail.text).toContain('案件编号：c-1');
    expect(renderRobotText(notice, { caseId: 'c-1', deadlineTitle: base.deadlineTitle })).toBe(
      `${notice.title}\n${notice.body}\n期限事项：组织关系转出审核期限\n案件编号：c-1`,
    );
  });
});
