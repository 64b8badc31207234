import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Divider, Drawer, Empty, List, Space, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { call, client } from '../api/http';
import type { NotificationItem } from '../api/types';
import { NotificationChannels } from './NotificationChannels';
import { useNotifications } from './NotificationsBell';
import { formatTime } from '../time';

const KIND_TITLES: Record<string, { label: string; color: string }> = {
  // preset colours: styles.css darkens their text to keep AA contrast
  reminder: { label: '提醒', color: 'orange' },
  overdue: { label: '逾期', color: 'red' },
  escalation: { label: '督办', color: 'magenta' },
  urge: { label: '催办', color: 'red' },
  lapsed: { label: '届满', color: 'blue' },
  info: { label: '通知', color: 'default' },
};

/** The title without its 【逾期】-style prefix: the coloured tag beside it already says so. */
const plainTitle = (t: string) => t.replace(/^【[^】]{1,8}】/, '') || t;

/** The notifications drawer (loaded on first open): reminders and escalations with mark-as-read. */
export default function NotificationsDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const q = useNotifications();
  const qc = useQueryClient();
  const unread = q.data?.unread ?? 0;
  const refresh = () => qc.invalidateQueries({ queryKey: ['notifications'] });
  const readOne = useMutation({
    mutationFn: (id: string) => call(client.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const readAll = useMutation({
    mutationFn: () => call(client.POST('/api/v1/notifications/read-all')),
    onSuccess: refresh,
  });
  const setOpen = (_: boolean) => onClose();
  return (
    <Drawer
      title="通知"
      open={open}
      onClose={() => setOpen(false)}
      size="default"
      extra={
        <Button size="small" disabled={!unread} loading={readAll.isPending} onClick={() => readAll.mutate()}>
          全部标为已读
        </Button>
      }
    >
      <List<NotificationItem>
        loading={q.isPending}
        dataSource={q.data?.items ?? []}
        locale={{ emptyText: <Empty description="暂无通知" /> }}
        renderItem={(n) => {
          const kind = KIND_TITLES[n.kind] ?? { label: n.kind, color: 'default' };
          return (
            <List.Item
              data-testid="notification"
              style={{ background: n.readAt ? undefined : '#fff7e6', paddingInline: 8 }}
              actions={
                n.readAt
                  ? []
                  : [
                      <Button key="r" size="small" type="link" onClick={() => readOne.mutate(n.id)}>
                        标为已读
                      </Button>,
                    ]
              }
            >
              <List.Item.Meta
                title={
                  <Space size={4} wrap>
                    <Tag color={kind.color}>{kind.label}</Tag>
                    {n.caseId ? (
                      <Link to={`/cases/${n.caseId}`} onClick={() => setOpen(false)}>
                        {plainTitle(n.title ?? n.subject ?? '通知')}
                      </Link>
                    ) : (
                      <span>{plainTitle(n.title ?? n.subject ?? '通知')}</span>
                    )}
                  </Space>
                }
                description={
                  <>
                    <div>{n.body ?? n.text ?? ''}</div>
                    <Typography.Text type="secondary">{formatTime(n.createdAt)}</Typography.Text>
                  </>
                }
              />
            </List.Item>
          );
        }}
      />
      <Divider />
      <NotificationChannels />
    </Drawer>
  );
}
