import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Input,
  Modal,
  Row,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Tree,
  Typography,
} from 'antd';
import { useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { residentIdProblem } from '../../../../libs/common/resident-id';
import type { Schemas } from '../../../../libs/api-client';
import { useOrg } from '../api/hooks';
import { ApiError, call, client, newIdempotencyKey } from '../api/http';
import { hasRole, useAuth } from '../auth/auth';
import { BranchTerm, TERM_ORG_TYPES } from '../components/BranchTerm';
import { OrgLifeQuarter, RecordOrgLife } from '../components/OrgLife';
import { putBesideFields } from '../components/fieldRefusals';
import { QueryState } from '../components/QueryState';
import { downloadFromApi } from '../supervision/download';
import { FirmPicker, WorkingDayPicker } from '../components/pickers';
import { COVERAGE_TITLES, MEMBER_STATUS_TITLES, ORG_TYPE_TITLES } from '../labels';
import { beijing, formatTime } from '../time';

type OrgNode = Schemas['OrgTreeNode'];
type Firm = Schemas['FirmView'];
type Member = Schemas['MemberView'];

const COVERAGE_COLORS: Record<string, string> = {
  branch: 'green',
  joint_branch: 'blue',
  instructor: 'gold',
  none: 'red',
};

const orgTree = () => call<OrgNode[]>(client.GET('/api/v1/orgs'));
export const useOrgTree = () => useQuery({ queryKey: ['org-tree'], queryFn: orgTree, staleTime: 5 * 60_000 });

/** Every org of the caller's tree, flat (for pickers limited to the caller's own scope). */
function flatten(nodes: OrgNode[] | undefined, depth = 0): (OrgNode & { depth: number })[] {
  return (nodes ?? []).flatMap((n) => [{ ...n, depth }, ...flatten(n.children, depth + 1)]);
}

// ------------------------------------------------------------------------------------------ organizations

function OrgsTab() {
  const { me } = useAuth();
  const tree = useOrgTree();
  const [picked, setPicked] = useState<string | undefined>();
  // until the clerk picks one, the detail is of the top of their scope (a branch clerk's only organization)
  const first = tree.data?.[0]?.id;
  const selected = picked ?? first;
  const detail = useOrg(selected);
  const toData = (nodes: OrgNode[]): any[] =>
    nodes.map((n) => ({
      key: n.id,
      title: (
        <span>
          {n.name}
          <Tag style={{ marginInlineStart: 6 }}>{ORG_TYPE_TITLES[n.type] ?? n.type}</Tag>
        </span>
      ),
      children: toData(n.children ?? []),
    }));
  return (
    <QueryState query={tree} isEmpty={!tree.data?.length}>
      <Row gutter={[12, 12]}>
        <Col xs={24} md={14}>
          <Card size="small" title={<h2 style={{ fontSize: 16, margin: 0 }}>党组织（我的管辖范围）</h2>}>
            <Tree
              data-testid="org-tree"
              showLine
              defaultExpandedKeys={first ? [first, ...(tree.data?.[0]?.children ?? []).map((c) => c.id)] : []}
              treeData={toData(tree.data ?? [])}
              selectedKeys={selected ? [selected] : []}
              // a click on the selected organization keeps it (antd would unselect it and empty the detail)
              onSelect={(keys) => keys.length && setPicked(keys[0] as string)}
            />
          </Card>
        </Col>
        <Col xs={24} md={10}>
          <Card size="small" title={<h2 style={{ fontSize: 16, margin: 0 }}>组织详情</h2>}>
            {!selected ? (
              <span style={{ color: '#595959' }}>在左侧选择一个党组织</span>
            ) : (
              <QueryState query={detail} what="党组织">
                {detail.data ? (
                  <Descriptions size="small" column={1} data-testid="org-detail">
                    <Descriptions.Item label="名称">{detail.data.name}</Descriptions.Item>
                    <Descriptions.Item label="类型">
                      {ORG_TYPE_TITLES[detail.data.type] ?? detail.data.type}
                    </Descriptions.Item>
                    {detail.data.county ? (
                      <Descriptions.Item label="所在县（区）">{detail.data.county}</Descriptions.Item>
                    ) : null}
                    <Descriptions.Item label="党员">
                      正式党员 {(detail.data as any).memberCounts?.full ?? 0} 名，预备党员{' '}
                      {(detail.data as any).memberCounts?.probationary ?? 0} 名
                    </Descriptions.Item>
                    <Descriptions.Item label="查看">
                      <Link to={`/registry?tab=members&orgId=${detail.data.id}`}>本组织党员名册</Link>
                    </Descriptions.Item>
                  </Descriptions>
                ) : null}
                {detail.data && TERM_ORG_TYPES.includes(detail.data.type) ? (
                  <div style={{ marginTop: 16 }}>
                    <BranchTerm key={detail.data.id} orgId={detail.data.id} />
                    {hasRole(me, 'clerk') ? (
                      <div style={{ marginTop: 12 }}>
                        <RecordOrgLife key={detail.data.id} orgId={detail.data.id} />
                      </div>
                    ) : null}
                    <OrgLifeQuarter key={`q-${detail.data.id}`} orgId={detail.data.id} />
                  </div>
                ) : null}
              </QueryState>
            )}
          </Card>
        </Col>
      </Row>
    </QueryState>
  );
}

// ------------------------------------------------------------------------------------------------- firms

function RegisterFirmDialog({ onClose }: { onClose: () => void }) {
  const [form] = Form.useForm();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const kind = Form.useWatch('kind', form);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v || busy) return;
    setBusy(true);
    setError(null);
    try {
      await call(
        client.POST('/api/v1/firms', {
          headers: { 'Idempotency-Key': newIdempotencyKey() },
          body: { ...v, name: v.name.trim(), directorName: v.directorName.trim(), county: v.county.trim() },
        } as any),
      );
      await qc.invalidateQueries({ queryKey: ['registry-firms'] });
      await qc.invalidateQueries({ queryKey: ['firms'] });
      onClose();
    } catch (e) {
      // the server's 400 details beside their fields, anything else above the buttons
      const left = putBesideFields(form, e);
      if (left) setError(left);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title="登记律师事务所"
      onCancel={onClose}
      maskClosable={false}
      onOk={submit}
      okText="登记"
      confirmLoading={busy}
      okButtonProps={{ 'data-testid': 'firm-submit' } as any}
    >
      <Form form={form} layout="vertical" initialValues={{ kind: 'firm' }}>
        <Form.Item
          name="name"
          label="律师事务所名称"
          rules={[
            { required: true, whitespace: true, message: '请填写律师事务所名称' },
            { min: 2, max: 100, message: '名称应为 2 至 100 个字' },
          ]}
        >
          <Input />
        </Form.Item>
        <Form.Item name="kind" label="类别" rules={[{ required: true, message: '请选择类别' }]}>
          <Select
            options={[
              { value: 'firm', label: '律师事务所' },
              { value: 'branch_office', label: '分所' },
            ]}
          />
        </Form.Item>
        {kind === 'branch_office' ? (
          <Form.Item name="headFirmId" label="总所" rules={[{ required: true, message: '请选择总所' }]}>
            <FirmPicker />
          </Form.Item>
        ) : null}
        <Form.Item
          name="county"
          label="所在县（区）"
          rules={[
            { required: true, whitespace: true, message: '请填写所在县（区）' },
            { min: 2, max: 40, message: '县（区）名称应为 2 至 40 个字' },
          ]}
        >
          <Input placeholder="如：章贡区" />
        </Form.Item>
        <Form.Item
          name="regionCode"
          label="行政区划代码"
          rules={[
            { required: true, message: '请填写行政区划代码' },
            { pattern: /^\d{6}$/, message: '行政区划代码应为 6 位数字' },
          ]}
        >
          <Input placeholder="如：360702" inputMode="numeric" />
        </Form.Item>
        <Form.Item
          name="directorName"
          label="事务所主任"
          rules={[
            { required: true, whitespace: true, message: '请填写事务所主任姓名' },
            { min: 2, max: 40, message: '姓名应为 2 至 40 个字' },
          ]}
        >
          <Input />
        </Form.Item>
        <Form.Item name="establishedOn" label="成立日期（选填）">
          <WorkingDayPicker />
        </Form.Item>
      </Form>
      {error ? <Alert type="error" showIcon role="alert" title="未能登记" description={error} /> : null}
    </Modal>
  );
}

function FirmsTab({ mayRegister }: { mayRegister: boolean }) {
  const [params, setParams] = useSearchParams();
  const coverage = params.get('coverage') ?? undefined;
  const county = params.get('county') ?? undefined;
  const [registering, setRegistering] = useState(false);
  const firms = useQuery({
    queryKey: ['registry-firms', coverage, county],
    queryFn: () => call<Firm[]>(client.GET('/api/v1/firms', { params: { query: { coverage, county } } } as any)),
  });
  const all = useQuery({
    queryKey: ['registry-firms', undefined, undefined],
    queryFn: () => call<Firm[]>(client.GET('/api/v1/firms', { params: { query: {} } } as any)),
  });
  const counties = [...new Set((all.data ?? []).map((f) => f.county))].sort();
  const set = (k: string, v?: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  return (
    <div>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select
          allowClear
          aria-label="按覆盖情况筛选"
          placeholder="全部覆盖情况"
          style={{ minWidth: 170 }}
          value={coverage}
          onChange={(v) => set('coverage', v)}
          options={Object.entries(COVERAGE_TITLES).map(([value, label]) => ({ value, label }))}
        />
        <Select
          allowClear
          aria-label="按县（区）筛选"
          placeholder="全部县（区）"
          style={{ minWidth: 150 }}
          value={county}
          onChange={(v) => set('county', v)}
          options={counties.map((c) => ({ value: c, label: c }))}
        />
        {mayRegister ? (
          <Button type="primary" onClick={() => setRegistering(true)}>
            登记律师事务所
          </Button>
        ) : null}
        {firms.data ? (
          <span style={{ color: '#595959' }} data-testid="firms-total">
            共 {firms.data.length} 家
          </span>
        ) : null}
      </Space>
      <QueryState query={firms}>
        <Card styles={{ body: { padding: 0 } }}>
          <Table<Firm>
            rowKey="id"
            data-testid="firms"
            dataSource={firms.data ?? []}
            scroll={{ x: 720 }}
            pagination={{ pageSize: 20, showSizeChanger: false, hideOnSinglePage: true }}
            locale={{ emptyText: '没有符合条件的律师事务所' }}
            columns={[
              { title: '名称', dataIndex: 'name' },
              { title: '县（区）', dataIndex: 'county' },
              { title: '主任', dataIndex: 'directorName' },
              {
                title: '党的组织覆盖',
                key: 'coverage',
                render: (_, f) => (
                  <Tag color={COVERAGE_COLORS[f.coverage]} data-testid="coverage">
                    {COVERAGE_TITLES[f.coverage] ?? f.coverage}
                  </Tag>
                ),
              },
              {
                title: '未覆盖起始',
                key: 'since',
                render: (_, f) =>
                  f.coverage === 'none' && f.uncoveredSince ? (
                    <span>
                      {formatTime(f.uncoveredSince, 'YYYY-MM-DD')}（{beijing().diff(f.uncoveredSince, 'day')} 天）
                    </span>
                  ) : (
                    '—'
                  ),
              },
            ]}
          />
        </Card>
      </QueryState>
      {registering ? <RegisterFirmDialog onClose={() => setRegistering(false)} /> : null}
    </div>
  );
}

// ----------------------------------------------------------------------------------------------- members

function RegisterMemberDialog({ orgs, onClose }: { orgs: (OrgNode & { depth: number })[]; onClose: () => void }) {
  const [form] = Form.useForm();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const navigate = useNavigate();
  const branches = orgs.filter((o) => ['branch', 'joint_branch', 'general_branch'].includes(o.type));
  const submit = async () => {
    if (inFlight.current) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      const created = await call<Member>(
        client.POST('/api/v1/members', {
          headers: { 'Idempotency-Key': newIdempotencyKey() },
          body: {
            ...v,
            name: v.name.trim(),
            idNumber: v.idNumber.trim().toUpperCase(),
            licenseNo: v.licenseNo?.trim() || undefined,
          },
        } as any),
      );
      await qc.invalidateQueries({ queryKey: ['registry-members'] });
      onClose();
      navigate(`/members/${created.id}`);
    } catch (e) {
      // the server's 400 details beside their fields, anything else above the buttons
      const left = putBesideFields(form, e);
      if (left) setError(left);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title="登记党员"
      onCancel={onClose}
      maskClosable={false}
      onOk={submit}
      okText="登记"
      confirmLoading={busy}
      okButtonProps={{ 'data-testid': 'member-submit' } as any}
    >
      <Form form={form} layout="vertical" initialValues={{ status: 'full' }}>
        <Form.Item
          name="name"
          label="姓名"
          rules={[
            { required: true, whitespace: true, message: '请填写姓名' },
            { min: 2, max: 40, message: '姓名应为 2 至 40 个字' },
          ]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="idNumber"
          label="身份证号码"
          dependencies={['birthDate']}
          rules={[
            { required: true, message: '请填写身份证号码' },
            {
              // the registry's own check (GB 11643 check character, the birth date it carries)
              validator: async (_, v) => {
                if (!v) return;
                const problem = residentIdProblem(String(v).trim(), form.getFieldValue('birthDate'));
                if (problem) throw new Error(problem);
              },
            },
          ]}
        >
          <Input autoComplete="off" maxLength={18} />
        </Form.Item>
        <Form.Item name="birthDate" label="出生日期" rules={[{ required: true, message: '请选择出生日期' }]}>
          <WorkingDayPicker />
        </Form.Item>
        <Form.Item name="gender" label="性别（选填）">
          <Select
            allowClear
            options={[
              { value: 'male', label: '男' },
              { value: 'female', label: '女' },
            ]}
          />
        </Form.Item>
        <Form.Item name="orgId" label="所在党组织" rules={[{ required: true, message: '请选择所在党组织' }]}>
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            placeholder="选择本人管辖范围内的党组织"
            options={branches.map((o) => ({ value: o.id, label: o.name }))}
          />
        </Form.Item>
        <Form.Item name="status" label="政治面貌" rules={[{ required: true, message: '请选择政治面貌' }]}>
          <Select options={Object.entries(MEMBER_STATUS_TITLES).map(([value, label]) => ({ value, label }))} />
        </Form.Item>
        <Form.Item name="firmId" label="执业机构（选填）">
          <FirmPicker />
        </Form.Item>
        <Form.Item
          name="licenseNo"
          label="执业证号（选填）"
          rules={[{ pattern: /^\d{17}$/, message: '执业证号应为 17 位数字' }]}
        >
          <Input autoComplete="off" maxLength={17} inputMode="numeric" />
        </Form.Item>
      </Form>
      {error ? <Alert type="error" showIcon role="alert" title="未能登记" description={error} /> : null}
    </Modal>
  );
}

function MembersTab({ mayRegister }: { mayRegister: boolean }) {
  const [params, setParams] = useSearchParams();
  const tree = useOrgTree();
  const orgs = useMemo(() => flatten(tree.data), [tree.data]);
  const q = params.get('q') ?? undefined;
  const orgId = params.get('orgId') ?? undefined;
  const status = params.get('status') ?? undefined;
  const page = Number(params.get('page') ?? 1);
  const [registering, setRegistering] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  // the roster of the list as filtered (all its pages), as the server writes it
  const exportRoster = async () => {
    setExporting(true);
    setExportError(null);
    try {
      await downloadFromApi('/members/export', { q, orgId, status }, '党员名册.xlsx');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      setExportError(e.message);
    } finally {
      setExporting(false);
    }
  };
  const members = useQuery({
    queryKey: ['registry-members', q, orgId, status, page],
    queryFn: () =>
      call<Schemas['MemberPage']>(
        client.GET('/api/v1/members', { params: { query: { q, orgId, status, page, pageSize: 20 } } } as any),
      ),
    placeholderData: (prev) => prev,
  });
  const orgName = new Map(orgs.map((o) => [o.id, o.name]));
  const set = (k: string, v?: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k !== 'page') next.delete('page');
    setParams(next, { replace: true });
  };
  return (
    <div>
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search
          allowClear
          aria-label="搜索党员"
          placeholder="输入姓名搜索党员"
          defaultValue={q}
          onSearch={(v) => set('q', v.trim() || undefined)}
          style={{ width: 220 }}
        />
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          aria-label="按党组织筛选"
          placeholder="全部党组织"
          style={{ minWidth: 220 }}
          value={orgId}
          onChange={(v) => set('orgId', v)}
          options={orgs.map((o) => ({ value: o.id, label: o.name }))}
        />
        <Select
          allowClear
          aria-label="按政治面貌筛选"
          placeholder="全部政治面貌"
          style={{ minWidth: 140 }}
          value={status}
          onChange={(v) => set('status', v)}
          options={Object.entries(MEMBER_STATUS_TITLES).map(([value, label]) => ({ value, label }))}
        />
        {mayRegister ? (
          <Button type="primary" onClick={() => setRegistering(true)} disabled={!orgs.length}>
            登记党员
          </Button>
        ) : null}
        <Button onClick={() => void exportRoster()} loading={exporting} disabled={!members.data?.total}>
          导出名册（xlsx）
        </Button>
        {members.data ? (
          <span style={{ color: '#595959' }} data-testid="members-total">
            共 {members.data.total} 名
          </span>
        ) : null}
      </Space>
      {exportError ? <Alert type="error" showIcon message={exportError} style={{ marginBottom: 12 }} /> : null}
      <QueryState query={members}>
        <Card styles={{ body: { padding: 0 } }}>
          <Table<Member>
            rowKey="id"
            data-testid="members"
            dataSource={members.data?.items ?? []}
            loading={members.isFetching}
            scroll={{ x: 720 }}
            locale={{ emptyText: '没有符合条件的党员' }}
            pagination={{
              current: page,
              pageSize: 20,
              total: members.data?.total ?? 0,
              showSizeChanger: false,
              hideOnSinglePage: true,
              onChange: (p) => set('page', String(p)),
            }}
            columns={[
              { title: '姓名', key: 'name', render: (_, m) => <Link to={`/members/${m.id}`}>{m.name}</Link> },
              {
                title: '政治面貌',
                key: 'status',
                render: (_, m) => MEMBER_STATUS_TITLES[m.status] ?? m.status,
              },
              {
                title: '身份证号码',
                dataIndex: 'idNumber',
                render: (v: string) => <span className="pf-mono">{v}</span>,
              },
              { title: '所在党组织', key: 'org', render: (_, m) => orgName.get(m.orgId) ?? '—' },
              { title: '入党日期', key: 'joined', render: (_, m) => m.joinedOn ?? '—' },
            ]}
          />
        </Card>
      </QueryState>
      {registering ? <RegisterMemberDialog orgs={orgs} onClose={() => setRegistering(false)} /> : null}
    </div>
  );
}

/** 组织与党员: the organization tree, firms with their coverage, members — all within the caller's scope. */
export default function RegistryPage() {
  const { me } = useAuth();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'orgs';
  const mayRegister = hasRole(me, 'clerk', 'admin');
  return (
    <div>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        组织与党员
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams({ tab: k }, { replace: true })}
        items={[
          { key: 'orgs', label: '党组织', children: tab === 'orgs' ? <OrgsTab /> : null },
          {
            key: 'firms',
            label: '律师事务所',
            children: tab === 'firms' ? <FirmsTab mayRegister={mayRegister} /> : null,
          },
          {
            key: 'members',
            label: '党员',
            children: tab === 'members' ? <MembersTab mayRegister={mayRegister} /> : null,
          },
        ]}
      />
    </div>
  );
}
