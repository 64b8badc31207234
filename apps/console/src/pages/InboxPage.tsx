import { useQuery } from '@tanstack/react-query';
import { Button, Empty, Grid, Select, Space, Switch, Tag } from 'antd';
import { useMemo } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useWorkflows } from '../api/hooks';
import { call, client } from '../api/http';
import type { Task } from '../api/types';
import { DueTag, urgencyOf } from '../components/DueTag';
import { QueryState } from '../components/QueryState';
import { SubjectLabel } from '../components/SubjectLabel';

function Actions({ task }: { task: Task }) {
  const navigate = useNavigate();
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

  return (
    <div>
      <Space align="baseline" wrap style={{ marginBottom: 12, display: 'flex' }}>
        <h1 style={{ margin: 0, fontSize: 20 }}>待办</h1>
        {tasks.data ? (
          <span style={{ color: '#595959' }} data-testid="inbox-count">
            共 {tasks.data.length} 件{overdueCount ? `，其中逾期 ${overdueCount} 件` : ''}
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
                key={t.caseId}
                data-testid="task"
                data-urgency={urgencyOf(t)}
                className={`pf-card pf-u-${urgencyOf(t)}`}
              >
                <Link to={`/cases/${t.caseId}`} className="pf-card-title">
                  {t.title}
                </Link>
                <div>
                  <SubjectLabel subject={t.subject} name={t.subjectName} />
                </div>
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
                    key={t.caseId}
                    data-testid="task"
                    data-urgency={urgencyOf(t)}
                    className={`pf-row-${urgencyOf(t)}`}
                  >
                    <td>
                      <Link to={`/cases/${t.caseId}`}>{t.title}</Link>
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
