import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, call, client } from '../api/http';
import { useOrg } from '../api/hooks';
import type { Org, Page } from '../api/types';
import { useAuth } from '../auth/auth';
import { QueryState } from '../components/QueryState';
import { ROLE_TITLES } from '../labels';
import { StatusTag, type Tone } from '../supervision/StatusTag';
import { flattenOrgs } from '../supervision/orgs';
import { formatTime } from '../time';

interface User {
  id: string;
  username: string;
  displayName: string;
  roles: { role: string; orgId: string }[];
  disabled: boolean;
  lockedUntil: string | null;
  passwordChangedAt: string | null;
}

interface LoginEvent {
  id: string;
  at: string;
  username: string;
  address: string;
  outcome: string;
  reason: string | null;
}

/** What the login record's outcome codes say to a clerk, and how alarming each is. */
export const LOGIN_OUTCOMES: Record<string, { title: string; tone: Tone }> = {
  success: { title: '登录成功', tone: 'ok' },
  failure: { title: '登录失败', tone: 'warn' },
  lockout: { title: '账号锁定', tone: 'bad' },
  throttled: { title: '限流拒绝', tone: 'bad' },
  disabled: { title: '停用账号登录', tone: 'bad' },
  password_changed: { title: '本人修改密码', tone: 'neutral' },
  password_reset: { title: '管理员重置密码', tone: 'neutral' },
};

const time = (iso: string | null | undefined) => (iso ? formatTime(iso, 'YYYY-MM-DD HH:mm:ss') : '—');
const errorText = (e: unknown) => (e instanceof ApiError ? e.message : '操作失败');
const PASSWORD_RULES = [
  { required: true, message: '请填写密码' },
  { min: 8, message: '密码长度不能少于 8 个字符' },
  { max: 128, message: '密码长度不能超过 128 个字符' },
];

/**
 * 用户管理: the users the caller manages (an admin: everyone; a city committee's clerk: the clerks of the
 * organizations below its committee, the API decides), created, disabled or enabled, their passwords reset
 * (which lifts a lockout), and the login record of those users with the lockouts.
 */
export default function UsersPageWithMessages() {
  return (
    <App component={false}>
      <UsersPage />
    </App>
  );
}

function UsersPage() {
  const { me } = useAuth();
  const isAdmin = !!me?.roles.some((r) => r.role === 'admin');
  const [params, setParams] = useSearchParams();
  const loginsOf = params.get('logins') ?? undefined;
  return (
    <div>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        用户管理
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {isAdmin
          ? '系统管理员管理全部用户。'
          : '市律师行业党委的党务干事管理本党委下级组织的党务干事账号：新建、停用、重置密码，并查看其登录记录。'}
      </Typography.Paragraph>
      <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
        <UsersCard isAdmin={isAdmin} onShowLogins={(u) => setParams({ logins: u }, { replace: true })} />
        <LoginsCard username={loginsOf} onUsername={(u) => setParams(u ? { logins: u } : {}, { replace: true })} />
      </Space>
    </div>
  );
}

function UsersCard({ isAdmin, onShowLogins }: { isAdmin: boolean; onShowLogins: (username: string) => void }) {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const { me } = useAuth();
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => call<User[]>(client.GET('/api/v1/users')),
  });
  const orgs = useQuery({
    queryKey: ['orgs'],
    queryFn: () => call<Org[] | Page<Org>>(client.GET('/api/v1/orgs')),
    staleTime: 600_000,
  });
  const ownOrg = useOrg(me?.roles[0]?.orgId);
  // a city clerk may place clerks only strictly below its committee
  const orgList = flattenOrgs(orgs.data).filter((o) => isAdmin || o.id !== ownOrg.data?.id);
  const orgName = (id: string) => orgList.find((o) => o.id === id)?.name ?? ownOrg.data?.name ?? '（管辖范围外的组织）';
  const [form] = Form.useForm();
  const [resetting, setResetting] = useState<User | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: ['users'] });
  const refreshLogins = () => void qc.invalidateQueries({ queryKey: ['logins'] });

  const create = useMutation({
    mutationFn: (v: any) =>
      call(
        client.POST('/api/v1/users', {
          body: {
            username: v.username,
            displayName: v.displayName,
            password: v.password,
            roles: [{ role: isAdmin ? v.role : 'clerk', orgId: v.orgId }],
          },
        }),
      ),
    onSuccess: () => {
      void message.success('用户已创建');
      form.resetFields();
      refresh();
    },
    onError: (e) => {
      const field = e instanceof ApiError ? (e.details?.field ?? e.details?.[0]?.field) : undefined;
      if (field === 'username') form.setFields([{ name: 'username', errors: [errorText(e)] }]);
      else if (field === 'roles') form.setFields([{ name: 'orgId', errors: [errorText(e)] }]);
      else void message.error(errorText(e));
    },
  });
  const setDisabled = useMutation({
    mutationFn: (v: { user: User; disabled: boolean }) =>
      call(
        client.PATCH('/api/v1/users/{id}', {
          params: { path: { id: v.user.id } },
          body: { disabled: v.disabled },
        }),
      ),
    onSuccess: (_d, v) => {
      void message.success(v.disabled ? `已停用 ${v.user.username}` : `已启用 ${v.user.username}`);
      refresh();
    },
    onError: (e) => void message.error(errorText(e)),
  });

  const list = users.data ?? [];
  const status = (u: User) => {
    if (u.disabled) return <StatusTag tone="bad">已停用</StatusTag>;
    if (u.lockedUntil && new Date(u.lockedUntil).getTime() > Date.now())
      return <StatusTag tone="warn">已锁定至 {formatTime(u.lockedUntil, 'HH:mm:ss')}</StatusTag>;
    return <StatusTag tone="ok">正常</StatusTag>;
  };

  return (
    <>
      <Card size="small" title={<h2 style={{ fontSize: 15, margin: 0 }}>新建用户</h2>}>
        <Form form={form} name="create-user" layout="inline" onFinish={(v) => create.mutate(v)} style={{ rowGap: 8 }}>
          <Form.Item
            name="username"
            label="用户名"
            rules={[
              { required: true, message: '请填写用户名' },
              { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/, message: '3–64 位字母、数字、点、下划线或连字符' },
            ]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="displayName" label="姓名" rules={[{ required: true, message: '请填写姓名' }]}>
            <Input />
          </Form.Item>
          <Form.Item name="password" label="初始密码" rules={PASSWORD_RULES}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          {isAdmin ? (
            <Form.Item name="role" label="角色" initialValue="clerk" rules={[{ required: true }]}>
              <Select
                style={{ width: 130 }}
                options={['clerk', 'supervisor', 'orgdept', 'admin'].map((r) => ({ value: r, label: ROLE_TITLES[r] }))}
              />
            </Form.Item>
          ) : null}
          <Form.Item name="orgId" label="所在组织" rules={[{ required: true, message: '请选择组织' }]}>
            <Select
              showSearch
              optionFilterProp="label"
              style={{ width: 260 }}
              options={orgList.map((o) => ({ value: o.id, label: o.name }))}
            />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" loading={create.isPending}>
              创建
            </Button>
          </Form.Item>
        </Form>
      </Card>
      <Card size="small" title={<h2 style={{ fontSize: 15, margin: 0 }}>用户（{list.length}）</h2>}>
        <QueryState query={users}>
          <Table<User>
            size="small"
            rowKey="id"
            data-testid="users"
            dataSource={list}
            pagination={list.length > 20 ? { pageSize: 20 } : false}
            scroll={{ x: 'max-content' }}
            columns={[
              { title: '用户名', dataIndex: 'username' },
              { title: '姓名', dataIndex: 'displayName' },
              {
                title: '角色',
                dataIndex: 'roles',
                render: (roles: User['roles']) =>
                  roles.map((r) => (
                    <Tag key={`${r.role}-${r.orgId}`}>
                      {ROLE_TITLES[r.role] ?? r.role} · {orgName(r.orgId)}
                    </Tag>
                  )),
              },
              { title: '状态', key: 'status', render: (_: unknown, u) => status(u) },
              { title: '密码修改于', dataIndex: 'passwordChangedAt', render: (t: string | null) => time(t) },
              {
                title: '操作',
                key: 'op',
                render: (_: unknown, u) =>
                  u.id === me?.id ? (
                    <Typography.Text type="secondary">本人（请用右上角“修改密码”）</Typography.Text>
                  ) : (
                    <Space size={4} wrap>
                      <Popconfirm
                        title={u.disabled ? `启用 ${u.username}？` : `停用 ${u.username}？停用后其登录立即失效。`}
                        okText="确定"
                        cancelText="取消"
                        onConfirm={() => setDisabled.mutate({ user: u, disabled: !u.disabled })}
                      >
                        <Button
                          size="small"
                          danger={!u.disabled}
                          aria-label={`${u.disabled ? '启用' : '停用'} ${u.username}`}
                        >
                          {u.disabled ? '启用' : '停用'}
                        </Button>
                      </Popconfirm>
                      <Button size="small" onClick={() => setResetting(u)} aria-label={`重置 ${u.username} 的密码`}>
                        重置密码
                      </Button>
                      <Button size="small" type="link" onClick={() => onShowLogins(u.username)}>
                        登录记录
                      </Button>
                    </Space>
                  ),
              },
            ]}
          />
        </QueryState>
      </Card>
      <ResetPasswordDialog
        user={resetting}
        onClose={() => setResetting(null)}
        onDone={(u) => {
          void message.success(`已重置 ${u.username} 的密码${u.lockedUntil ? '' : '，锁定已解除'}`);
          setResetting(null);
          refresh();
          refreshLogins();
        }}
      />
    </>
  );
}

function ResetPasswordDialog({
  user,
  onClose,
  onDone,
}: {
  user: User | null;
  onClose: () => void;
  onDone: (u: User) => void;
}) {
  const [form] = Form.useForm();
  const reset = useMutation({
    mutationFn: (v: { password: string }) =>
      call<User>(
        client.POST('/api/v1/users/{id}/password', {
          params: { path: { id: user!.id } },
          body: { password: v.password },
        }),
      ),
    onSuccess: (u) => {
      form.resetFields();
      onDone(u);
    },
    onError: (e) => form.setFields([{ name: 'password', errors: [errorText(e)] }]),
  });
  return (
    <Modal
      open={!!user}
      title={`重置 ${user?.displayName ?? ''}（${user?.username ?? ''}）的密码`}
      okText="重置"
      cancelText="取消"
      confirmLoading={reset.isPending}
      onOk={() => form.submit()}
      onCancel={() => {
        form.resetFields();
        onClose();
      }}
      destroyOnHidden
    >
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        message="重置后，该用户已登录的会话立即失效；若账号因连续登录失败被锁定，锁定随之解除。请将新密码当面或电话告知本人。"
      />
      {/* its own name: field ids must not collide with the create form's "password" (labels would point there) */}
      <Form form={form} name="reset-password" layout="vertical" onFinish={(v) => reset.mutate(v)}>
        <Form.Item name="password" label="新密码" rules={PASSWORD_RULES}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function LoginsCard({ username, onUsername }: { username?: string; onUsername: (u?: string) => void }) {
  const [outcome, setOutcome] = useState<string | undefined>();
  const logins = useInfiniteQuery({
    queryKey: ['logins', username, outcome],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      call<{ items: LoginEvent[]; nextBefore: string | null }>(
        client.GET('/api/v1/auth/logins', {
          params: { query: { username, outcome: outcome as any, before: pageParam, limit: 50 } },
        }),
      ),
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
  const rows = logins.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card
      size="small"
      title={<h2 style={{ fontSize: 15, margin: 0 }}>登录记录{username ? `：${username}` : ''}</h2>}
      extra={
        <Space wrap>
          <Select
            aria-label="按结果筛选"
            allowClear
            placeholder="全部结果"
            style={{ width: 160 }}
            value={outcome}
            onChange={setOutcome}
            options={Object.entries(LOGIN_OUTCOMES).map(([value, o]) => ({ value, label: o.title }))}
          />
          {username ? <Button onClick={() => onUsername(undefined)}>显示全部用户</Button> : null}
        </Space>
      }
    >
      <QueryState query={logins}>
        <Table<LoginEvent>
          size="small"
          rowKey="id"
          data-testid="logins"
          dataSource={rows}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: '暂无登录记录' }}
          columns={[
            { title: '时间', dataIndex: 'at', render: (t: string) => time(t) },
            { title: '用户名', dataIndex: 'username' },
            { title: '地址', dataIndex: 'address' },
            {
              title: '结果',
              dataIndex: 'outcome',
              render: (o: string) => (
                <StatusTag tone={LOGIN_OUTCOMES[o]?.tone ?? 'neutral'}>{LOGIN_OUTCOMES[o]?.title ?? o}</StatusTag>
              ),
            },
            { title: '说明', dataIndex: 'reason', render: (r: string | null) => r ?? '—' },
          ]}
        />
        {logins.hasNextPage ? (
          <Button
            style={{ marginTop: 8 }}
            loading={logins.isFetchingNextPage}
            onClick={() => void logins.fetchNextPage()}
          >
            加载更多
          </Button>
        ) : null}
      </QueryState>
    </Card>
  );
}
