import type { Org, Page } from '../api/types';

/** `GET /orgs` as a flat list, whether it answered a tree, a list or a page. */
export function flattenOrgs(data: Org[] | Page<Org> | undefined): Org[] {
  const roots = Array.isArray(data) ? data : (data?.items ?? []);
  const out: Org[] = [];
  const walk = (o: Org) => {
    out.push(o);
    (o.children ?? []).forEach(walk);
  };
  roots.forEach(walk);
  return out.filter((o, i) => out.findIndex((x) => x.id === o.id) === i);
}
