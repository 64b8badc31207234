import { useOrg } from '../api/hooks';
import { useAuth } from '../auth/auth';
import { appRoutes, type AppRoute } from '../routes';

/**
 * Which menu entries the signed-in user holds: an entry's roles, and for an entry limited by organization type,
 * the listed role only at an organization of those types (the user's first organization is the one the console
 * knows; other roles count as they are). Pages ask it too, so that they do not fetch what the user may not read.
 */
export function useMenuAccess(): (menu: NonNullable<AppRoute['menu']>) => boolean {
  const { me } = useAuth();
  const first = me?.roles[0];
  const org = useOrg(first?.orgId);
  return (menu) =>
    !menu.roles ||
    !!me?.roles.some(
      (x) =>
        menu.roles!.includes(x.role) &&
        (!menu.orgTypes ||
          x.role !== menu.orgTypes.role ||
          (x.orgId === first?.orgId && !!org.data && menu.orgTypes.types.includes(org.data.type))),
    );
}

/** Whether the user holds the menu entry of a route path (`users`, `system`, …). */
export function useHoldsRoute(path: string): boolean {
  const holds = useMenuAccess();
  const menu = appRoutes.find((r) => r.path === path)?.menu;
  return !!menu && holds(menu);
}
