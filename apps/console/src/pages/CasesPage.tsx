import { useQuery } from '@tanstack/react-query';
import { Card, Input, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { Link, useSearchParams } from 'react-router';
import { useWorkflows } from '../api/hooks';
import { call, client } from '../api/http';
import type { CaseView, Org, Page } from '../api/types';
import { DueTag } from '../components/DueTag';
import { QueryState } from '../components/QueryState';
import { SubjectLabel } from '../components/SubjectLabel';
import { CASE_STATUS_TITLES } from '../labels';
import { formatTime } from '../time';

const PAGE_SIZE = 20;

/** The organizations of a tree, depth first, each with its depth (for the indented picker). */
function walkOrgs(orgs: Org[], depth = 0): { org: Org; depth: number }[] {
  return orgs.flatMap((o) => [{ org: o, depth }, ...walkOrgs(o.children ?? [], depth + 1)]);
}

/**
 * The organizations of my scope to pick from, indented as the tree they form (the filter takes an
 * organization and everything below it). A plain Select, searchable by name: antd's TreeSelect would add
 * its tree code to the first visit's budget.
 */
function ScopeOrgFilter({ value, onChange }: { value?: string; onChange: (v: string | undefined) => void }) {
  const orgs = useQuery({
    queryKey: ['orgs'],
    queryFn: () => call<Org[] | Page<Org>>(client.GET('/api/v1/orgs')),
    staleTime: 600_000,
  });
  const roots = Array.isArray(orgs.data) ? orgs.data : (orgs.data?.items ?? []);
  const list = walkOrgs(roots).filter((x, i, all) => all.findIndex((y) => y.org.id === x.org.id) === i);
  const names = new Map(list.map((x) => [x.org.id, x.org.name]));
  return (
    <Select
      allowClear
      showSearch
      optionFilterProp="title"
      placeholder="全部组织"
      aria-label="按组织筛选"
      style={{ minWidth: 240 }}
      popupMatchSelectWidth={false}
      loading={orgs.isPending}
      value={value}
      onChange={(v) => onChange(v ?? undefined)}
      labelRender={(p) => names.get(String(p.value)) ?? p.label}
      options={list.map(({ org, depth }) => ({
        value: org.id,
        title: org.name,
        label: <span style={{ paddingLeft: depth * 14 }}>{org.name}</span>,
      }))}
    />
  );
}

/**
 * The campaign the list is narrowed to (a step of a campaign's review opens its cases here), named by its year
 * and committee; closing the tag lists every case again.
 */
function CampaignFilter({ id, onClear }: { id: string; onClear: () => void }) {
  const campaign = useQuery({
    queryKey: ['campaign', id],
    queryFn: () =>
      call<{ year: number; orgName: string }>(client.GET('/api/v1/campaigns/{id}', { params: { path: { id } } })),
    staleTime: 60_000,
  });
  const c = campaign.data;
  return (
    <Tag closable onClose={onClear} color="geekblue" data-testid="cases-campaign" style={{ paddingBlock: 4 }}>
      年度考核活动{c ? `：${c.year} 年度 · ${c.orgName}` : ''}
    </Tag>
  );
}

/** 案件: every case in the caller's scope, paged and filtered on the server. */
export default function CasesPage() {
  const [params, setParams] = useSearchParams();
  const workflows = useWorkflows();
  const filter = {
    workflow: params.get('workflow') ?? undefined,
    state: params.get('state') ?? undefined,
    status: (params.get('status') as 'open' | 'closed' | null) ?? undefined,
    orgId: params.get('orgId') ?? undefined,
    overdue: params.get('overdue') === '1' ? true : undefined,
    campaignId: params.get('campaignId') ?? undefined,
    q: params.get('q') ?? undefined,
    page: Number(params.get('page') ?? 1),
    pageSize: PAGE_SIZE,
  };
  const cases = useQuery({
    queryKey: ['cases', filter],
    queryFn: () => call<Page<CaseView>>(client.GET('/api/v1/cases', { params: { query: filter } })),
    placeholderData: (prev) => prev,
  });
  const set = (k: string, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k !== 'page') next.delete('page');
    if (k === 'workflow') next.delete('state');
    setParams(next, { replace: true });
  };
  const stateOptions = (workflows.data ?? [])
    .filter((w) => !filter.workflow || w.key === filter.workflow)
    .flatMap((w) => w.states.map((s) => ({ value: s.name, label: s.title })))
    .filter((o, i, all) => all.findIndex((x) => x.value === o.value) === i);

  return (
    <div>
      <Space align="baseline" wrap style={{ marginBottom: 12, display: 'flex' }}>
        <Typography.Title level={2} style={{ fontSize: 20, margin: 0 }}>
          案件
        </Typography.Title>
        {cases.data ? (
          <span style={{ color: '#595959' }} data-testid="cases-total">
            共 {cases.data.total} 件
          </span>
        ) : null}
      </Space>
      <Space wrap style={{ marginBottom: 12 }}>
        {filter.campaignId ? (
          <CampaignFilter id={filter.campaignId} onClear={() => set('campaignId', undefined)} />
        ) : null}
        <Input.Search
          allowClear
          placeholder="搜索对象（党员、律所、党组织名称）"
          aria-label="搜索对象"
          defaultValue={filter.q}
          onSearch={(v) => set('q', v.trim() || undefined)}
          style={{ width: 280 }}
        />
        <Select
          allowClear
          placeholder="全部流程"
          aria-label="按流程筛选"
          style={{ minWidth: 170 }}
          value={filter.workflow}
          onChange={(v) => set('workflow', v)}
          options={(workflows.data ?? []).map((w) => ({ value: w.key, label: w.title }))}
        />
        <Select
          allowClear
          placeholder="全部环节"
          aria-label="按环节筛选"
          style={{ minWidth: 170 }}
          value={filter.state}
          onChange={(v) => set('state', v)}
          options={stateOptions}
        />
        <Select
          allowClear
          placeholder="办理中与已办结"
          aria-label="按办理状态筛选"
          style={{ minWidth: 150 }}
          value={filter.status}
          onChange={(v) => set('status', v)}
          options={[
            { value: 'open', label: '办理中' },
            { value: 'closed', label: '已办结' },
          ]}
        />
        <ScopeOrgFilter value={filter.orgId} onChange={(v) => set('orgId', v)} />
        <label style={{ display: 'inline-flex', alignItems: 'center', gap: 6 }}>
          <Switch size="small" checked={!!filter.overdue} onChange={(v) => set('overdue', v ? '1' : undefined)} />
          仅看逾期
        </label>
      </Space>
      <QueryState query={cases}>
        <Card styles={{ body: { padding: 0 } }}>
          <Table<CaseView>
            rowKey="id"
            loading={cases.isFetching}
            dataSource={cases.data?.items ?? []}
            scroll={{ x: 800 }}
            locale={{ emptyText: '没有符合条件的案件' }}
            pagination={{
              current: filter.page,
              pageSize: PAGE_SIZE,
              total: cases.data?.total ?? 0,
              showSizeChanger: false,
              // the API counts up to a cap; page numbers reach that far
              showTotal: (t) => (cases.data?.totalCapped ? `超过 ${t} 件，请缩小筛选范围` : `共 ${t} 件`),
              onChange: (p) => set('page', String(p)),
            }}
            columns={[
              {
                title: '流程',
                key: 'wf',
                render: (_, c) => <Link to={`/cases/${c.id}`}>{c.workflowTitle}</Link>,
              },
              {
                title: '对象',
                key: 'subject',
                render: (_, c) => <SubjectLabel subject={c.subject} name={c.subjectName} />,
              },
              { title: '环节', key: 'state', render: (_, c) => <Tag>{c.stateTitle}</Tag> },
              {
                title: '状态',
                key: 'status',
                render: (_, c) => (
                  <Tag color={c.status === 'open' ? 'processing' : 'default'}>{CASE_STATUS_TITLES[c.status]}</Tag>
                ),
              },
              {
                title: '期限',
                key: 'due',
                render: (_, c) => {
                  const d = c.deadlines.find((x) => x.kind === 'deadline');
                  return d ? <DueTag dueAt={d.dueAt} overdue={d.overdue} provisional={d.provisional} /> : '—';
                },
              },
              { title: '更新时间', key: 'updated', render: (_, c) => formatTime(c.updatedAt) },
            ]}
          />
        </Card>
      </QueryState>
    </div>
  );
}
