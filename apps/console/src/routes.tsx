import {
  ApartmentOutlined,
  AuditOutlined,
  BarChartOutlined,
  FileSearchOutlined,
  FlagOutlined,
  InboxOutlined,
  SettingOutlined,
  PlusCircleOutlined,
  TeamOutlined,
} from '@ant-design/icons';
import type { ComponentType, ReactNode } from 'react';

/**
 * The console's pages. Each is loaded on first visit (its own chunk), so login + inbox stay small.
 * To add a page: one entry here; `menu` puts it in the side menu for the listed roles (all roles when
 * `roles` is absent).
 */
export interface AppRoute {
  /** Path below the signed-in layout, e.g. `cases/:id`. */
  path: string;
  load: () => Promise<{ default: ComponentType }>;
  menu?: {
    label: string;
    icon: ReactNode;
    roles?: string[];
    order: number;
    /** A further condition on the signed-in user's own organizations' types (e.g. only a city committee's clerk). */
    orgTypes?: { role: string; types: string[] };
  };
}

export const appRoutes: AppRoute[] = [
  {
    path: 'inbox',
    load: () => import('./pages/InboxPage'),
    menu: { label: '待办', icon: <InboxOutlined />, order: 10 },
  },
  {
    path: 'cases',
    load: () => import('./pages/CasesPage'),
    menu: { label: '案件', icon: <FileSearchOutlined />, order: 20 },
  },
  {
    path: 'cases/new',
    load: () => import('./pages/OpenCasePage'),
    menu: { label: '发起流程', icon: <PlusCircleOutlined />, roles: ['clerk', 'admin'], order: 30 },
  },
  { path: 'cases/:id', load: () => import('./pages/CasePage') },
  {
    path: 'registry',
    load: () => import('./pages/RegistryPage'),
    menu: { label: '组织与党员', icon: <ApartmentOutlined />, order: 40 },
  },
  { path: 'members/:id', load: () => import('./pages/MemberPage') },
  // the supervisor's and administrator's pages
  {
    path: 'audit',
    load: () => import('./pages/AuditPage'),
    menu: { label: '审计', icon: <AuditOutlined />, roles: ['admin', 'supervisor', 'orgdept', 'clerk'], order: 60 },
  },
  {
    path: 'campaigns',
    load: () => import('./pages/CampaignsPage'),
    menu: { label: '年度考核', icon: <FlagOutlined />, roles: ['admin', 'clerk'], order: 65 },
  },
  {
    path: 'dashboards',
    load: () => import('./pages/DashboardsPage'),
    menu: { label: '统计', icon: <BarChartOutlined />, roles: ['admin', 'supervisor', 'orgdept', 'clerk'], order: 70 },
  },
  {
    // admins manage every user; a city committee's clerk the clerks below its committee (the API decides)
    path: 'users',
    load: () => import('./pages/UsersPage'),
    menu: {
      label: '用户管理',
      icon: <TeamOutlined />,
      roles: ['admin', 'clerk'],
      orgTypes: { role: 'clerk', types: ['city_committee'] },
      order: 85,
    },
  },
  {
    path: 'system',
    load: () => import('./pages/AdminPage'),
    menu: { label: '系统管理', icon: <SettingOutlined />, roles: ['admin'], order: 90 },
  },
];
