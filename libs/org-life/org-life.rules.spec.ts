import ExcelJS from 'exceljs';
import { parseRows, readTable } from './org-life-import';
import {
  addMonths,
  DEFAULT_ORG_LIFE_SETTINGS,
  duesAmountProblem,
  duesMembershipDay,
  duesMonthProblem,
  describeFinding,
  findInactivity,
  findInactivityGrounds,
  laterMonth,
  meetingDayProblem,
  membershipProblem,
  parseMeetingKind,
  parseOrgLifeSettings,
  quarterCompliance,
  quarterReminderDue,
  quarterReminderText,
} from './org-life.rules';

describe('org-life rules', () => {
  describe('who may appear in a record', () => {
    const then = { id: 'm1', name: '张三', orgId: 'b1', status: 'full' };
    it('a party member of that branch on the day', () => {
      expect(membershipProblem('m1', then, 'b1', '2026-03-01')).toBeNull();
      expect(membershipProblem('m1', { ...then, status: 'probationary' }, 'b1', '2026-03-01')).toBeNull();
    });
    it('not a member of another branch, not an applicant, not unknown', () => {
      expect(membershipProblem('m1', then, 'b2', '2026-03-01')).toBe('张三 在 2026-03-01 不属于本组织');
      expect(membershipProblem('m1', { ...then, status: 'activist' }, 'b1', '2026-03-01')).toMatch(/不是党员/);
      expect(membershipProblem('m9', undefined, 'b1', '2026-03-01')).toMatch(/不存在/);
    });
  });

  it('meeting days: real, not in the future', () => {
    expect(meetingDayProblem('2026-03-01', '2026-03-01')).toBeNull();
    expect(meetingDayProblem('2026-03-02', '2026-03-01')).toMatch(/晚于今天/);
    expect(meetingDayProblem('2026-02-30', '2026-03-01')).toMatch(/不是有效日期/);
    expect(meetingDayProblem('1999-12-31', '2026-03-01')).toMatch(/早于 2000/);
  });

  it('dues months: real, paid ahead at most eleven months, membership checked at month end or today', () => {
    expect(duesMonthProblem('2026-03', '2026-03')).toBeNull();
    expect(duesMonthProblem('2027-02', '2026-03')).toBeNull();
    expect(duesMonthProblem('2027-03', '2026-03')).toMatch(/超出可预交范围/);
    expect(duesMonthProblem('2026-13', '2026-03')).toMatch(/不是有效月份/);
    expect(duesMembershipDay('2026-01', '2026-03-10')).toBe('2026-01-31');
    expect(duesMembershipDay('2026-03', '2026-03-10')).toBe('2026-03-10');
    expect(duesAmountProblem(50)).toBeNull();
    expect(duesAmountProblem(0)).toMatch(/大于 0/);
    expect(duesAmountProblem(1.234)).toMatch(/两位小数/);
  });

  it('meeting kinds by Chinese name or key', () => {
    expect(parseMeetingKind('支委会')).toBe('committee');
    expect(parseMeetingKind('支部党员大会')).toBe('member_meeting');
    expect(parseMeetingKind('theme_day')).toBe('theme_day');
    expect(parseMeetingKind('茶话会')).toBeNull();
  });

  describe('quarter compliance', () => {
    const base = {
      year: 2026,
      quarter: 1,
      settings: DEFAULT_ORG_LIFE_SETTINGS,
      hasCommittee: true,
      hasGroups: false,
    };
    const monthly = (kind: any, months: string[]) => months.map((m) => ({ kind, heldOn: `${m}-10` }));
    it('a complete quarter: member meeting and lecture once, committee and theme day every month', () => {
      const c = quarterCompliance({
        ...base,
        today: '2026-04-02',
        meetings: [
          { kind: 'member_meeting', heldOn: '2026-02-01' },
          { kind: 'lecture', heldOn: '2026-03-01' },
          ...monthly('committee', ['2026-01', '2026-02', '2026-03']),
          ...monthly('theme_day', ['2026-01', '2026-02', '2026-03']),
        ],
      });
      expect(c.every((k) => k.met)).toBe(true);
      expect(c.find((k) => k.kind === 'committee')).toMatchObject({ required: 3, held: 3, applies: true });
      // no party groups: the monthly group meeting does not apply
      expect(c.find((k) => k.kind === 'group')).toMatchObject({ applies: false, required: 0, met: true });
    });
    it('three committee meetings in one month do not make up for two empty months', () => {
      const c = quarterCompliance({
        ...base,
        today: '2026-04-02',
        meetings: [1, 2, 3].map((d) => ({ kind: 'committee' as const, heldOn: `2026-01-0${d}` })),
      });
      const committee = c.find((k) => k.kind === 'committee')!;
      expect(committee).toMatchObject({ held: 3, required: 3, met: false, missing: ['2026-02', '2026-03'] });
      expect(c.find((k) => k.kind === 'member_meeting')!.missing).toEqual(['2026Q1']);
    });
    it('mid-quarter: months not begun are not missing; a branch under 7 full members has no committee', () => {
      const c = quarterCompliance({
        ...base,
        hasCommittee: false,
        today: '2026-02-15',
        meetings: monthly('theme_day', ['2026-01']),
      });
      expect(c.find((k) => k.kind === 'theme_day')!.missing).toEqual(['2026-02']);
      expect(c.find((k) => k.kind === 'committee')).toMatchObject({ applies: false, met: true });
    });
  });

  describe('quarter-end reminder', () => {
    it('is due from the set number of days before the quarter’s last day up to that day', () => {
      expect(quarterReminderDue('2026-09-14', 15)).toBeNull();
      expect(quarterReminderDue('2026-09-15', 15)).toEqual({ year: 2026, quarter: 3, quarterEnd: '2026-09-30' });
      expect(quarterReminderDue('2026-09-30', 15)).toEqual({ year: 2026, quarter: 3, quarterEnd: '2026-09-30' });
      expect(quarterReminderDue('2026-10-01', 15)).toBeNull();
      expect(quarterReminderDue('2026-12-17', 15)).toMatchObject({ quarter: 4, quarterEnd: '2026-12-31' });
      expect(quarterReminderDue('2026-03-31', 0)).toMatchObject({ quarter: 1 });
    });
    it('says what is behind', () => {
      const t = quarterReminderText(2026, 3, '2026-09-30', '一支部', [
        {
          kind: 'member_meeting',
          title: '党员大会',
          applies: true,
          per: 'quarter',
          required: 1,
          held: 0,
          missing: ['2026Q3'],
          met: false,
        },
      ]);
      expect(t.title).toBe('【组织生活提醒】2026年第3季度组织生活尚未落实');
      expect(t.body).toContain('党员大会（应 1 次，已 0 次，缺 2026Q3）');
    });
  });

  describe('inactivity', () => {
    const settings = { inactivityMonths: 6, excusedAbsenceCounts: true };
    const facts = { attended: [] as string[], excused: [] as string[], duesPaid: [] as string[], since: '2025-01' };
    it('six whole months without meeting or dues are flagged, with the window and the last participation', () => {
      const f = findInactivity({ ...facts, attended: ['2025-12'], duesPaid: ['2025-11'] }, '2026-07-03', settings);
      expect(f).toEqual({
        windowStart: '2026-01',
        windowEnd: '2026-06',
        months: ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'],
        lastAttended: '2025-12',
        lastExcused: null,
        lastDuesPaid: '2025-11',
      });
    });
    it('five months are not enough; dues or an excused absence in the window break it; so does this month', () => {
      expect(findInactivity({ ...facts, attended: ['2026-01'] }, '2026-07-03', settings)).toBeNull();
      expect(
        findInactivity({ ...facts, attended: ['2025-12'], duesPaid: ['2026-03'] }, '2026-07-03', settings),
      ).toBeNull();
      expect(
        findInactivity({ ...facts, attended: ['2025-12'], excused: ['2026-04'] }, '2026-07-03', settings),
      ).toBeNull();
      expect(
        findInactivity({ ...facts, attended: ['2025-12'], excused: ['2026-04'] }, '2026-07-03', {
          ...settings,
          excusedAbsenceCounts: false,
        }),
      ).not.toBeNull();
      expect(findInactivity({ ...facts, attended: ['2025-12', '2026-07'] }, '2026-07-20', settings)).toBeNull();
    });
    it('the window is stable day after day and month after month, and moves on after a whole second window', () => {
      const f = { ...facts, attended: ['2025-12'] };
      expect(findInactivity(f, '2026-07-01', settings)!.windowStart).toBe('2026-01');
      expect(findInactivity(f, '2026-09-30', settings)!.windowStart).toBe('2026-01');
      expect(findInactivity(f, '2026-12-31', settings)!.windowStart).toBe('2026-01');
      expect(findInactivity(f, '2027-01-02', settings)!.windowStart).toBe('2026-07');
    });
    it('months before the member joined the branch are not counted', () => {
      expect(findInactivity({ ...facts, since: '2026-03' }, '2026-07-03', settings)).toBeNull();
      expect(findInactivity({ ...facts, since: '2026-01' }, '2026-07-03', settings)!.windowStart).toBe('2026-01');
    });
    describe('the grounds of 党章 art. 9, each on its own (或)', () => {
      const g = {
        attended: [] as string[],
        excused: [] as string[],
        duesPaid: [] as string[],
        orgLifeSince: '2025-01' as string | null,
        duesSince: '2025-01' as string | null,
      };
      it('attending but paying nothing for six months is inactive on dues alone', () => {
        const months = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
        const f = findInactivityGrounds({ ...g, attended: months, duesPaid: ['2025-12'] }, '2026-07-03', settings);
        expect(f).toEqual([
          expect.objectContaining({
            ground: 'dues',
            windowStart: '2026-01',
            lastDuesPaid: '2025-12',
            lastAttended: null,
          }),
        ]);
      });
      it('paying but never attending is inactive on organizational life alone; an excused absence counts', () => {
        const paid = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
        expect(
          findInactivityGrounds({ ...g, duesPaid: paid, attended: ['2025-12'] }, '2026-07-03', settings).map(
            (f) => f.ground,
          ),
        ).toEqual(['org_life']);
        expect(findInactivityGrounds({ ...g, duesPaid: paid, excused: ['2026-03'] }, '2026-07-03', settings)).toEqual(
          [],
        );
      });
      it('neither: both grounds, each with its own window', () => {
        const f = findInactivityGrounds({ ...g, attended: ['2025-10'], duesPaid: ['2025-12'] }, '2026-07-03', settings);
        expect(f.map((x) => [x.ground, x.windowStart])).toEqual([
          ['org_life', '2025-11'],
          ['dues', '2026-01'],
        ]);
      });
      it('a ground the branch does not record here is never judged', () => {
        expect(findInactivityGrounds({ ...g, orgLifeSince: null, duesSince: null }, '2026-07-03', settings)).toEqual(
          [],
        );
        expect(laterMonth('2026-03', '2025-01')).toBe('2026-03');
        expect(laterMonth(null, '2025-01')).toBe('2025-01');
      });
      it('the evidence in words', () => {
        const [f] = findInactivityGrounds({ ...g, attended: ['2025-12'], duesSince: null }, '2026-07-03', settings);
        expect(describeFinding(f, 6, 4)).toBe(
          '连续6个月（2026-01 至 2026-06）未参加党的组织生活，期间支部召开会议 4 次；最近一次参加组织生活为 2025-12',
        );
      });
    });
    it('the number of months is a setting', () => {
      expect(
        findInactivity({ ...facts, attended: ['2026-03'] }, '2026-07-03', { ...settings, inactivityMonths: 3 })!.months,
      ).toEqual(['2026-04', '2026-05', '2026-06']);
    });
  });

  it('settings: defaults, overrides, a kind switched off, and refusals of malformed values', () => {
    const s = parseOrgLifeSettings({
      inactivityMonths: 4,
      requirements: { lecture: null, committee: { per: 'month', count: 2 } },
    });
    expect(s).toMatchObject({ inactivityMonths: 4, excusedAbsenceCounts: true });
    expect((s as any).requirements.lecture).toBeUndefined();
    expect((s as any).requirements.committee).toEqual({ per: 'month', count: 2, appliesTo: 'all' });
    expect(parseOrgLifeSettings({ inactivityMonths: 0, requirements: { tea: {} }, extra: 1 })).toEqual({
      problems: [
        'orgLife: unknown field "extra"',
        'orgLife.inactivityMonths must be an integer 1–24',
        'orgLife.requirements.tea: unknown meeting kind',
      ],
    });
  });

  it('months arithmetic', () => {
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2026-12', 1)).toBe('2027-01');
  });
});

describe('org-life import parsing', () => {
  const header = ['类型', '日期', '会议类型', '主题', '身份证号', '姓名', '出席', '缺席原因', '金额'];
  const id = '360702198001011234';
  it('reads meeting and dues rows and refuses malformed ones with the row number and a Chinese reason', () => {
    const { rows, refused, dataRows } = parseRows([
      header,
      ['会议', '2026-03-01', '党员大会', '学习', id, '张三', '出席', '', ''],
      ['会议', '2026-03-01', '党员大会', '学习', id, '李四', '缺席', '', ''],
      [],
      ['党费', '2026-03', '', '', id, '张三', '', '', '50.5'],
      ['党费', '2026-03', '', '', id, '张三', '', '', '-1'],
      ['会议', '2026-02-30', '党课', '学习', id, '张三', '出席', '', ''],
      ['会议', '2026-03-01', '茶话会', '学习', id, '张三', '出席', '', ''],
      ['其他', '2026-03-01', '', '', id, '张三', '', '', ''],
      ['会议', '2026-03-01', '党课', '学习', '12345', '张三', '出席', '', ''],
    ]);
    expect(dataRows).toBe(8);
    expect(rows.map((r) => r.row)).toEqual([2, 5]);
    expect(refused).toEqual([
      { row: 3, reason: '缺席须填写原因' },
      { row: 6, reason: '党费金额“-1”不正确（大于 0，至多两位小数）' },
      { row: 7, reason: '会议日期“2026-02-30”不是有效日期（YYYY-MM-DD）' },
      { row: 8, reason: '会议类型“茶话会”无法识别（党员大会、支委会、党小组会、党课、主题党日）' },
      { row: 9, reason: '类型“其他”无法识别（会议 或 党费）' },
      { row: 10, reason: '身份证号“12345”格式不正确（18 位）' },
    ]);
  });

  it('a file without the required columns is refused as a whole', () => {
    expect(() => parseRows([['foo', 'bar']])).toThrow(/表头缺少列：类型、日期、身份证号、姓名/);
  });

  it('csv keeps 18-digit ID numbers as written; xlsx dates come back as days; a numeric ID cell is refused', async () => {
    const csv = Buffer.from(`\uFEFF${header.join(',')}\n会议,2026-03-01,党课,学习,${id},张三,出席,,\n`);
    const t = await readTable(csv, 'csv');
    expect(t[1][4]).toBe(id);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('记录');
    ws.addRow(header);
    ws.addRow(['会议', new Date(Date.UTC(2026, 2, 1)), '党课', '学习', id, '张三', '出席']);
    // typed into Excel as a number: already rounded to 15 significant digits
    ws.addRow(['党费', '2026-03', '', '', Number(id), '张三', '', '', 50]);
    const x = await readTable(Buffer.from(await wb.xlsx.writeBuffer()), 'xlsx');
    expect(x[1][1]).toBe('2026-03-01');
    const parsed = parseRows(x);
    expect(parsed.rows).toHaveLength(1);
    expect(parsed.refused[0]).toMatchObject({ row: 3, reason: expect.stringMatching(/文本格式/) });
  });

  it('garbage is refused as an unreadable file', async () => {
    await expect(readTable(Buffer.from('PK\u0003\u0004garbage'), 'xlsx')).rejects.toThrow('文件不是有效的 xlsx 工作簿');
  });
});
