import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Empty, Grid, message, Select, Space, Switch, Tag, Tooltip } from 'antd';
import { useMemo } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useWorkflows } from '../api/hooks';
import { ApiError, call, client } from '../api/http';
import type { Task } from '../api/types';
import { DueTag, urgencyOf } from '../components/DueTag';
import { QueryState } from '../components/QueryState';
import { SubjectLabel } from '../components/SubjectLabel';
import { formatTime } from '../time';

const isSupervision = (t: Task) => t.kind === 'supervision';

/** 催办: notifies the organizations holding the case; once a day per case (the API answers a repeat with the first). */
function UrgeButton({ task }: { task: Task }) {
  const queryClient = useQueryClient();
  const [toast, toastHolder] = message.useMessage();
  const urge = useMutation({
    mutationFn: () =>
      call<{ repeated: boolean; urge: { notified: number; targets: { orgName: string | null }[] } }>(
        client.POST('/api/v1/cases/{id}/urge', { params: { path: { id: task.caseId } }, body: {} }),
      ),
    onSuccess: (r) => {
      const whom = r.urge.targets.map((t) => t.orgName ?? '承办组织').join('、');
      void toast.success(
        r.repeated ? `今日已催办过${whom}，不再重复通知` : `已催办${whom}（通知 ${r.urge.notified} 人）`,
      );
      void queryClient.invalidateQueries({ queryKey: ['tasks'] });
    },
    onError: (e) => void toast.error(e instanceof ApiError ? e.message : '催办失败，请稍后重试'),
  });
  const done = task.urgedToday === true;
  return (
    <>
      {toastHolder}
      <Tooltip title={done ? '同一案件每日催办一次' : '通知当前承办组织尽快办理'}>
        <Button
          size="small"
          danger={!done}
          disabled={done}
          loading={urge.isPending}
          onClick={() => urge.mutate()}
          aria-label={`${done ? '今日已催办' : '催办'}：${task.title}`}
        >
          {done ? '今日已催办' : '催办'}
        </Button>
      </Tooltip>
    </>
  );
}

/** 督办 items: who holds the case and how long it is overdue. */
function SupervisionFacts({ task }: { task: Task }) {
  const holders = (task.holders ?? []).map((h) => h.orgName ?? '（未知组织）').join('、');
  return (
    <div className="pf-supervision-facts" data-testid="supervision-facts">
      <span>承办：{holders || '—'}</span>
      {task.overdueDays != null ? (
        <span className="pf-overdue-text">
          已逾期 {task.overdueDays} 天{task.overdueWorkingDays != null ? `（${task.overdueWorkingDays} 个工作日）` : ''}
        </span>
      ) : null}
      {task.lastUrgedAt ? <span>上次催办 {formatTime(task.lastUrgedAt, 'MM-DD HH:mm')}</span> : null}
    </div>
  );
}

function KindTag({ task }: { task: Task }) {
  if (!isSupervision(task)) return null;
  return (
    <Tag color="red" data-testid="supervision-tag" style={{ marginInlineEnd: 6 }}>
      督办
    </Tag>
  );
}

function Actions({ task }: { task: Task }) {
  const navigate = useNavigate();
  if (isSupervision(task)) return <UrgeButton task={task} />;
  return (
    <Space wrap size={4}>
      {task.availableEvents.map((e) => (
        <Button key={e.type} size="small" onClick={() => navigate(`/cases/${task.caseId}?act=${e.type}`)}>
          {e.title}
        </Button>
      ))}
    </Space>
  );
}

/** 待办: the caller's open work, most urgent first (the API's order). */
export default function InboxPage() {
  const tasks = useQuery({
    queryKey: ['tasks'],
    queryFn: () => call<Task[]>(client.GET('/api/v1/tasks')),
    refetchInterval: 60_000,
  });
  const workflows = useWorkflows();
  const [params, setParams] = useSearchParams();
  const narrow = !Grid.useBreakpoint().md;
  const workflow = params.get('workflow') ?? undefined;
  const state = params.get('state') ?? undefined;
  const overdueOnly = params.get('overdue') === '1';
  const set = (k: string, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k === 'workflow') next.delete('state');
    setParams(next, { replace: true });
  };

  const rows = useMemo(
    () =>
      (tasks.data ?? []).filter(
        (t) =>
          (!workflow || t.workflow === workflow) &&
          (!state || JSON.stringify(t.state).includes(`"${state}"`) || t.state === state) &&
          (!overdueOnly || t.overdue),
      ),
    [tasks.data, workflow, state, overdueOnly],
  );
  const stateOptions = (workflows.data ?? [])
    .filter((w) => !workflow || w.key === workflow)
    .flatMap((w) => w.states.filter((s) => s.actors.length).map((s) => ({ value: s.name, label: `${s.title}` })))
    .filter((o, i, all) => all.findIndex((x) => x.value === o.value) === i);
  const overdueCount = (tasks.data ?? []).filter((t) => t.overdue).length;
  const supervisionCount = (tasks.data ?? []).filter(isSupervision).length;

  return (
    <div>
      <Space align="baseline" wrap style={{ marginBottom: 12, display: 'flex' }}>
        <h1 style={{ margin: 0, fontSize: 20 }}>待办</h1>
        {tasks.data ? (
          <span style={{ color: '#595959' }} data-testid="inbox-count">
            共 {tasks.data.length} 件{overdueCount ? `，其中逾期 ${overdueCount} 件` : ''}
            {supervisionCount ? `，督办 ${supervisionCount} 件` : ''}
          </span>
        ) : null}
      </Space>
      <Space wrap style={{ marginBottom: 12, display: 'flex' }}>
        <Select
          allowClear
          placeholder="全部流程"
          aria-label="按流程筛选"
          style={{ minWidth: 180 }}
          value={workflow}
          onChange={(v) => set('workflow', v)}
          options={(workflows.data ?? []).map((w) => ({ value: w.key, label: w.title }))}
        />
        <Select
          allowClear
          placeholder="全部环节"
          aria-label="按环节筛选"
          style={{ minWidth: 180 }}
          value={state}
          onChange={(v) => set('state', v)}
          options={stateOptions}
        />
        <label style={{ display: 'inline-flex', alignItems: 'center', gap: 6 }}>
          <Switch size="small" checked={overdueOnly} onChange={(v) => set('overdue', v ? '1' : undefined)} />
          仅看逾期
        </label>
      </Space>
      <QueryState
        query={tasks}
        isEmpty={rows.length === 0}
        empty={
          <div className="pf-panel">
            <Empty description={tasks.data?.length ? '没有符合筛选条件的待办' : '暂无待办，您已处理完所有工作'} />
          </div>
        }
      >
        {narrow ? (
          <ul className="pf-cards" aria-label="待办列表">
            {rows.map((t) => (
              <li
                key={`${t.kind ?? 'task'}:${t.caseId}`}
                data-testid="task"
                data-kind={t.kind ?? 'task'}
                data-urgency={urgencyOf(t)}
                className={`pf-card pf-u-${urgencyOf(t)}`}
              >
                <KindTag task={t} />
                <Link to={`/cases/${t.caseId}`} className="pf-card-title">
                  {t.title}
                </Link>
                <div>
                  <SubjectLabel subject={t.subject} name={t.subjectName} />
                </div>
                {isSupervision(t) ? <SupervisionFacts task={t} /> : null}
                <div style={{ margin: '4px 0' }}>
                  <DueTag {...t} provisional={t.dueProvisional} />
                </div>
                <Actions task={t} />
              </li>
            ))}
          </ul>
        ) : (
          // a plain table, not antd's Table: the inbox is part of the first-visit bundle budget
          <div className="pf-panel" style={{ padding: 0, overflowX: 'auto' }}>
            <table className="pf-table">
              <caption className="pf-sr-only">待办列表，最紧急的在前</caption>
              <thead>
                <tr>
                  <th scope="col">事项</th>
                  <th scope="col">流程</th>
                  <th scope="col">环节</th>
                  <th scope="col">对象</th>
                  <th scope="col">期限</th>
                  <th scope="col">可办理</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((t) => (
                  <tr
                    key={`${t.kind ?? 'task'}:${t.caseId}`}
                    data-testid="task"
                    data-kind={t.kind ?? 'task'}
                    data-urgency={urgencyOf(t)}
                    className={`pf-row-${urgencyOf(t)}`}
                  >
                    <td>
                      <KindTag task={t} />
                      <Link to={`/cases/${t.caseId}`}>{t.title}</Link>
                      {isSupervision(t) ? <SupervisionFacts task={t} /> : null}
                    </td>
                    <td>{t.workflowTitle}</td>
                    <td>
                      <Tag>{t.stateTitle ?? (typeof t.state === 'string' ? t.state : '并行环节')}</Tag>
                    </td>
                    <td>
                      <SubjectLabel subject={t.subject} name={t.subjectName} />
                    </td>
                    <td>
                      <DueTag {...t} provisional={t.dueProvisional} />
                    </td>
                    <td>
                      <Actions task={t} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </div>
  );
}
