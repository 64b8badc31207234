import { useQuery } from '@tanstack/react-query';
import { call, client } from './http';
import type { Schemas } from '../../../../libs/api-client';
import type { Org, WorkflowDetail, WorkflowSummary } from './types';
import { withFieldTitles } from '../fieldLabels';

/** One organization by id (names of the caller's own orgs, parties of a case). */
export const useOrg = (id: string | undefined | null) =>
  useQuery({
    queryKey: ['org', id],
    queryFn: () => call<Org>(client.GET('/api/v1/orgs/{id}', { params: { path: { id: id! } } })),
    enabled: !!id,
    staleTime: 10 * 60_000,
    retry: false,
  });

export const useWorkflows = () =>
  useQuery({
    queryKey: ['workflows'],
    queryFn: () => call<WorkflowSummary[]>(client.GET('/api/v1/workflows')),
    staleTime: Infinity,
  });

export const useWorkflow = (key: string | undefined) =>
  useQuery({
    queryKey: ['workflow', key],
    queryFn: async () => {
      const wf = await call<WorkflowDetail>(client.GET('/api/v1/workflows/{key}', { params: { path: { key: key! } } }));
      // a field name shared by procedures (summary: 述职摘要, 考察情况, 整改进展…) is labelled for its use here
      return {
        ...wf,
        inputSchema: withFieldTitles(wf.inputSchema, wf.key, 'OPEN'),
        eventSchemas: Object.fromEntries(
          Object.entries(wf.eventSchemas ?? {}).map(([type, s]) => [type, withFieldTitles(s, wf.key, type)]),
        ),
      };
    },
    enabled: !!key,
    staleTime: Infinity,
  });

/** Title of a state (a parallel state's value is an object: its active leaves joined). */
export function stateTitle(wf: WorkflowSummary | undefined, state: unknown, fallback?: string): string {
  if (fallback) return fallback;
  const names = leafStates(state);
  return names.map((n) => wf?.states.find((s) => s.name === n)?.title ?? n).join('、');
}

export function leafStates(state: unknown, prefix = ''): string[] {
  if (typeof state === 'string') return [prefix ? `${prefix}.${state}` : state];
  if (state && typeof state === 'object')
    return Object.entries(state).flatMap(([k, v]) => leafStates(v, prefix ? `${prefix}.${k}` : k));
  return [];
}

/**
 * The party members of an organization (full and probationary: both take part in its life and pay dues), by
 * name: whom a branch's records and its secretary are chosen from.
 */
export const useOrgPartyMembers = (orgId: string) =>
  useQuery({
    queryKey: ['org-party-members', orgId],
    queryFn: async () => {
      const page = await call<{ items: Schemas['MemberView'][] }>(
        client.GET('/api/v1/members', { params: { query: { orgId, pageSize: 500 } } } as any),
      );
      return page.items
        .filter((m) => m.status === 'full' || m.status === 'probationary')
        .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    },
  });
