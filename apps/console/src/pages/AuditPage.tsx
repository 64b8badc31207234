import { DownloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Drawer,
  Progress,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useWorkflows } from '../api/hooks';
import type { Schemas } from '../../../../libs/api-client';
import { ApiError, api, call, client } from '../api/http';
import type { HistoryRow, Org, Page, Subject, WorkflowSummary } from '../api/types';
import { QueryState } from '../components/QueryState';
import { SubjectLabel } from '../components/SubjectLabel';
import { StatusTag, type Tone } from '../supervision/StatusTag';
import { ROLE_TITLES } from '../labels';
import { downloadFromApi } from '../supervision/download';
import { CaseDocuments } from '../components/CaseDocuments';
import { flattenOrgs } from '../supervision/orgs';
import { StateValue, stateValueTitle } from '../stateTitles';
import { formatTime } from '../time';
import { useHoldsRoute } from '../layout/menuAccess';

const PAGE_SIZE = 20;

interface AuditEvent extends HistoryRow {
  caseId: string;
  workflow: string;
  subject: Subject;
  subjectName: string | null;
}
interface VerifyResult {
  ok: boolean;
  checked: number;
  cases: number;
  brokenAt?: { caseId: string; seq: number; reason: string };
  checkpoints?: { enabled: boolean; checked: number; mismatched: { day: string; reason: string }[] };
}
/** A background audit job (whole-log verify or ledger export) as GET /audit/jobs/:id shows it. */
interface AuditJob {
  id: string;
  kind: 'verify' | 'export';
  status: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number | null;
  resultUrl: string | null;
  fileName: string | null;
  error: { code: string; message: string } | null;
}
const JOB_TITLES: Record<AuditJob['kind'], string> = { verify: '校验全部记录', export: '导出台帐' };
interface Replay {
  seq: number;
  lastSeq: number;
  at: string;
  type: string;
  eventTitle: string;
  stateTitle: string;
  status: string;
  workflowTitle: string;
  actor: HistoryRow['actor'];
  comment: string | null;
  context: Record<string, unknown>;
  fidelity: 'exact' | 'facts_assumed' | 'state_forced';
  matchesCurrent: boolean | null;
}

const FIDELITY: Record<Replay['fidelity'], { tone: Tone; text: string }> = {
  exact: { tone: 'ok' as Tone, text: '按记录完整重演' },
  facts_assumed: { tone: 'warn' as Tone, text: '依当时登记事实判断的条件按已通过重演' },
  state_forced: { tone: 'bad' as Tone, text: '无法重演，以记录的环节为准' },
};

const eventTitle = (wfs: WorkflowSummary[] | undefined, workflow: string, type: string) =>
  type === 'OPEN' ? '发起' : (wfs?.find((w) => w.key === workflow)?.events.find((e) => e.type === type)?.title ?? type);
const stateName = (wfs: WorkflowSummary[] | undefined, workflow: string, state: StateValue | null) =>
  stateValueTitle(wfs?.find((w) => w.key === workflow)?.states, state);
const time = (iso: string) => formatTime(iso, 'YYYY-MM-DD HH:mm:ss');

/** 审计: search the history log, verify its hash chain, export the ledger, replay a case at any row. */
/** antd's App gives the page's messages (toasts) their context. */
export default function AuditPageWithMessages() {
  return (
    <App component={false}>
      <AuditPage />
    </App>
  );
}

function AuditPage() {
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const workflows = useWorkflows();
  const orgs = useQuery({ queryKey: ['orgs'], queryFn: () => api.get<Org[] | Page<Org>>('/orgs'), staleTime: 600_000 });
  // the users list is there to filter by 办理人 for those who manage users; others would only get a 403
  const managesUsers = useHoldsRoute('users');
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => api.get<{ id: string; username: string; displayName: string }[] | Page<any>>('/users'),
    enabled: managesUsers,
    retry: false,
    staleTime: 600_000,
  });
  const filter = {
    orgId: params.get('orgId') ?? undefined,
    userId: params.get('userId') ?? undefined,
    workflow: params.get('workflow') ?? undefined,
    type: params.get('type') ?? undefined,
    from: params.get('from') ?? undefined,
    to: params.get('to') ?? undefined,
  };
  const page = Number(params.get('page') ?? 1);
  const events = useQuery({
    queryKey: ['audit-events', filter, page],
    queryFn: () => api.get<Page<AuditEvent>>('/audit/events', { ...filter, page, pageSize: PAGE_SIZE }),
    placeholderData: (prev) => prev,
  });
  const set = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('page' in patch)) next.delete('page');
    setParams(next, { replace: true });
  };
  const openCase = params.get('case');
  const openSeq = params.get('seq') ? Number(params.get('seq')) : undefined;

  // whole-log verify and the ledger export run as background jobs on the server: start one, follow its progress
  const [jobIds, setJobIds] = useState<Partial<Record<AuditJob['kind'], string>>>({});
  const startJob = useMutation({
    mutationFn: (kind: AuditJob['kind']) =>
      api.post<AuditJob>(`/audit/jobs/${kind}`, kind === 'export' ? stripEmpty(filter) : undefined),
    onSuccess: (job) => setJobIds((ids) => ({ ...ids, [job.kind]: job.id })),
    onError: (e) => void message.error(e instanceof ApiError ? e.message : '任务发起失败'),
  });

  const orgOptions = useMemo(() => flattenOrgs(orgs.data).map((o) => ({ value: o.id, label: o.name })), [orgs.data]);
  const userList = Array.isArray(users.data) ? users.data : (users.data?.items ?? []);
  const typeOptions = (workflows.data ?? [])
    .filter((w) => !filter.workflow || w.key === filter.workflow)
    .flatMap((w) => [{ type: 'OPEN', title: '发起' }, ...w.events].map((e) => ({ value: e.type, label: e.title })))
    .filter((o, i, all) => all.findIndex((x) => x.value === o.value) === i);
  const range: [Dayjs, Dayjs] | null =
    filter.from && filter.to ? [dayjs(filter.from), dayjs(filter.to).subtract(1, 'day')] : null;

  return (
    <div>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        审计
      </Typography.Title>
      <Card size="small" style={{ marginBottom: 12 }}>
        <Space wrap>
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            placeholder="全部组织"
            aria-label="按组织筛选"
            style={{ minWidth: 240 }}
            value={filter.orgId}
            onChange={(v) => set({ orgId: v })}
            options={orgOptions}
          />
          {userList.length > 0 && (
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              placeholder="全部办理人"
              aria-label="按办理人筛选"
              style={{ minWidth: 180 }}
              value={filter.userId}
              onChange={(v) => set({ userId: v })}
              options={userList.map((u: any) => ({ value: u.id, label: `${u.displayName}（${u.username}）` }))}
            />
          )}
          <Select
            allowClear
            placeholder="全部流程"
            aria-label="按流程筛选"
            style={{ minWidth: 190 }}
            value={filter.workflow}
            onChange={(v) => set({ workflow: v, type: undefined })}
            options={(workflows.data ?? []).map((w) => ({ value: w.key, label: w.title }))}
          />
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            placeholder="全部事项"
            aria-label="按事项筛选"
            style={{ minWidth: 190 }}
            value={filter.type}
            onChange={(v) => set({ type: v })}
            options={typeOptions}
          />
          <DatePicker.RangePicker
            aria-label="按日期筛选"
            value={range}
            placeholder={['开始日期', '结束日期']}
            onChange={(v) =>
              set({
                from: v?.[0] ? v[0].format('YYYY-MM-DD') : undefined,
                to: v?.[1] ? v[1].add(1, 'day').format('YYYY-MM-DD') : undefined,
              })
            }
          />
        </Space>
        <Space wrap style={{ marginTop: 12 }}>
          <Button
            icon={<SafetyCertificateOutlined />}
            loading={startJob.isPending && startJob.variables === 'verify'}
            onClick={() => startJob.mutate('verify')}
          >
            校验全部记录
          </Button>
          <Button
            icon={<DownloadOutlined />}
            loading={startJob.isPending && startJob.variables === 'export'}
            onClick={() => startJob.mutate('export')}
          >
            导出台帐（xlsx）
          </Button>
        </Space>
        {jobIds.verify && (
          <JobProgress id={jobIds.verify} onOpen={(caseId, seq) => set({ case: caseId, seq: String(seq) })} />
        )}
        {jobIds.export && <JobProgress id={jobIds.export} onOpen={() => undefined} />}
      </Card>
      <QueryState query={events}>
        <Table<AuditEvent>
          data-testid="audit-events"
          size="small"
          rowKey={(r) => `${r.caseId}-${r.seq}`}
          dataSource={events.data?.items ?? []}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: events.data?.total ?? 0,
            showSizeChanger: false,
            // the API counts up to a cap; page numbers reach that far
            showTotal: (t) => (events.data?.totalCapped ? `超过 ${t} 条，请缩小筛选范围` : `共 ${t} 条`),
            onChange: (p) => set({ page: String(p) }),
          }}
          columns={[
            { title: '时间', dataIndex: 'at', width: 160, render: (v: string) => time(v) },
            {
              title: '流程',
              dataIndex: 'workflow',
              width: 110,
              render: (v: string) => workflows.data?.find((w) => w.key === v)?.title ?? v,
            },
            {
              // whose case (党员 钟晓岚) first: the id alone told an auditor nothing; the link opens the case's record
              title: '案件',
              dataIndex: 'caseId',
              width: 150,
              render: (v: string, r) => (
                <div data-testid="audit-case">
                  <SubjectLabel subject={r.subject} name={r.subjectName} />
                  <div>
                    <Button
                      type="link"
                      size="small"
                      style={{ padding: 0 }}
                      onClick={() => set({ case: v, seq: String(r.seq) })}
                    >
                      {v.slice(0, 8)}·第{r.seq}条
                    </Button>
                  </div>
                </div>
              ),
            },
            {
              title: '事项',
              dataIndex: 'type',
              width: 120,
              render: (v: string, r) => eventTitle(workflows.data, r.workflow, v),
            },
            {
              title: '环节（前→后）',
              key: 'states',
              width: 200,
              render: (_: unknown, r) =>
                `${stateName(workflows.data, r.workflow, r.from)} → ${stateName(workflows.data, r.workflow, r.to)}`,
            },
            {
              // who, by name, with the login and the organization and role they acted in (as a case's history shows)
              title: '办理人',
              dataIndex: 'actor',
              width: 220,
              render: (a: AuditEvent['actor']) =>
                a.username === 'system' ? (
                  '系统'
                ) : (
                  <div data-testid="audit-actor">
                    <div>
                      {a.displayName ?? a.username}（{a.username}）
                    </div>
                    <div style={{ color: '#595959' }}>
                      {[a.orgName, a.role ? (ROLE_TITLES[a.role] ?? a.role) : null].filter(Boolean).join(' · ')}
                    </div>
                  </div>
                ),
            },
            { title: '意见/说明', dataIndex: 'comment', render: (v: string | null) => v ?? '' },
          ]}
        />
      </QueryState>
      <UrgesCard workflows={workflows.data} onOpen={(caseId) => set({ case: caseId, seq: undefined })} />
      <Drawer
        title="案件重演"
        size="large"
        open={!!openCase}
        onClose={() => set({ case: undefined, seq: undefined })}
        destroyOnHidden
      >
        {openCase && (
          <CaseReplay caseId={openCase} seq={openSeq} onSeq={(s) => set({ case: openCase, seq: String(s) })} />
        )}
      </Drawer>
    </div>
  );
}

type Urge = Schemas['UrgeView'];

/**
 * 催办记录: who urged which overdue case when, at which step, which organizations were told and how many people
 * got the notice, newest first (GET /audit/urges: the caller's scope). Urging changes no case and writes no
 * history row, so this is where a supervisor's urging is accounted for.
 */
function UrgesCard({
  workflows,
  onOpen,
}: {
  workflows: WorkflowSummary[] | undefined;
  onOpen: (caseId: string) => void;
}) {
  const [page, setPage] = useState(1);
  const urges = useQuery({
    queryKey: ['audit-urges', page],
    queryFn: () =>
      call<{ items: Urge[]; total: number }>(
        client.GET('/api/v1/audit/urges', { params: { query: { page, pageSize: 10 } } }),
      ),
    placeholderData: (prev) => prev,
  });
  const workflowTitle = (key?: string) => workflows?.find((w) => w.key === key)?.title ?? key ?? '';
  return (
    <Card
      size="small"
      style={{ marginTop: 12 }}
      data-testid="audit-urges"
      title={<h2 style={{ fontSize: 16, margin: 0 }}>催办记录</h2>}
    >
      <QueryState query={urges}>
        <Table<Urge>
          rowKey="id"
          size="small"
          scroll={{ x: 900 }}
          locale={{ emptyText: '没有催办记录' }}
          dataSource={urges.data?.items ?? []}
          pagination={{
            current: page,
            pageSize: 10,
            total: urges.data?.total ?? 0,
            hideOnSinglePage: true,
            showSizeChanger: false,
            onChange: setPage,
          }}
          columns={[
            { title: '时间', key: 'at', width: 150, render: (_, u) => formatTime(u.at) },
            {
              title: '案件',
              key: 'case',
              render: (_, u) => (
                <div>
                  <Button type="link" size="small" style={{ padding: 0 }} onClick={() => onOpen(u.caseId)}>
                    {workflowTitle(u.workflow)}
                  </Button>
                  {u.subject ? (
                    <div>
                      <SubjectLabel subject={u.subject as Subject} name={u.subjectName ?? null} />
                    </div>
                  ) : null}
                </div>
              ),
            },
            { title: '催办时环节', key: 'state', render: (_, u) => <Tag>{u.stateTitle}</Tag> },
            {
              title: '催办人',
              key: 'by',
              render: (_, u) => (
                <div>
                  <div>{u.urgedBy.displayName ?? ''}</div>
                  <div style={{ color: '#595959' }}>
                    {[u.urgedBy.orgName, ROLE_TITLES[u.urgedBy.role] ?? u.urgedBy.role].filter(Boolean).join(' · ')}
                  </div>
                </div>
              ),
            },
            {
              title: '被催办组织',
              key: 'targets',
              render: (_, u) => u.targets.map((t) => t.orgName ?? t.orgId).join('、'),
            },
            { title: '通知人数', key: 'notified', width: 90, render: (_, u) => u.notified },
            { title: '说明', key: 'comment', render: (_, u) => u.comment ?? '' },
          ]}
        />
      </QueryState>
    </Card>
  );
}

const stripEmpty = (o: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));

/** A background job: its progress while it runs, then the verify report or the ledger's download button. */
function JobProgress({ id, onOpen }: { id: string; onOpen: (caseId: string, seq: number) => void }) {
  const { message } = App.useApp();
  const job = useQuery({
    queryKey: ['audit-job', id],
    queryFn: () => api.get<AuditJob>(`/audit/jobs/${id}`),
    refetchInterval: (q) => (q.state.data && ['done', 'failed'].includes(q.state.data.status) ? false : 1000),
  });
  const j = job.data;
  const report = useQuery({
    queryKey: ['audit-job-result', id],
    queryFn: () => api.get<VerifyResult>(`/audit/jobs/${id}/result`),
    enabled: j?.kind === 'verify' && j.status === 'done',
  });
  const download = useMutation({
    mutationFn: () => downloadFromApi(`/audit/jobs/${id}/result`, {}, j?.fileName ?? '台帐.xlsx'),
    onError: (e) => void message.error(e instanceof ApiError ? e.message : '下载失败'),
  });
  if (job.isError) return <Alert style={{ marginTop: 12 }} type="error" showIcon title={job.error.message} />;
  if (!j) return null;
  const percent = j.total ? Math.floor((100 * j.done) / j.total) : 0;
  return (
    <div data-testid={`audit-job-${j.kind}`} style={{ marginTop: 12 }}>
      <Space align="center" wrap>
        <Typography.Text strong>{JOB_TITLES[j.kind]}</Typography.Text>
        <Progress
          aria-label={`${JOB_TITLES[j.kind]}进度`}
          style={{ width: 280, margin: 0 }}
          percent={j.status === 'done' ? 100 : percent}
          status={j.status === 'failed' ? 'exception' : j.status === 'done' ? 'success' : 'active'}
        />
        <Typography.Text type="secondary">
          {j.status === 'queued'
            ? '排队中'
            : j.status === 'running'
              ? `进行中：已处理 ${j.done}/${j.total ?? '…'} 个案件`
              : j.status === 'done'
                ? `已完成（${j.total ?? j.done} 个案件）`
                : '未能完成'}
        </Typography.Text>
        {j.kind === 'export' && j.status === 'done' && (
          <Button
            type="primary"
            size="small"
            icon={<DownloadOutlined />}
            loading={download.isPending}
            onClick={() => download.mutate()}
          >
            下载 {j.fileName}
          </Button>
        )}
      </Space>
      {j.status === 'failed' && j.error && (
        <Alert style={{ marginTop: 8 }} type="error" showIcon title={j.error.message} />
      )}
      {report.data && <VerifyAlert result={report.data} onOpen={onOpen} />}
    </div>
  );
}

function VerifyAlert({ result, onOpen }: { result: VerifyResult; onOpen: (caseId: string, seq: number) => void }) {
  if (!result.brokenAt && result.checkpoints && result.checkpoints.mismatched.length)
    return (
      <Alert
        data-testid="verify-result"
        style={{ marginTop: 12 }}
        type="error"
        showIcon
        title={`各案件哈希链完整，但每日签名检查点比对发现 ${result.checkpoints.mismatched.length} 处问题`}
        description={result.checkpoints.mismatched.map((m) => `${m.day}：${m.reason}`).join('；')}
      />
    );
  if (result.ok)
    return (
      <Alert
        data-testid="verify-result"
        style={{ marginTop: 12 }}
        type="success"
        showIcon
        title={`哈希链完整：已校验 ${result.cases} 个案件的 ${result.checked} 条记录，未发现篡改`}
      />
    );
  const b = result.brokenAt!;
  return (
    <Alert
      data-testid="verify-result"
      style={{ marginTop: 12 }}
      type="error"
      showIcon
      title={`发现篡改：已校验 ${result.checked} 条记录，第一处断裂在案件 ${b.caseId.slice(0, 8)} 的第 ${b.seq} 条（${b.reason}）`}
      action={
        <Button size="small" danger onClick={() => onOpen(b.caseId, b.seq)}>
          查看断裂记录
        </Button>
      }
    />
  );
}

function CaseReplay({ caseId, seq, onSeq }: { caseId: string; seq?: number; onSeq: (seq: number) => void }) {
  const workflows = useWorkflows();
  const history = useQuery({
    queryKey: ['history', caseId],
    queryFn: () => api.get<HistoryRow[]>(`/cases/${caseId}/history`),
  });
  const replay = useQuery({
    queryKey: ['replay', caseId, seq],
    queryFn: () => api.get<Replay>(`/audit/cases/${caseId}/replay`, { seq }),
    retry: false,
  });
  const check = useQuery({
    queryKey: ['verify', caseId],
    queryFn: () => api.get<VerifyResult>('/audit/verify', { caseId }),
  });
  const broken = check.data && !check.data.ok ? check.data.brokenAt : undefined;
  return (
    <div data-testid="case-replay">
      <Space orientation="vertical" style={{ width: '100%' }}>
        {check.data && (
          <Alert
            data-testid="case-verify"
            type={check.data.ok ? 'success' : 'error'}
            showIcon
            title={
              check.data.ok
                ? `本案哈希链完整（${check.data.checked} 条记录）`
                : `本案第 ${broken!.seq} 条记录起哈希链断裂：${broken!.reason}`
            }
          />
        )}
        <QueryState query={history}>
          <Table<HistoryRow>
            size="small"
            rowKey="seq"
            pagination={false}
            dataSource={history.data ?? []}
            rowClassName={(r) => (broken && r.seq === broken.seq ? 'audit-broken-row' : '')}
            rowSelection={{
              type: 'radio',
              selectedRowKeys: [seq ?? history.data?.[history.data.length - 1]?.seq ?? 0],
              onChange: (keys) => onSeq(Number(keys[0])),
              getCheckboxProps: (r) => ({ 'aria-label': `重演到第 ${r.seq} 条` }),
            }}
            columns={[
              { title: '序号', dataIndex: 'seq', width: 60 },
              { title: '时间', dataIndex: 'at', render: (v: string) => time(v) },
              {
                title: '事项',
                dataIndex: 'type',
                render: (v: string) =>
                  v === 'OPEN'
                    ? '发起'
                    : (workflows.data?.flatMap((w) => w.events).find((e) => e.type === v)?.title ?? v),
              },
              { title: '办理人', dataIndex: ['actor', 'username'] },
            ]}
          />
        </QueryState>
        <QueryState query={replay}>
          {replay.data && (
            <Card size="small" title={`第 ${replay.data.seq} 条记录之后的案件状态`}>
              <Descriptions size="small" column={1} bordered>
                <Descriptions.Item label="流程">{replay.data.workflowTitle}</Descriptions.Item>
                <Descriptions.Item label="事项">{replay.data.eventTitle}</Descriptions.Item>
                <Descriptions.Item label="时间">{time(replay.data.at)}</Descriptions.Item>
                <Descriptions.Item label="环节">
                  <span data-testid="replay-state">{replay.data.stateTitle}</span>（
                  {replay.data.status === 'open' ? '办理中' : '已办结'}）
                </Descriptions.Item>
                <Descriptions.Item label="重演">
                  <StatusTag tone={FIDELITY[replay.data.fidelity].tone}>
                    {FIDELITY[replay.data.fidelity].text}
                  </StatusTag>
                  {replay.data.matchesCurrent === true && <StatusTag tone="ok">与案件当前状态一致</StatusTag>}
                  {replay.data.matchesCurrent === false && <StatusTag tone="bad">与案件当前状态不一致</StatusTag>}
                </Descriptions.Item>
                <Descriptions.Item label="案件数据">
                  <pre style={{ margin: 0, whiteSpace: 'pre-wrap', fontSize: 12 }}>
                    {JSON.stringify(replay.data.context, null, 2)}
                  </pre>
                </Descriptions.Item>
              </Descriptions>
            </Card>
          )}
        </QueryState>
        <CaseDocuments caseId={caseId} />
      </Space>
    </div>
  );
}
