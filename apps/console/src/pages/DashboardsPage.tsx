import { useQueries, useQuery } from '@tanstack/react-query';
import { Alert, Col, Row, Select, Statistic, Table, Typography, Card } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Schemas } from '../../../../libs/api-client';
import { useWorkflows } from '../api/hooks';
import { api, call, client } from '../api/http';
import { QueryState } from '../components/QueryState';
import { ChartCard } from '../supervision/ChartCard';
import { GRADE_LABELS } from '../fieldLabels';
import { beijing } from '../time';

interface Counts {
  firms: number;
  branch: number;
  jointBranch: number;
  instructor: number;
  none: number;
  coveragePct: number;
  orgCoveragePct: number;
}
interface Coverage {
  generatedAt: string;
  totals: Counts;
  cities: (Counts & { name: string; counties: ({ county: string; regionCode: string } & Counts)[] })[];
  uncovered: {
    firmId: string;
    name: string;
    county: string;
    uncoveredSince: string | null;
    daysUncovered: number | null;
  }[];
}
interface Overdue {
  asOf: string;
  total: number;
  items: {
    orgId: string | null;
    orgName: string;
    county: string | null;
    workflow: string;
    workflowTitle: string;
    cases: number;
    oldestDueAt: string;
    daysOverdue: number;
  }[];
}
interface Pipeline {
  open: number;
  stages: { key: string; title: string; cases: number; steps: { state: string; title: string; cases: number }[] }[];
  closed: { state: string; title: string; cases: number }[];
}

interface Grade {
  orgId: string;
  name: string;
  year: number;
  grade: 'I' | 'II' | 'III';
  score: number;
}
interface OrgLifeReport {
  year: number;
  quarter: number;
  asOf: string;
  branches: {
    orgId: string;
    name: string;
    compliant: boolean;
    recordedInQuarter: boolean;
    membersWithoutParticipation: { memberId: string }[];
  }[];
}

const GRADE_COLORS: Record<Grade['grade'], string> = { I: '#389e0d', II: '#1677ff', III: '#cf1322' };

const stamp = () => beijing().format('YYYY-MM-DD');
const bar = (
  categories: string[],
  series: { name: string; data: number[]; color?: string }[],
  stacked = false,
  legend = series.length > 1,
) => ({
  tooltip: { trigger: 'axis' },
  legend: legend ? { top: 0 } : undefined,
  grid: { left: 8, right: 16, bottom: 8, top: legend ? 36 : 16, containLabel: true },
  xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, rotate: categories.length > 6 ? 30 : 0 } },
  yAxis: { type: 'value', minInterval: 1 },
  series: series.map(({ color, ...s }) => ({
    ...s,
    type: 'bar',
    stack: stacked ? 'total' : undefined,
    barMaxWidth: 36,
    itemStyle: color ? { color } : undefined,
  })),
});

/** 统计: coverage by county (with the firms still uncovered), overdue cases, the recruitment pipeline. */
export default function DashboardsPage() {
  const coverage = useQuery({ queryKey: ['report-coverage'], queryFn: () => api.get<Coverage>('/reports/coverage') });
  const overdue = useQuery({ queryKey: ['report-overdue'], queryFn: () => api.get<Overdue>('/reports/overdue') });
  const pipeline = useQuery({
    queryKey: ['report-pipeline'],
    queryFn: () => api.get<Pipeline>('/reports/recruitment-pipeline'),
  });
  const counties = (coverage.data?.cities ?? []).flatMap((c) => c.counties);

  return (
    <div>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        统计
      </Typography.Title>
      <QueryState query={coverage}>
        {coverage.data && (
          <>
            <Row gutter={16} style={{ marginBottom: 16 }}>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic title="律师事务所" value={coverage.data.totals.firms} suffix="家" />
                </Card>
              </Col>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic title="党的工作覆盖率" value={coverage.data.totals.coveragePct} suffix="%" />
                </Card>
              </Col>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic
                    title="尚未覆盖"
                    value={coverage.data.totals.none}
                    suffix="家"
                    data-testid="uncovered-total"
                  />
                </Card>
              </Col>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic title="逾期案件" value={overdue.data?.total ?? '—'} suffix="件" />
                </Card>
              </Col>
            </Row>
            <ChartCard
              testId="chart-coverage"
              title="党组织覆盖情况（按县区）"
              fileName={`党组织覆盖情况_${stamp()}.xlsx`}
              option={bar(
                counties.map((c) => c.county),
                [
                  { name: '单独建立党支部', data: counties.map((c) => c.branch), color: '#a8071a' },
                  { name: '联合党支部', data: counties.map((c) => c.jointBranch), color: '#ff7a45' },
                  { name: '派驻党建指导员', data: counties.map((c) => c.instructor), color: '#ffc069' },
                  { name: '尚未覆盖', data: counties.map((c) => c.none), color: '#8c8c8c' },
                ],
                true,
              )}
              columns={[
                { title: '县（区）', key: 'county' },
                { title: '律师事务所', key: 'firms' },
                { title: '单独建立党支部', key: 'branch' },
                { title: '联合党支部', key: 'jointBranch' },
                { title: '派驻党建指导员', key: 'instructor' },
                { title: '尚未覆盖', key: 'none' },
                { title: '覆盖率（%）', key: 'coveragePct' },
              ]}
              rows={counties}
            />
            <Card
              title={<h2 style={{ fontSize: 16, margin: 0 }}>尚未建立党组织的律师事务所</h2>}
              style={{ marginBottom: 16 }}
              data-testid="uncovered-firms"
            >
              <Table
                size="small"
                rowKey="firmId"
                dataSource={coverage.data.uncovered}
                pagination={coverage.data.uncovered.length > 10 ? { pageSize: 10 } : false}
                columns={[
                  { title: '律师事务所', dataIndex: 'name' },
                  {
                    title: '县（区）',
                    dataIndex: 'county',
                    filters: [...new Set(coverage.data.uncovered.map((f) => f.county))].map((c) => ({
                      text: c,
                      value: c,
                    })),
                    onFilter: (v, f) => f.county === v,
                  },
                  {
                    title: '未覆盖起始',
                    dataIndex: 'uncoveredSince',
                    render: (v: string | null) => (v ? v.slice(0, 10) : '—'),
                  },
                  {
                    title: '已持续',
                    dataIndex: 'daysUncovered',
                    render: (v: number | null) => (v === null ? '—' : `${v} 天`),
                    sorter: (a, b) => (a.daysUncovered ?? 0) - (b.daysUncovered ?? 0),
                    defaultSortOrder: 'descend',
                  },
                ]}
              />
            </Card>
          </>
        )}
      </QueryState>
      <QueryState query={overdue}>
        {overdue.data && (
          <ChartCard
            testId="chart-overdue"
            title="逾期案件（按组织和流程）"
            fileName={`逾期案件_${stamp()}.xlsx`}
            extra={<Link to="/cases?overdue=1">查看逾期案件</Link>}
            option={(() => {
              const orgNames = [...new Set(overdue.data.items.map((i) => i.orgName))];
              const wfs = [...new Set(overdue.data.items.map((i) => i.workflowTitle))];
              return bar(
                orgNames,
                wfs.map((w) => ({
                  name: w,
                  data: orgNames.map((o) =>
                    overdue.data.items
                      .filter((i) => i.orgName === o && i.workflowTitle === w)
                      .reduce((n, i) => n + i.cases, 0),
                  ),
                })),
                true,
                true,
              );
            })()}
            columns={[
              { title: '应办理组织', key: 'orgName' },
              { title: '县（区）', key: 'county' },
              { title: '流程', key: 'workflowTitle' },
              { title: '逾期案件', key: 'cases' },
              { title: '最早逾期（天）', key: 'daysOverdue' },
            ]}
            rows={overdue.data.items}
          />
        )}
        {overdue.data && overdue.data.total === 0 && (
          <Alert type="success" showIcon title="目前没有逾期案件" style={{ marginBottom: 16 }} />
        )}
      </QueryState>
      <QueryState query={pipeline}>
        {pipeline.data && pipeline.data.open === 0 ? (
          <Alert type="info" showIcon title="辖区内暂无在办的发展党员案件" style={{ marginBottom: 16 }} />
        ) : null}
        {pipeline.data && pipeline.data.open > 0 && (
          <ChartCard
            testId="chart-pipeline"
            title="发展党员（按阶段）"
            fileName={`发展党员进度_${stamp()}.xlsx`}
            option={bar(
              pipeline.data.stages.map((s) => s.title),
              [{ name: '在办人数', data: pipeline.data.stages.map((s) => s.cases) }],
            )}
            columns={[
              { title: '阶段', key: 'stage' },
              { title: '环节', key: 'title' },
              { title: '在办人数', key: 'cases' },
            ]}
            rows={pipeline.data.stages.flatMap((s) =>
              s.steps.map((x) => ({ stage: s.title, title: x.title, cases: x.cases })),
            )}
          />
        )}
      </QueryState>
      <GradesByYear />
      <CommendationsAndUpgrades />
      <OrgLifeByQuarter />
      <InactiveMembers />
    </div>
  );
}

/** 年度考核定级 by year: how many organizations were graded 先进, 一般 and 后进 each year (GET /reports/grades). */
function GradesByYear() {
  const grades = useQuery({ queryKey: ['report-grades'], queryFn: () => api.get<Grade[]>('/reports/grades') });
  const years = [...new Set((grades.data ?? []).map((g) => g.year))].sort((a, b) => a - b);
  const count = (year: number, grade: Grade['grade']) =>
    (grades.data ?? []).filter((g) => g.year === year && g.grade === grade).length;
  const rows = years.map((year) => ({
    year: `${year}年`,
    I: count(year, 'I'),
    II: count(year, 'II'),
    III: count(year, 'III'),
    total: count(year, 'I') + count(year, 'II') + count(year, 'III'),
  }));
  return (
    <QueryState query={grades}>
      {grades.data && rows.length === 0 ? (
        <Alert type="info" showIcon title="尚无党组织完成年度考核定级" style={{ marginBottom: 16 }} />
      ) : null}
      {rows.length > 0 && (
        <ChartCard
          testId="chart-grades"
          title="年度考核定级（按年度）"
          fileName={`年度考核定级_${stamp()}.xlsx`}
          extra={<Link to="/campaigns">年度考核</Link>}
          option={bar(
            rows.map((r) => r.year),
            (['I', 'II', 'III'] as const).map((g) => ({
              name: GRADE_LABELS[g],
              data: rows.map((r) => r[g]),
              color: GRADE_COLORS[g],
            })),
            true,
            true,
          )}
          columns={[
            { title: '年度', key: 'year' },
            { title: GRADE_LABELS.I, key: 'I' },
            { title: GRADE_LABELS.II, key: 'II' },
            { title: GRADE_LABELS.III, key: 'III' },
            { title: '定级组织合计', key: 'total' },
          ]}
          rows={rows}
        />
      )}
    </QueryState>
  );
}

const OUTCOME_TITLES: Record<string, { text: string; color: string }> = {
  upgraded: { text: '晋位', color: '#389e0d' },
  unchanged: { text: '持平', color: '#595959' },
  downgraded: { text: '降位', color: '#cf1322' },
  pending: { text: '尚未定级', color: '#595959' },
};

/**
 * The results of one year's review: the “七一” commendation list (members rated 优秀, organizations graded 先进)
 * and the organizations graded 一般 or 后进 with their 晋位升级 case and the next year's grade (GET
 * /reports/commendations, /reports/grade-upgrades). The year shown first is the latest one graded.
 */
function CommendationsAndUpgrades() {
  const grades = useQuery({ queryKey: ['report-grades'], queryFn: () => api.get<Grade[]>('/reports/grades') });
  const thisYear = beijing().year();
  const latest = Math.max(0, ...(grades.data ?? []).map((g) => g.year)) || thisYear - 1;
  const [picked, setPicked] = useState<number | null>(null);
  const year = picked ?? latest;
  const workflows = useWorkflows();
  const upgradeStates = new Map(
    (workflows.data ?? []).find((w) => w.key === 'grade-upgrade')?.states.map((s) => [s.name, s.title]) ?? [],
  );
  const commendations = useQuery({
    queryKey: ['report-commendations', year],
    queryFn: () =>
      call<Schemas['CommendationsDto']>(client.GET('/api/v1/reports/commendations', { params: { query: { year } } })),
  });
  const upgrades = useQuery({
    queryKey: ['report-grade-upgrades', year],
    queryFn: () =>
      call<Schemas['GradeUpgradesDto']>(client.GET('/api/v1/reports/grade-upgrades', { params: { query: { year } } })),
  });
  return (
    <Card
      size="small"
      style={{ marginTop: 16 }}
      data-testid="results-of-year"
      title={<h2 style={{ fontSize: 16, margin: 0 }}>考核结果运用：表彰与晋位升级</h2>}
      extra={
        <Select
          aria-label="考核年度"
          value={year}
          onChange={setPicked}
          style={{ width: 110 }}
          options={[...new Set([thisYear, thisYear - 1, thisYear - 2, latest])]
            .sort((a, b) => b - a)
            .map((y) => ({ value: y, label: `${y}年度` }))}
        />
      }
    >
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <h3 style={{ fontSize: 14 }}>“七一”表彰：先进党组织</h3>
          <QueryState query={commendations}>
            <Table
              rowKey="orgId"
              size="small"
              pagination={false}
              data-testid="commended-orgs"
              locale={{ emptyText: '该年度没有定级为先进的党组织' }}
              dataSource={commendations.data?.organizations ?? []}
              columns={[
                { title: '党组织', dataIndex: 'name', key: 'name' },
                { title: '考核得分', dataIndex: 'score', key: 'score', width: 90 },
                {
                  title: '考核案件',
                  key: 'case',
                  width: 90,
                  render: (_, o) => <Link to={`/cases/${o.caseId}`}>查看</Link>,
                },
              ]}
            />
          </QueryState>
          <h3 style={{ fontSize: 14, marginTop: 16 }}>“七一”表彰：优秀党员</h3>
          <QueryState query={commendations}>
            <Table
              rowKey="memberId"
              size="small"
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              data-testid="commended-members"
              locale={{ emptyText: '该年度没有评议为优秀的党员' }}
              dataSource={commendations.data?.members ?? []}
              columns={[
                {
                  title: '党员',
                  key: 'name',
                  render: (_, m) => <Link to={`/members/${m.memberId}`}>{m.name}</Link>,
                },
                { title: '所在党组织', dataIndex: 'orgName', key: 'org' },
              ]}
            />
          </QueryState>
        </Col>
        <Col xs={24} lg={12}>
          <h3 style={{ fontSize: 14 }}>晋位升级跟踪（定级为一般、后进的党组织）</h3>
          <QueryState query={upgrades}>
            <Table
              rowKey="orgId"
              size="small"
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              data-testid="grade-upgrades"
              locale={{ emptyText: '该年度没有定级为一般或后进的党组织' }}
              dataSource={upgrades.data?.items ?? []}
              columns={[
                { title: '党组织', dataIndex: 'name', key: 'name' },
                {
                  title: '定级',
                  key: 'grade',
                  render: (_, u) => `${GRADE_LABELS[u.grade] ?? u.grade}（${u.score} 分）`,
                },
                {
                  title: '晋位升级案件',
                  key: 'case',
                  render: (_, u) =>
                    u.case ? (
                      <Link to={`/cases/${u.case.id}`}>{upgradeStates.get(u.case.state) ?? u.case.state}</Link>
                    ) : (
                      '—'
                    ),
                },
                {
                  title: `${year + 1}年度`,
                  key: 'next',
                  render: (_, u) => {
                    const o = OUTCOME_TITLES[u.outcome] ?? { text: u.outcome, color: '#595959' };
                    return (
                      <span style={{ color: o.color }}>
                        {u.nextGrade ? `${GRADE_LABELS[u.nextGrade] ?? u.nextGrade}，` : ''}
                        {o.text}
                      </span>
                    );
                  },
                },
              ]}
            />
          </QueryState>
        </Col>
      </Row>
    </Card>
  );
}

/**
 * 组织生活落实情况 by quarter of a year: branches that met every meeting requirement, those behind, and those
 * with nothing entered for the quarter (perhaps not keeping their records here yet: not the same as behind),
 * and (in the table: members are not branches, one axis would dwarf the bars) the members with no
 * organizational life or dues recorded in the quarter. Quarters not yet begun are left out; the current one
 * counts as of today.
 */
function OrgLifeByQuarter() {
  const thisYear = beijing().year();
  const [year, setYear] = useState(thisYear);
  const lastQuarter = year < thisYear ? 4 : Math.floor(beijing().month() / 3) + 1;
  const quarters = Array.from({ length: lastQuarter }, (_, i) => i + 1);
  const reports = useQueries({
    queries: quarters.map((quarter) => ({
      queryKey: ['report-org-life', year, quarter],
      queryFn: () => api.get<OrgLifeReport>('/reports/org-life', { year, quarter }),
    })),
  });
  const pending = reports.some((r) => r.isPending);
  const failed = reports.find((r) => r.isError);
  const rows = reports
    .map((r) => r.data)
    .filter((d): d is OrgLifeReport => !!d)
    .map((d) => {
      const compliant = d.branches.filter((b) => b.compliant).length;
      // a branch with nothing entered for the quarter may not keep its records here yet: counted apart
      const unrecorded = d.branches.filter((b) => !b.compliant && !b.recordedInQuarter).length;
      return {
        quarter: `${d.year}年第${d.quarter}季度`,
        branches: d.branches.length,
        compliant,
        behind: d.branches.length - compliant - unrecorded,
        unrecorded,
        idleMembers: d.branches.reduce((n, b) => n + b.membersWithoutParticipation.length, 0),
        asOf: d.asOf,
      };
    });
  const yearPicker = (
    <Select
      aria-label="组织生活统计年度"
      value={year}
      onChange={setYear}
      style={{ width: 110 }}
      options={[thisYear - 2, thisYear - 1, thisYear].map((y) => ({ value: y, label: `${y}年` }))}
    />
  );
  return (
    <QueryState
      query={{ isPending: pending, isError: !!failed, error: failed?.error, refetch: () => failed?.refetch() }}
    >
      <ChartCard
        testId="chart-org-life"
        title="组织生活落实情况（按季度）"
        fileName={`组织生活落实情况_${year}_${stamp()}.xlsx`}
        extra={yearPicker}
        option={bar(
          rows.map((r) => r.quarter),
          [
            { name: '达到要求的支部', data: rows.map((r) => r.compliant), color: '#389e0d' },
            { name: '未达到要求的支部', data: rows.map((r) => r.behind), color: '#cf1322' },
            { name: '本季度无记录的支部', data: rows.map((r) => r.unrecorded), color: '#8c8c8c' },
          ],
          true,
          true,
        )}
        columns={[
          { title: '季度', key: 'quarter' },
          { title: '支部数', key: 'branches' },
          { title: '达到要求', key: 'compliant' },
          { title: '未达到要求', key: 'behind' },
          { title: '本季度无记录', key: 'unrecorded' },
          { title: '无组织生活记录的党员', key: 'idleMembers' },
          { title: '统计截至', key: 'asOf' },
        ]}
        rows={rows}
      />
    </QueryState>
  );
}

interface InactiveReport {
  asOf: string;
  flags: {
    id: string;
    memberId: string;
    memberName: string;
    orgId: string;
    orgName: string;
    ground: 'org_life' | 'dues';
    windowStart: string;
    windowEnd: string;
    review: { status: 'pending' | 'referred' | 'dismissed' };
  }[];
}

/**
 * 不活跃党员提示 (党章第九条): the members flagged for six months without organizational life or without dues,
 * by branch and ground, with how many still wait for the branch's review (GET /reports/inactive-members).
 */
function InactiveMembers() {
  const report = useQuery({
    queryKey: ['report-inactive-members'],
    queryFn: () => api.get<InactiveReport>('/reports/inactive-members'),
  });
  const flags = report.data?.flags ?? [];
  const orgs = [...new Set(flags.map((f) => f.orgName))];
  const rows = orgs.map((orgName) => {
    const mine = flags.filter((f) => f.orgName === orgName);
    return {
      orgName,
      orgLife: mine.filter((f) => f.ground === 'org_life').length,
      dues: mine.filter((f) => f.ground === 'dues').length,
      pending: mine.filter((f) => f.review.status === 'pending').length,
      members: new Set(mine.map((f) => f.memberId)).size,
    };
  });
  return (
    <QueryState query={report}>
      {report.data && flags.length === 0 ? (
        <Alert type="success" showIcon title="目前没有被提示的不活跃党员" style={{ marginBottom: 16 }} />
      ) : null}
      {rows.length > 0 && (
        <ChartCard
          testId="chart-inactive"
          title="不活跃党员提示（按支部）"
          fileName={`不活跃党员提示_${stamp()}.xlsx`}
          option={bar(
            rows.map((r) => r.orgName),
            [
              { name: '连续6个月不参加组织生活', data: rows.map((r) => r.orgLife), color: '#d48806' },
              { name: '连续6个月不交纳党费', data: rows.map((r) => r.dues), color: '#cf1322' },
            ],
            true,
            true,
          )}
          columns={[
            { title: '党支部', key: 'orgName' },
            { title: '不参加组织生活', key: 'orgLife' },
            { title: '不交纳党费', key: 'dues' },
            { title: '涉及党员', key: 'members' },
            { title: '待支部核查', key: 'pending' },
          ]}
          rows={rows}
        />
      )}
    </QueryState>
  );
}
