import { FileSearchOutlined, InboxOutlined } from '@ant-design/icons';
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
  menu?: { label: string; icon: ReactNode; roles?: string[]; order: number };
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
];
