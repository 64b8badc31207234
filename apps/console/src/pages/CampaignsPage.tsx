import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Select, Space, Table, Typography } from 'antd';
import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError, api } from '../api/http';
import { useAuth } from '../auth/auth';
import type { Org, Page } from '../api/types';
import { QueryState } from '../components/QueryState';
import { flattenOrgs } from '../supervision/orgs';
import { StatusTag, type Tone } from '../supervision/StatusTag';
import { formatTime, beijing } from '../time';

interface Campaign {
  id: string;
  kind: string;
  year: number;
  orgId: string;
  orgName: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  total: number;
  opened: number;
  skipped: number;
  failed: number;
  startedAt: string;
  finishedAt?: string;
  etaSeconds?: number;
  failures: { orgId: string; code: string; message: string }[];
  /** The review itself, over the campaign's cases: closed, overdue, and the open ones per step (null while opening). */
  review: {
    cases: number;
    closed: number;
    overdue: number;
    steps: { state: string; title: string; cases: number; overdue: number }[];
  } | null;
}

// the status is the launch's (opening a case for every organization), not the review's: "已完成" read as if the
// branches had finished their reviews while every one of them was still at its first step
const STATUS: Record<Campaign['status'], { tone: Tone; text: string }> = {
  running: { tone: 'warn', text: '开启中' },
  completed: { tone: 'ok', text: '已全部开启' },
  failed: { tone: 'bad', text: '部分开启失败' },
  cancelled: { tone: 'neutral', text: '已取消' },
};

/** "已办结 3/34" and, when some are late, "逾期 2". */
function ReviewSummary({ review }: { review: Campaign['review'] }) {
  if (!review) return <span>—</span>;
  return (
    <span data-testid="campaign-review-summary">
      已办结 {review.closed}/{review.cases}
      {review.overdue > 0 && <span style={{ color: '#cf1322', marginInlineStart: 8 }}>逾期 {review.overdue}</span>}
    </span>
  );
}

/**
 * Where the review stands: the open cases per step (with the late ones), then the closed ones; each opens the
 * case list of this campaign's cases only (another year's or another committee's reviews at the same step are
 * not this campaign's).
 */
function ReviewSteps({ campaignId, review }: { campaignId: string; review: Campaign['review'] }) {
  if (!review || review.cases === 0) return null;
  const list = `/cases?workflow=annual-review&campaignId=${campaignId}`;
  return (
    <div data-testid="campaign-review">
      <div style={{ fontWeight: 600, marginBlock: 4 }}>考核办理情况</div>
      <Space wrap size={[16, 4]}>
        {review.steps.map((s) => (
          <Link
            key={s.state}
            data-testid="campaign-review-step"
            to={`${list}&status=open&state=${encodeURIComponent(s.state)}`}
          >
            {s.title} {s.cases} 件{s.overdue > 0 && <span style={{ color: '#cf1322' }}>（逾期 {s.overdue}）</span>}
          </Link>
        ))}
        <Link data-testid="campaign-review-step" to={`${list}&status=closed`}>
          已办结 {review.closed} 件
        </Link>
      </Space>
    </div>
  );
}
const COMMITTEES = ['provincial_committee', 'city_committee', 'county_committee'];
const percent = (c: Campaign) => (c.total ? Math.floor(((c.opened + c.skipped + c.failed) / c.total) * 100) : 100);

export default function CampaignsPageWithMessages() {
  return (
    <App component={false}>
      <CampaignsPage />
    </App>
  );
}

/**
 * 年度考核活动: launch the annual review for a year over a committee's organizations and follow it. The
 * progress comes from the server (the campaign in the URL), so it survives a reload.
 */
function CampaignsPage() {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const selected = params.get('id');
  const orgs = useQuery({ queryKey: ['orgs'], queryFn: () => api.get<Org[] | Page<Org>>('/orgs'), staleTime: 600_000 });
  const committees = flattenOrgs(orgs.data).filter((o) => COMMITTEES.includes(o.type));
  const { me } = useAuth();
  const [form] = Form.useForm<{ year: number; orgId: string }>();
  // the committee the user works for is the usual choice: proposed once the organizations have loaded
  const own = committees.find((o) => me?.roles.some((r) => r.orgId === o.id));
  useEffect(() => {
    if (own && !form.getFieldValue('orgId')) form.setFieldsValue({ orgId: own.id });
  }, [own, form]);
  const list = useQuery({
    queryKey: ['campaigns'],
    queryFn: () => api.get<Campaign[]>('/campaigns'),
    refetchInterval: (q) => ((q.state.data ?? []).some((c) => c.status === 'running') ? 1000 : false),
  });
  const current = useQuery({
    queryKey: ['campaign', selected],
    queryFn: () => api.get<Campaign>(`/campaigns/${selected}`),
    enabled: !!selected,
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 1000 : false),
  });
  const launch = useMutation({
    mutationFn: (v: { year: number; orgId: string }) => api.post<Campaign>('/campaigns/annual-review', v),
    onSuccess: (c) => {
      setParams({ id: c.id }, { replace: true });
      void qc.invalidateQueries({ queryKey: ['campaigns'] });
    },
    onError: (e) => void message.error(e instanceof ApiError ? e.message : '发起失败'),
  });
  const cancel = useMutation({
    mutationFn: (id: string) => api.post<Campaign>(`/campaigns/${id}/cancel`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['campaign', selected] });
      void qc.invalidateQueries({ queryKey: ['campaigns'] });
    },
    onError: (e) => void message.error(e instanceof ApiError ? e.message : '取消失败'),
  });
  const c = current.data;
  return (
    <div>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        年度考核活动
      </Typography.Title>
      <Card size="small" title={<h2 style={{ fontSize: 15, margin: 0 }}>发起年度考核</h2>} style={{ marginBottom: 16 }}>
        <Form
          form={form}
          layout="inline"
          initialValues={{ year: beijing().year() - (beijing().month() < 6 ? 1 : 0) }}
          onFinish={(v) => launch.mutate(v)}
        >
          <Form.Item name="year" label="考核年度" rules={[{ required: true, message: '请填写年度' }]}>
            <Select
              style={{ width: 110 }}
              options={[0, 1, 2].map((d) => ({ value: beijing().year() - d, label: `${beijing().year() - d} 年` }))}
            />
          </Form.Item>
          <Form.Item name="orgId" label="上级党委" rules={[{ required: true, message: '请选择党委' }]}>
            <Select
              style={{ width: 260 }}
              placeholder="请选择上级党委"
              showSearch
              optionFilterProp="label"
              options={committees.map((o) => ({ value: o.id, label: o.name }))}
            />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" loading={launch.isPending}>
              发起
            </Button>
          </Form.Item>
        </Form>
      </Card>
      {selected && (
        <QueryState query={current} what="考核活动">
          {c && (
            <Card
              size="small"
              data-testid="campaign-progress"
              title={<h2 style={{ fontSize: 15, margin: 0 }}>{`${c.orgName} ${c.year} 年度考核`}</h2>}
              extra={
                c.status === 'running' && (
                  <Button danger loading={cancel.isPending} onClick={() => cancel.mutate(c.id)}>
                    取消
                  </Button>
                )
              }
              style={{ marginBottom: 16 }}
            >
              <Space orientation="vertical" style={{ width: '100%' }}>
                <Space wrap>
                  <StatusTag tone={STATUS[c.status].tone}>{STATUS[c.status].text}</StatusTag>
                  <span>
                    共 {c.total} 个组织：已开启 {c.opened}，跳过 {c.skipped}，失败 {c.failed}
                  </span>
                  {c.status === 'running' && c.etaSeconds !== undefined && <span>预计还需 {c.etaSeconds} 秒</span>}
                </Space>
                <ProgressBar
                  percent={percent(c)}
                  tone={c.status === 'completed' ? 'ok' : c.status === 'failed' ? 'bad' : 'warn'}
                />
                <ReviewSteps campaignId={c.id} review={c.review} />
                {c.failures.length > 0 && (
                  <Table
                    size="small"
                    rowKey="orgId"
                    pagination={false}
                    dataSource={c.failures}
                    columns={[
                      { title: '组织', dataIndex: 'orgId' },
                      { title: '原因', dataIndex: 'message' },
                      { title: '代码', dataIndex: 'code' },
                    ]}
                  />
                )}
              </Space>
            </Card>
          )}
        </QueryState>
      )}
      <QueryState query={list}>
        {(list.data ?? []).length === 0 ? (
          <Alert type="info" showIcon title="尚未发起年度考核活动" />
        ) : (
          <Table<Campaign>
            size="small"
            rowKey="id"
            dataSource={list.data ?? []}
            pagination={false}
            columns={[
              { title: '年度', dataIndex: 'year' },
              { title: '上级党委', dataIndex: 'orgName' },
              {
                title: '开启状态',
                dataIndex: 'status',
                render: (s: Campaign['status']) => <StatusTag tone={STATUS[s].tone}>{STATUS[s].text}</StatusTag>,
              },
              {
                title: '开启进度',
                key: 'p',
                render: (_: unknown, r) => `${percent(r)}%（${r.opened + r.skipped}/${r.total}）`,
              },
              { title: '考核办理', key: 'review', render: (_: unknown, r) => <ReviewSummary review={r.review} /> },
              { title: '发起时间', dataIndex: 'startedAt', render: (v: string) => formatTime(v) },
              {
                title: '操作',
                key: 'open',
                render: (_: unknown, r) => (
                  <Button size="small" onClick={() => setParams({ id: r.id }, { replace: true })}>
                    查看
                  </Button>
                ),
              },
            ]}
          />
        )}
      </QueryState>
    </div>
  );
}

const BAR: Record<string, string> = { ok: '#389e0d', warn: '#d46b08', bad: '#cf1322' };

/** A plain progress bar (role progressbar with its value), light enough for this page's chunk. */
function ProgressBar({ percent, tone }: { percent: number; tone: 'ok' | 'warn' | 'bad' }) {
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
      <div
        role="progressbar"
        aria-label="开启进度"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        style={{ flex: 1, height: 10, borderRadius: 5, background: '#f0f0f0', overflow: 'hidden' }}
      >
        <div style={{ width: `${percent}%`, height: '100%', background: BAR[tone], transition: 'width .3s' }} />
      </div>
      <span style={{ minWidth: 44, textAlign: 'right' }}>{percent}%</span>
    </div>
  );
}
