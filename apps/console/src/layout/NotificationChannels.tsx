import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Form, Input, List, Popconfirm, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { Schemas } from '../../../../libs/api-client';
import { call, client } from '../api/http';
import { useAuth } from '../auth/auth';
import { putBesideFields } from '../components/fieldRefusals';

type Channel = Schemas['ChannelView'];
interface NewChannel {
  channel: 'email' | 'webhook';
  address: string;
  secret?: string;
  /** '' for myself, else an organization I am a clerk of */
  owner: string;
}

const CHANNEL_TITLES: Record<string, string> = { email: '电子邮件', webhook: 'Webhook（企业微信、钉钉机器人等）' };

/**
 * 外发渠道: where reminders, overdue notices and escalations go besides this drawer — an e-mail address or a
 * webhook (an enterprise-messaging robot), for myself or for an organization I am a clerk of; with removal.
 * The API checks the address (a webhook only to addresses it may send to) and says why it refuses one.
 */
export function NotificationChannels() {
  const { me } = useAuth();
  const qc = useQueryClient();
  const channels = useQuery({
    queryKey: ['notification-channels'],
    queryFn: () => call<Channel[]>(client.GET('/api/v1/notifications/channels', { params: { query: {} } })),
  });
  const [form] = Form.useForm<NewChannel>();
  const kind = Form.useWatch('channel', form);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const clerkOrgIds = [...new Set((me?.roles ?? []).filter((r) => r.role === 'clerk').map((r) => r.orgId))];
  // the names of the organizations I may subscribe for (a user holds a role or two: one read each)
  const orgs = useQueries({
    queries: clerkOrgIds.map((id) => ({
      queryKey: ['org', id],
      queryFn: () => call<{ id: string; name: string }>(client.GET('/api/v1/orgs/{id}', { params: { path: { id } } })),
      staleTime: 10 * 60_000,
    })),
  });
  const names = new Map(orgs.flatMap((q) => (q.data ? [[q.data.id, q.data.name] as const] : [])));
  const orgName = (id: string | null) => (id ? (names.get(id) ?? '党组织') : '本人');
  const refresh = () => qc.invalidateQueries({ queryKey: ['notification-channels'] });
  const add = async () => {
    const v = await form.validateFields();
    setBusy(true);
    setError(null);
    try {
      await call(
        client.POST('/api/v1/notifications/channels', {
          body: {
            channel: v.channel,
            address: v.address.trim(),
            enabled: true,
            ...(v.channel === 'webhook' && v.secret ? { secret: v.secret } : {}),
            ...(v.owner ? { orgId: v.owner } : {}),
          },
        }),
      );
      form.resetFields(['address', 'secret']);
      await refresh();
    } catch (e) {
      const left = putBesideFields(form, e);
      if (left) setError(left);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id: string) => {
    await call(client.DELETE('/api/v1/notifications/channels/{id}', { params: { path: { id } } }));
    await refresh();
  };
  return (
    <div data-testid="notification-channels">
      <Typography.Title level={3} style={{ fontSize: 15 }}>
        外发渠道
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
        提醒、逾期和督办通知除在此处显示外，还可发送到电子邮件或企业微信、钉钉等机器人的 webhook 地址。
      </Typography.Paragraph>
      <List<Channel>
        size="small"
        loading={channels.isPending}
        dataSource={channels.data ?? []}
        locale={{ emptyText: '尚未订阅外发渠道' }}
        renderItem={(c) => (
          <List.Item
            data-testid="notification-channel"
            actions={[
              <Popconfirm
                key="d"
                title="取消该订阅？"
                okText="取消订阅"
                cancelText="保留"
                onConfirm={() => remove(c.id)}
              >
                <Button size="small" type="link" danger>
                  取消订阅
                </Button>
              </Popconfirm>,
            ]}
          >
            <Space size={4} wrap>
              <Tag>{c.channel === 'email' ? '邮件' : 'Webhook'}</Tag>
              <span style={{ wordBreak: 'break-all' }}>{c.address}</span>
              <Tag color={c.orgId ? 'blue' : 'default'}>{orgName(c.orgId)}</Tag>
              {c.hasSecret ? <Tag color="green">已设签名密钥</Tag> : null}
            </Space>
          </List.Item>
        )}
      />
      <Form
        form={form}
        layout="vertical"
        size="small"
        style={{ marginTop: 12 }}
        initialValues={{ channel: 'email', owner: '' }}
      >
        <Space wrap align="start">
          <Form.Item name="channel" label="渠道">
            <Select
              style={{ width: 200 }}
              options={Object.entries(CHANNEL_TITLES).map(([value, label]) => ({ value, label }))}
            />
          </Form.Item>
          <Form.Item name="owner" label="接收">
            <Select
              style={{ width: 200 }}
              options={[{ value: '', label: '本人' }, ...clerkOrgIds.map((id) => ({ value: id, label: orgName(id) }))]}
            />
          </Form.Item>
        </Space>
        <Form.Item
          name="address"
          label={kind === 'webhook' ? 'Webhook 地址' : '电子邮件地址'}
          rules={[{ required: true, whitespace: true, message: '请填写地址' }]}
        >
          <Input placeholder={kind === 'webhook' ? 'https://…' : 'name@example.com'} />
        </Form.Item>
        {kind === 'webhook' ? (
          <Form.Item
            name="secret"
            label="签名密钥（可选，至少 8 位）"
            extra="用于 X-PartyFlow-Signature 的 HMAC-SHA256 签名"
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        ) : null}
        {error ? <Alert type="error" showIcon message={error} style={{ marginBottom: 8 }} /> : null}
        <Button onClick={() => void add()} loading={busy}>
          添加订阅
        </Button>
      </Form>
    </div>
  );
}
