import { useQuery } from '@tanstack/react-query';
import { Alert, Col, Row, Statistic, Table, Typography, Card } from 'antd';
import { Link } from 'react-router';
import { api } from '../api/http';
import { QueryState } from '../components/QueryState';
import { ChartCard } from '../supervision/ChartCard';

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

const stamp = () => new Date().toISOString().slice(0, 10);
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
        {pipeline.data && (
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
      <Alert
        type="info"
        showIcon
        title="年度考核等次、组织生活落实情况和不活跃党员提示的统计，待相应接口上线后在此显示。"
      />
    </div>
  );
}
