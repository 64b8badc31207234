import { KeyOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Dropdown, Grid, Layout, Menu } from 'antd';
import { lazy, Suspense, useState } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { useOrg } from '../api/hooks';
import { useAuth } from '../auth/auth';
import { ROLE_TITLES } from '../labels';
import { PageLoading } from '../router';
import { appRoutes } from '../routes';
import { NotificationsBell } from './NotificationsBell';
import { SystemClockTag } from './SystemClockTag';
import { useMenuAccess } from './menuAccess';

const { Header, Sider, Content } = Layout;

// dialogs load on first use: they are not part of the first visit's budget
const ChangePasswordDialog = lazy(() => import('./ChangePasswordDialog'));

function WhoAmI() {
  const { me } = useAuth();
  const first = me?.roles[0];
  const org = useOrg(first?.orgId);
  if (!me) return null;
  return (
    <span data-testid="whoami" title={me.displayName}>
      {me.username}
      <span style={{ marginLeft: 8, opacity: 0.9 }}>
        {org.data?.name ?? ''} · {me.roles.map((r) => ROLE_TITLES[r.role] ?? r.role).join('、')}
      </span>
    </span>
  );
}

export function AppLayout() {
  const { me, logout } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const narrow = !screens.md;
  const [pwOpen, setPwOpen] = useState(false);
  const [pwLoaded, setPwLoaded] = useState(false);
  const first = me?.roles[0];
  const org = useOrg(first?.orgId);

  const holds = useMenuAccess();
  const items = appRoutes
    .filter((r) => r.menu && holds(r.menu))
    .sort((a, b) => a.menu!.order - b.menu!.order)
    .map((r) => ({ key: `/${r.path}`, icon: r.menu!.icon, label: <Link to={`/${r.path}`}>{r.menu!.label}</Link> }));
  // the deepest menu entry that prefixes the current path is the selected one
  const selected = items
    .map((i) => i.key)
    .filter((k) => location.pathname === k || location.pathname.startsWith(`${k}/`))
    .sort((a, b) => b.length - a.length)
    .slice(0, 1);

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="pf-skip" href="#main">
        跳到正文
      </a>
      <Header
        style={{
          display: 'flex',
          alignItems: 'center',
          gap: 12,
          padding: narrow ? '0 12px' : '0 24px',
          background: '#a8071a',
        }}
      >
        <Link to="/inbox" style={{ color: '#fff', fontWeight: 600, fontSize: narrow ? 15 : 17, whiteSpace: 'nowrap' }}>
          {narrow ? '党建工作台' : 'PartyFlow 律师行业党建工作台'}
        </Link>
        <div style={{ flex: 1 }} />
        <SystemClockTag compact={narrow} />
        <NotificationsBell />
        <Dropdown
          trigger={['click']}
          menu={{
            items: [
              {
                key: 'who',
                disabled: true,
                label: (
                  <div>
                    <div>
                      {me?.displayName}（{me?.username}）
                    </div>
                    <div>{org.data?.name}</div>
                    <div>{me?.roles.map((r) => ROLE_TITLES[r.role] ?? r.role).join('、')}</div>
                  </div>
                ),
              },
              { type: 'divider' },
              {
                key: 'pw',
                icon: <KeyOutlined />,
                label: '修改密码',
                onClick: () => {
                  setPwLoaded(true);
                  setPwOpen(true);
                },
              },
              { key: 'logout', icon: <LogoutOutlined />, label: '退出登录', onClick: logout },
            ],
          }}
        >
          <Button type="text" style={{ color: '#fff' }} icon={<UserOutlined />} aria-label="当前用户菜单">
            {narrow ? null : <WhoAmI />}
          </Button>
        </Dropdown>
      </Header>
      <Layout>
        {narrow ? null : (
          <Sider width={200} theme="light" breakpoint="md" collapsedWidth={0}>
            <nav aria-label="主菜单">
              <Menu mode="inline" selectedKeys={selected} items={items} style={{ borderInlineEnd: 0 }} />
            </nav>
          </Sider>
        )}
        <Content id="main" tabIndex={-1} style={{ padding: narrow ? 8 : 24, minWidth: 0 }}>
          {narrow ? (
            <nav aria-label="主菜单" className="pf-nav-narrow">
              {/* every entry stays in the strip (it scrolls sideways): antd's overflow "…" keeps hidden copies
                  of the entries that are still focusable, which screen readers trip over */}
              <Menu
                mode="horizontal"
                disabledOverflow
                selectedKeys={selected}
                items={items}
                onClick={(e) => navigate(e.key)}
              />
            </nav>
          ) : null}
          <Suspense fallback={<PageLoading />}>
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
      {pwLoaded ? (
        <Suspense fallback={null}>
          <ChangePasswordDialog open={pwOpen} onClose={() => setPwOpen(false)} />
        </Suspense>
      ) : null}
    </Layout>
  );
}
