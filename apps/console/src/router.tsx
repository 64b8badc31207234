import type { QueryClient } from '@tanstack/react-query';
import { Spin } from 'antd';
import { lazy, Suspense } from 'react';
import { Navigate, Outlet, RouteObject, useLocation } from 'react-router';
import { AuthProvider, useAuth } from './auth/auth';
import { AppLayout } from './layout/AppLayout';
import LoginPage from './pages/LoginPage';
import PageError from './pages/PageError';
import { appRoutes } from './routes';

const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

export function PageLoading() {
  return (
    <div style={{ padding: 48, textAlign: 'center' }} role="status" aria-live="polite">
      <Spin description="加载中…" size="large">
        <div style={{ height: 48 }} />
      </Spin>
    </div>
  );
}

function Root() {
  return (
    <AuthProvider>
      <Suspense fallback={<PageLoading />}>
        <Outlet />
      </Suspense>
    </AuthProvider>
  );
}

/** Signed-in area: without a token, login first and come back here afterwards. */
function RequireAuth() {
  const { token, expired } = useAuth();
  const location = useLocation();
  if (!token) {
    const from = location.pathname + location.search;
    return <Navigate to={`/login?from=${encodeURIComponent(from)}${expired ? '&expired=1' : ''}`} replace />;
  }
  return <AppLayout />;
}

export function buildRoutes(_qc: QueryClient): RouteObject[] {
  return [
    {
      element: <Root />,
      hydrateFallbackElement: <PageLoading />,
      errorElement: <PageError />,
      children: [
        { path: '/login', element: <LoginPage /> },
        {
          path: '/',
          element: <RequireAuth />,
          children: [
            {
              // a page that fails to load or to draw says so in the console's frame, the menu still there (on
              // this pathless route: an errorElement beside a route's own `lazy` is not rendered when the lazy
              // load itself fails)
              errorElement: <PageError />,
              children: [
                { index: true, element: <Navigate to="/inbox" replace /> },
                ...appRoutes.map<RouteObject>((r) => ({
                  path: r.path,
                  lazy: async () => ({ Component: (await r.load()).default }),
                })),
                { path: '*', element: <NotFoundPage /> },
              ],
            },
          ],
        },
      ],
    },
  ];
}
