import { BellOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Badge, Button } from 'antd';
import { lazy, Suspense, useState } from 'react';
import { call, client } from '../api/http';
import type { NotificationItem, Page } from '../api/types';

const NotificationsDrawer = lazy(() => import('./NotificationsDrawer'));

export function useNotifications() {
  return useQuery({
    queryKey: ['notifications'],
    queryFn: () =>
      call<Page<NotificationItem> & { unread: number }>(
        client.GET('/api/v1/notifications', { params: { query: { pageSize: 50 } } }),
      ),
    refetchInterval: 60_000,
  });
}

/** Unread badge in the header; the drawer (its own chunk) lists reminders and escalations. */
export function NotificationsBell() {
  const [open, setOpen] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const q = useNotifications();
  const unread = q.data?.unread ?? 0;
  return (
    <>
      <Badge count={unread} size="small" offset={[-6, 6]}>
        <Button
          type="text"
          icon={<BellOutlined style={{ color: '#fff', fontSize: 18 }} />}
          aria-label={unread ? `通知，${unread} 条未读` : '通知'}
          data-testid="notifications-bell"
          onClick={() => {
            setLoaded(true);
            setOpen(true);
          }}
        />
      </Badge>
      {loaded ? (
        <Suspense fallback={null}>
          <NotificationsDrawer open={open} onClose={() => setOpen(false)} />
        </Suspense>
      ) : null}
    </>
  );
}
