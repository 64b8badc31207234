import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Descriptions, Grid, Row, Space, Tag, Timeline, Tooltip, Typography } from 'antd';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { leafStates, useWorkflow } from '../api/hooks';
import { call, client } from '../api/http';
import type { AvailableEvent, CaseView, HistoryRow, WorkflowDetail } from '../api/types';
import { CaseDocuments } from '../components/CaseDocuments';
import { DueTag, formatDue } from '../components/DueTag';
import { QueryState } from '../components/QueryState';
import { SubjectLabel } from '../components/SubjectLabel';
import { FIELD_LABELS, fieldValueText } from '../fieldLabels';
import { CASE_STATUS_TITLES, DEADLINE_KIND_TITLES, ROLE_TITLES } from '../labels';
import { StateValue, stateValueTitle } from '../stateTitles';
import { formatTime } from '../time';

// the statechart (ECharts) and the event forms are their own chunks
const StatechartView = lazy(() => import('../components/StatechartView'));
const ActDialog = lazy(() => import('../components/ActDialog'));

const PARTY_TITLES: Record<string, string> = {
  sending: '转出党组织',
  receiving: '接收党组织',
  holder: '党员所在党组织',
  sendingUpper: '转出方上级党委',
  receivingUpper: '接收方上级党委',
  intakeUpper: '接收方上级党委',
  holderUpper: '所在党组织上级党委',
  city: '市律师行业党委',
  branch: '党支部',
  branchUpper: '上级党委',
  orgdept: '组织部门',
  county: '县（区）司法局党组',
};

export function stateTitleOf(wf: WorkflowDetail | undefined, value: StateValue | null) {
  return stateValueTitle(wf?.states, value);
}

export function eventTitleOf(wf: WorkflowDetail | undefined, type: string) {
  if (type === 'OPEN') return '发起';
  return wf?.events.find((e) => e.type === type)?.title ?? type;
}

function ChainStatus({ caseId, count }: { caseId: string; count: number }) {
  const verify = useQuery({
    queryKey: ['verify', caseId, count],
    queryFn: () =>
      call<{ ok: boolean; checked: number; brokenAt?: any }>(
        client.GET('/api/v1/audit/verify', { params: { query: { caseId } } }),
      ),
  });
  if (verify.isPending) return <Tag>正在校验哈希链…</Tag>;
  if (verify.isError) return <Tag>无法校验哈希链</Tag>;
  return verify.data.ok ? (
    <Tag color="green" data-testid="chain-ok">
      哈希链完整（已校验 {verify.data.checked} 条）
    </Tag>
  ) : (
    <Tag color="red" data-testid="chain-broken">
      哈希链断裂：第 {String(verify.data.brokenAt?.seq ?? verify.data.brokenAt ?? '?')} 条被篡改
    </Tag>
  );
}

function HistoryTimeline({ c, wf }: { c: CaseView; wf: WorkflowDetail | undefined }) {
  const history = useQuery({
    queryKey: ['history', c.id, c.version],
    queryFn: () => call<HistoryRow[]>(client.GET('/api/v1/cases/{id}/history', { params: { path: { id: c.id } } })),
  });
  const [shown, setShown] = useState<Set<number>>(new Set());
  const toggle = (seq: number) =>
    setShown((s) => {
      const n = new Set(s);
      if (n.has(seq)) n.delete(seq);
      else n.add(seq);
      return n;
    });
  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>办理记录</h2>}
      extra={<ChainStatus caseId={c.id} count={history.data?.length ?? 0} />}
      size="small"
    >
      <QueryState query={history} isEmpty={history.data?.length === 0}>
        <Timeline
          items={(history.data ?? []).map((h) => ({
            color: h.actor.username === 'system' ? 'gray' : 'red',
            content: (
              <div data-testid="history-row">
                <Space wrap size={6}>
                  <strong>{eventTitleOf(wf, h.type)}</strong>
                  <span>
                    {h.actor.username === 'system'
                      ? '系统'
                      : `${h.actor.displayName ?? h.actor.username}（${h.actor.username}）`}
                  </span>
                  {h.actor.role ? <Tag>{ROLE_TITLES[h.actor.role] ?? h.actor.role}</Tag> : null}
                  {h.actor.orgName ? <span style={{ color: '#595959' }}>{h.actor.orgName}</span> : null}
                </Space>
                <div style={{ color: '#595959' }}>
                  {formatTime(h.at, 'YYYY-MM-DD HH:mm:ss')} · {stateTitleOf(wf, h.from)} → {stateTitleOf(wf, h.to)}
                </div>
                {h.comment ? <div>意见：{h.comment}</div> : null}
                <DataSummary
                  data={h.type === 'OPEN' ? h.data?.input : h.data}
                  schema={h.type === 'OPEN' ? wf?.inputSchema : wf?.eventSchemas?.[h.type]}
                />
                <Button type="link" size="small" style={{ padding: 0 }} onClick={() => toggle(h.seq)}>
                  {shown.has(h.seq) ? '隐藏哈希' : '查看哈希'}
                </Button>
                {shown.has(h.seq) ? (
                  <div style={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all' }} data-testid="hash">
                    <div>
                      第 {h.seq} 条 哈希：{h.hash}
                    </div>
                    <div>前一条：{h.prevHash}</div>
                  </div>
                ) : null}
              </div>
            ),
          }))}
        />
      </QueryState>
    </Card>
  );
}

/**
 * Event data as label: value lines (ids stay out: the names are elsewhere on the page), worded and ordered as the
 * event's form asks for them (the recorded data has its keys sorted, for the hash: 截止 would come before 起始).
 */
function DataSummary({ data, schema }: { data: any; schema?: Record<string, any> }) {
  if (!data || typeof data !== 'object') return null;
  const order = Object.keys(schema?.properties ?? {});
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const entries = Object.entries(data)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object' && !/^[0-9a-f-]{36}$/.test(String(v)))
    .sort(([a], [b]) => rank(a) - rank(b));
  if (!entries.length) return null;
  return (
    <div style={{ color: '#262626' }} data-testid="history-data">
      {entries.map(([k, v]) => (
        <span key={k} style={{ marginInlineEnd: 12 }}>
          {schema?.properties?.[k]?.title ?? FIELD_LABELS[k] ?? k}：{fieldValueText(k, v as string | number | boolean)}
        </span>
      ))}
    </div>
  );
}

function Deadlines({ c }: { c: CaseView }) {
  if (!c.deadlines.length)
    return (
      <Card size="small" title={<h2 style={{ fontSize: 16, margin: 0 }}>期限</h2>}>
        <span style={{ color: '#595959' }}>{c.status === 'open' ? '当前环节没有期限' : '已办结'}</span>
      </Card>
    );
  return (
    <Card size="small" title={<h2 style={{ fontSize: 16, margin: 0 }}>期限</h2>}>
      <table className="pf-table" data-testid="deadlines">
        <thead>
          <tr>
            <th scope="col">期限</th>
            <th scope="col">阶段</th>
            <th scope="col">时间</th>
          </tr>
        </thead>
        <tbody>
          {c.deadlines.map((d, i) => (
            <tr key={i} className={d.kind === 'deadline' && d.overdue ? 'pf-row-overdue' : undefined}>
              <td>
                <Tooltip title={d.rule}>
                  <span tabIndex={0}>{d.title}</span>
                </Tooltip>
              </td>
              <td>
                {DEADLINE_KIND_TITLES[d.kind]}
                {d.kind === 'escalation' ? `（第 ${d.level} 级）` : ''}
              </td>
              <td>
                {d.kind === 'deadline' ? (
                  <DueTag dueAt={d.dueAt} overdue={d.overdue} provisional={d.provisional} />
                ) : (
                  <>
                    {formatDue(d.dueAt)}
                    {d.provisional ? <Tag color="purple">暂定</Tag> : null}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

/** A case: where it stands, its deadlines, its history and what I may do now. */
export default function CasePage() {
  const { id } = useParams();
  const [params, setParams] = useSearchParams();
  const c = useQuery({
    queryKey: ['case', id],
    queryFn: () => call<CaseView>(client.GET('/api/v1/cases/{id}', { params: { path: { id: id! } } })),
  });
  const wf = useWorkflow(c.data?.workflow);
  const acting = params.get('act');
  const setActing = (type: string | null) => {
    const next = new URLSearchParams(params);
    if (type) next.set('act', type);
    else next.delete('act');
    setParams(next, { replace: true });
  };
  const current = useMemo(() => (c.data ? leafStates(c.data.state) : []), [c.data]);
  // the open form keeps its event: a background refresh that finds the case moved on must not close what the
  // clerk is typing into (sending it then gets the 409 flow, which says what changed)
  const [actEvent, setActEvent] = useState<AvailableEvent | undefined>();
  useEffect(() => {
    if (!acting) setActEvent(undefined);
    else if (actEvent?.type !== acting) setActEvent(c.data?.availableEvents.find((e) => e.type === acting));
  }, [acting, c.data, actEvent]);

  const wide = !!Grid.useBreakpoint().lg;
  const chart = (
    <Card
      size="small"
      style={{ marginTop: 12 }}
      title={<h2 style={{ fontSize: 16, margin: 0 }}>流程图</h2>}
      extra={<span style={{ color: '#595959' }}>红色为当前环节</span>}
    >
      <Suspense fallback={<div style={{ height: 320 }} />}>
        {wf.data ? <StatechartView workflow={wf.data} current={current} /> : null}
      </Suspense>
    </Card>
  );

  return (
    <QueryState query={c} what="案件">
      {c.data ? (
        <div>
          <Space align="center" wrap style={{ marginBottom: 12, display: 'flex' }}>
            <h1 style={{ fontSize: 20, margin: 0 }}>
              {c.data.workflowTitle}：<SubjectLabel subject={c.data.subject} name={c.data.subjectName} />
            </h1>
            <Tag color={c.data.status === 'open' ? 'processing' : 'default'}>{CASE_STATUS_TITLES[c.data.status]}</Tag>
            <Tag color="red" data-testid="case-state">
              {c.data.stateTitle}
            </Tag>
          </Space>
          <Card
            size="small"
            style={{ marginBottom: 12 }}
            title={<h2 style={{ fontSize: 16, margin: 0 }}>可办理事项</h2>}
          >
            {c.data.availableEvents.length ? (
              <Space wrap data-testid="actions">
                {c.data.availableEvents.map((e) => (
                  <Button key={e.type} type="primary" onClick={() => setActing(e.type)}>
                    {e.title}
                  </Button>
                ))}
              </Space>
            ) : (
              <span style={{ color: '#595959' }} data-testid="no-actions">
                {c.data.status === 'open' ? '当前环节无需您办理' : '案件已办结'}
              </span>
            )}
          </Card>
          <CaseDocuments caseId={c.data.id} version={c.data.version} />
          {acting && !actEvent && c.data.status === 'open' ? (
            <Alert
              type="info"
              showIcon
              style={{ marginBottom: 12 }}
              title="该事项当前无法由您办理（可能已被他人办理）"
              closable={{ onClose: () => setActing(null) }}
            />
          ) : null}
          <Row gutter={[12, 12]}>
            <Col xs={24} lg={14}>
              <Card
                size="small"
                title={<h2 style={{ fontSize: 16, margin: 0 }}>基本信息</h2>}
                style={{ marginBottom: 12 }}
              >
                <Descriptions size="small" column={{ xs: 1, sm: 2 }}>
                  <Descriptions.Item label="案件编号">
                    <Typography.Text copyable style={{ fontSize: 12 }}>
                      {c.data.id}
                    </Typography.Text>
                  </Descriptions.Item>
                  <Descriptions.Item label="版本">{c.data.version}</Descriptions.Item>
                  <Descriptions.Item label="发起时间">{formatTime(c.data.openedAt)}</Descriptions.Item>
                  <Descriptions.Item label="更新时间">{formatTime(c.data.updatedAt)}</Descriptions.Item>
                  {Object.entries(c.data.parties)
                    .filter(([p, o]) => o && PARTY_TITLES[p])
                    .map(([p, o]) => (
                      <Descriptions.Item key={p} label={PARTY_TITLES[p]}>
                        {c.data!.orgNames?.[o] ?? o}
                      </Descriptions.Item>
                    ))}
                </Descriptions>
              </Card>
              <Deadlines c={c.data} />
              {wide ? chart : null}
            </Col>
            <Col xs={24} lg={10}>
              <HistoryTimeline c={c.data} wf={wf.data} />
              {/* on a phone the history comes before the chart: it is what a clerk reads there */}
              {wide ? null : chart}
            </Col>
          </Row>
          {actEvent ? (
            <Suspense fallback={null}>
              <ActDialog c={c.data} event={actEvent} workflow={wf.data} onClose={() => setActing(null)} />
            </Suspense>
          ) : null}
        </div>
      ) : null}
    </QueryState>
  );
}
