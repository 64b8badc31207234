import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Input, Select, Space, Table, Tabs, Typography } from 'antd';
import { useState, type MouseEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError, api } from '../api/http';
import type { CaseView, Org, Page } from '../api/types';
import { QueryState } from '../components/QueryState';
import { SubjectLabel } from '../components/SubjectLabel';
import { StatusTag, type Tone } from '../supervision/StatusTag';
import { flattenOrgs } from '../supervision/orgs';
import { formatTime } from '../time';

const time = (iso: string | null | undefined) => (iso ? formatTime(iso) : '—');
const errorText = (e: unknown) => (e instanceof ApiError ? e.message : '操作失败');

/**
 * The queue board takes no token in its URL: a POST with the access token first sets its short-lived
 * session cookie (HttpOnly, only for /admin/queues), then the board opens in a new tab.
 */
async function openQueueBoard(e: MouseEvent<HTMLAnchorElement>) {
  e.preventDefault();
  const href = e.currentTarget.href;
  try {
    await api.post('/auth/queue-board-session');
  } catch {
    // the board then answers with its own explanation (401/403)
  }
  window.open(href, '_blank', 'noreferrer');
}

/** 系统管理 (users are on their own page, 用户管理): the holiday calendar, policies (read-only), the licensing integration, operations. */
/** antd's App gives the page's messages (toasts) their context. */
export default function AdminPageWithMessages() {
  return (
    <App component={false}>
      <AdminPage />
    </App>
  );
}

function AdminPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'calendar';
  return (
    <div>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        系统管理
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams({ tab: k }, { replace: true })}
        items={[
          { key: 'calendar', label: '节假日', children: <CalendarTab /> },
          { key: 'policies', label: '规则', children: <PoliciesTab /> },
          { key: 'licensing', label: '执业管理系统对接', children: <LicensingTab /> },
          { key: 'operations', label: '运行状况', children: <OperationsTab /> },
        ]}
      />
    </div>
  );
}

// ------------------------------------------------------------------ calendar

function CalendarTab() {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const years = useQuery({
    queryKey: ['calendar-years'],
    queryFn: () => api.get<{ year: number; source: string | null }[]>('/calendar/years'),
  });
  const provisional = useQuery({
    queryKey: ['provisional-deadlines'],
    queryFn: async () => {
      const page = await api.get<Page<CaseView>>('/cases', { status: 'open', pageSize: 200 });
      // the provisional ones first (they are what a new year's notice changes), each group by its due date
      return page.items
        .flatMap((c) =>
          c.deadlines
            .filter((d) => d.kind === 'deadline')
            .map((d) => ({
              caseId: c.id,
              subject: c.subject,
              subjectName: c.subjectName,
              workflowTitle: c.workflowTitle,
              stateTitle: c.stateTitle,
              ...d,
            })),
        )
        .sort((a, b) => Number(b.provisional) - Number(a.provisional) || a.dueAt.localeCompare(b.dueAt));
    },
  });
  const [text, setText] = useState('');
  const add = useMutation({
    mutationFn: () => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error('内容不是有效的 JSON');
      }
      return api.post<{ year: number; replannedCases: number }>('/calendar/years', body);
    },
    onSuccess: (r) => {
      void message.success(`已加入 ${r.year} 年节假日安排，重新计算了 ${r.replannedCases} 个案件的期限`);
      setText('');
      void qc.invalidateQueries({ queryKey: ['calendar-years'] });
      void qc.invalidateQueries({ queryKey: ['provisional-deadlines'] });
    },
    onError: (e) => void message.error(e instanceof Error ? e.message : errorText(e)),
  });
  const rows = provisional.data ?? [];
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <QueryState query={years}>
        <Table
          size="small"
          rowKey="year"
          pagination={false}
          dataSource={years.data ?? []}
          columns={[
            { title: '年份', dataIndex: 'year' },
            { title: '依据', dataIndex: 'source', render: (v: string | null) => v ?? '—' },
          ]}
        />
      </QueryState>
      <Card size="small" title={<h2 style={{ fontSize: 15, margin: 0 }}>加入新一年的节假日安排</h2>}>
        <Typography.Paragraph type="secondary">
          按国务院办公厅当年发布的通知填写：year、source、holidays（放假日期）、workdays（调休上班日期）。加入后，落在该年的临时期限将按法定工作日重新计算。
        </Typography.Paragraph>
        <Input.TextArea
          aria-label="节假日安排（JSON）"
          rows={6}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder='{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知", "holidays": [...], "workdays": [...]}'
        />
        <Button
          style={{ marginTop: 8 }}
          type="primary"
          disabled={!text.trim()}
          loading={add.isPending}
          onClick={() => add.mutate()}
        >
          加入
        </Button>
      </Card>
      <Card
        size="small"
        title={
          <h2 style={{ fontSize: 15, margin: 0 }}>在办案件的期限（临时期限按周末估算，待节假日安排公布后重新计算）</h2>
        }
      >
        <QueryState query={provisional}>
          <Table
            data-testid="deadlines"
            size="small"
            rowKey={(r) => `${r.caseId}-${r.key}`}
            dataSource={rows}
            pagination={rows.length > 10 ? { pageSize: 10 } : false}
            columns={[
              {
                // whose case, opening it: the same deadline of twenty branches' reviews was twenty identical rows
                title: '对象',
                key: 'subject',
                render: (_: unknown, r) => (
                  <Link to={`/cases/${r.caseId}`}>
                    <SubjectLabel subject={r.subject} name={r.subjectName} />
                  </Link>
                ),
              },
              { title: '流程', dataIndex: 'workflowTitle' },
              { title: '环节', dataIndex: 'stateTitle' },
              { title: '期限', dataIndex: 'title' },
              { title: '到期', dataIndex: 'dueAt', render: (v: string) => time(v) },
              {
                // a fixed date (the annual review's) is not counted in working days: "已确定", with the rule on hover
                title: '性质',
                dataIndex: 'provisional',
                render: (p: boolean, r) => (
                  <span title={r.rule}>
                    {p ? <StatusTag tone="warn">临时</StatusTag> : <StatusTag tone="ok">已确定</StatusTag>}
                  </span>
                ),
              },
            ]}
          />
        </QueryState>
      </Card>
    </Space>
  );
}

// ------------------------------------------------------------------ policies

interface PolicyOverview {
  region: string;
  inEffect: string;
  chain: string[];
  versions: {
    id: string;
    title: string;
    region: string;
    effectiveFrom: string;
    enabled: boolean;
    inEffect: boolean;
    description: string | null;
  }[];
  workflows: {
    workflow: string;
    title: string;
    deadlines: {
      key: string;
      title: string;
      stateTitle: string;
      rule: string;
      source: { kind: string; title: string };
    }[];
  }[];
}

function PoliciesTab() {
  const [region, setRegion] = useState<string | undefined>();
  const orgs = useQuery({ queryKey: ['orgs'], queryFn: () => api.get<Org[] | Page<Org>>('/orgs'), staleTime: 600_000 });
  const regions = flattenOrgs(orgs.data)
    .filter((o) => ['provincial_committee', 'city_committee', 'county_committee'].includes(o.type) && o.regionCode)
    .map((o) => ({ value: o.regionCode!, label: `${o.name}（${o.regionCode}）` }))
    .filter((o, i, all) => all.findIndex((x) => x.value === o.value) === i);
  const policies = useQuery({
    queryKey: ['policies', region],
    queryFn: () => api.get<PolicyOverview>('/policies', { region }),
  });
  return (
    <QueryState query={policies}>
      {policies.data && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Select
            aria-label="选择地区"
            style={{ width: 360 }}
            value={region ?? policies.data.region}
            onChange={setRegion}
            options={
              regions.some((r) => r.value === policies.data.region)
                ? regions
                : [{ value: policies.data.region, label: policies.data.region }, ...regions]
            }
          />
          <Alert
            type="info"
            showIcon
            title={`地区 ${policies.data.region} 新案件适用规则：${policies.data.versions.find((v) => v.inEffect)?.title ?? policies.data.inEffect}（继承：${policies.data.chain.join(' → ')}）。规则随系统版本发布，此处只读。`}
          />
          <Table
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={policies.data.versions}
            columns={[
              { title: '规则', dataIndex: 'title' },
              { title: '地区', dataIndex: 'region' },
              { title: '施行日期', dataIndex: 'effectiveFrom' },
              {
                title: '状态',
                key: 'state',
                render: (_: unknown, v) =>
                  v.inEffect ? (
                    <StatusTag tone="ok">现行</StatusTag>
                  ) : v.enabled ? (
                    <StatusTag tone="neutral">已启用</StatusTag>
                  ) : (
                    <StatusTag tone="neutral">未启用</StatusTag>
                  ),
              },
            ]}
          />
          {policies.data.workflows
            .filter((w) => w.deadlines.length)
            .map((w) => (
              <Card key={w.workflow} size="small" title={<h2 style={{ fontSize: 15, margin: 0 }}>{w.title}</h2>}>
                <Table
                  size="small"
                  rowKey="key"
                  pagination={false}
                  dataSource={w.deadlines}
                  columns={[
                    { title: '环节', dataIndex: 'stateTitle' },
                    { title: '期限', dataIndex: 'title' },
                    { title: '规则', dataIndex: 'rule' },
                    { title: '出处', dataIndex: ['source', 'title'] },
                  ]}
                />
              </Card>
            ))}
        </Space>
      )}
    </QueryState>
  );
}

// ------------------------------------------------------------------ licensing

interface Delivery {
  id: string;
  applicationRef: string | null;
  partyTransfer: string | null;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}
interface ReceivedEvent {
  eventId: string;
  type: string;
  applicationRef: string | null;
  receivedAt: string;
  code: string | null;
  reason: string | null;
  attempts: number;
}
const PARTY_TRANSFER: Record<string, string> = {
  not_required: '无需转接',
  pending: '转接中',
  completed: '已完成转接',
  exception_approved: '经批准例外',
};
const LICENSING_EVENT_TITLES: Record<string, string> = {
  'practice.applied': '申请执业',
  'practice.approved': '执业核准',
  'practice.withdrawn': '撤回执业申请',
  'practice.cancelled': '注销执业',
  'firm-transfer.applied': '申请转所',
  'firm-transfer.approved': '转所核准',
  'firm-transfer.withdrawn': '撤回转所申请',
  'firm-establishment.applied': '申请设立律师事务所',
  'firm.established': '律师事务所设立',
  'branch-office.established': '分所设立',
  'discipline.imposed': '行业处分',
};
const DELIVERY_STATUS: Record<string, { tone: Tone; text: string }> = {
  pending: { tone: 'warn', text: '待投递' },
  delivered: { tone: 'ok', text: '已送达' },
  dead: { tone: 'bad', text: '无法投递' },
};

function LicensingTab() {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const deliveries = useQuery({
    queryKey: ['licensing-deliveries'],
    queryFn: () => api.get<{ items: Delivery[]; callbackConfigured: boolean }>('/integrations/licensing/deliveries'),
  });
  const refused = useQuery({
    queryKey: ['licensing-refused'],
    queryFn: () => api.get<Page<ReceivedEvent>>('/integrations/licensing/events', { status: 'rejected' }),
  });
  const resend = useMutation({
    mutationFn: (id: string) =>
      api.post<{ outcome: string; error: string | null }>(`/integrations/licensing/deliveries/${id}/resend`),
    onSuccess: (r) =>
      void (r.outcome === 'delivered' ? message.success('已送达') : message.warning(`仍未送达：${r.error ?? ''}`)),
    onError: (e) => void message.error(errorText(e)),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['licensing-deliveries'] }),
  });
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Card size="small" title={<h2 style={{ fontSize: 15, margin: 0 }}>状态推送</h2>}>
        <QueryState query={deliveries}>
          {deliveries.data && !deliveries.data.callbackConfigured && (
            <Alert
              type="warning"
              showIcon
              title="未配置推送地址（LICENSING_CALLBACK_URL），状态变化不会推送"
              style={{ marginBottom: 8 }}
            />
          )}
          <Table<Delivery>
            size="small"
            rowKey="id"
            dataSource={deliveries.data?.items ?? []}
            pagination={{ pageSize: 10 }}
            columns={[
              { title: '编号', dataIndex: 'id' },
              { title: '申请编号', dataIndex: 'applicationRef' },
              {
                title: '党组织关系转接',
                dataIndex: 'partyTransfer',
                render: (v: string | null) => (v ? (PARTY_TRANSFER[v] ?? v) : '—'),
              },
              {
                title: '状态',
                dataIndex: 'status',
                render: (s: string) => (
                  <StatusTag tone={DELIVERY_STATUS[s]?.tone ?? 'neutral'}>{DELIVERY_STATUS[s]?.text ?? s}</StatusTag>
                ),
              },
              { title: '投递次数', dataIndex: 'attempts' },
              { title: '最近错误', dataIndex: 'lastError', render: (v: string | null) => v ?? '' },
              { title: '创建时间', dataIndex: 'createdAt', render: time },
              {
                title: '操作',
                key: 'op',
                render: (_: unknown, d) =>
                  d.status !== 'delivered' && (
                    <Button
                      size="small"
                      loading={resend.isPending && resend.variables === d.id}
                      onClick={() => resend.mutate(d.id)}
                    >
                      重发
                    </Button>
                  ),
              },
            ]}
          />
        </QueryState>
      </Card>
      <Card size="small" title={<h2 style={{ fontSize: 15, margin: 0 }}>被拒收的事件</h2>}>
        <QueryState query={refused}>
          <Table<ReceivedEvent>
            size="small"
            rowKey="eventId"
            dataSource={refused.data?.items ?? []}
            pagination={{ pageSize: 10 }}
            columns={[
              { title: '收到时间', dataIndex: 'receivedAt', render: time },
              { title: '事件编号', dataIndex: 'eventId' },
              { title: '类型', dataIndex: 'type', render: (v: string) => LICENSING_EVENT_TITLES[v] ?? v },
              { title: '申请编号', dataIndex: 'applicationRef' },
              { title: '原因', dataIndex: 'reason' },
              { title: '代码', dataIndex: 'code' },
              { title: '收到次数', dataIndex: 'attempts' },
            ]}
          />
        </QueryState>
      </Card>
    </Space>
  );
}

// ------------------------------------------------------------------ operations

function OperationsTab() {
  const health = useQuery({
    queryKey: ['health'],
    queryFn: async () => {
      const res = await fetch('/health');
      return { ok: res.ok, body: await res.json().catch(() => ({})) };
    },
    refetchInterval: 15_000,
  });
  const details = (health.data?.body?.details ?? health.data?.body?.info ?? {}) as Record<string, { status: string }>;
  const NAMES: Record<string, string> = {
    database: '数据库（PostgreSQL）',
    postgres: '数据库（PostgreSQL）',
    redis: '队列（Redis）',
    timers: '定时任务',
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <QueryState query={health}>
        <Alert
          data-testid="health"
          type={health.data?.ok ? 'success' : 'error'}
          showIcon
          title={health.data?.ok ? '系统运行正常' : '有依赖服务异常'}
          description={
            <Space wrap>
              {Object.entries(details).map(([k, v]) => (
                <StatusTag key={k} tone={v.status === 'up' ? 'ok' : 'bad'}>
                  {NAMES[k] ?? k}：{v.status === 'up' ? '正常' : '异常'}
                </StatusTag>
              ))}
            </Space>
          }
        />
      </QueryState>
      <Card size="small" title={<h2 style={{ fontSize: 15, margin: 0 }}>运维工具</h2>}>
        <Space orientation="vertical">
          <a href="/admin/queues" target="_blank" rel="noreferrer" onClick={openQueueBoard}>
            任务队列看板（Bull Board，需管理员登录）
          </a>
          <a href="/metrics" target="_blank" rel="noreferrer">
            监控指标（Prometheus /metrics）
          </a>
          <a href="/docs" target="_blank" rel="noreferrer">
            接口文档（Swagger）
          </a>
        </Space>
      </Card>
    </Space>
  );
}
