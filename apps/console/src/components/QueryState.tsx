import { Alert, Button, Empty, Spin } from 'antd';
import { lazy, type ReactNode } from 'react';
import { ApiError } from '../api/http';

const NotFoundPage = lazy(() => import('../pages/NotFoundPage'));

/** Loading, error (404 → the not-found page) and empty states for a query, else its content. */
export function QueryState({
  query,
  what,
  empty,
  isEmpty,
  children,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };
  what?: string;
  empty?: ReactNode;
  isEmpty?: boolean;
  children: ReactNode;
}) {
  if (query.isPending)
    return (
      <div style={{ padding: 48, textAlign: 'center' }} role="status">
        <Spin description="加载中…">
          <div style={{ height: 40 }} />
        </Spin>
      </div>
    );
  if (query.isError) {
    const e = query.error;
    if (e instanceof ApiError && e.status === 404) return <NotFoundPage what={what} />;
    return (
      <Alert
        type="error"
        showIcon
        title={e instanceof ApiError ? e.message : '加载失败'}
        action={<Button onClick={() => query.refetch()}>重试</Button>}
      />
    );
  }
  if (isEmpty) return <>{empty ?? <Empty description="暂无数据" />}</>;
  return <>{children}</>;
}
