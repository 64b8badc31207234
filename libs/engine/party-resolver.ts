import { EntityManager } from 'typeorm';
import type { SubjectFacts, WorkflowDefinition } from '../../workflows/kernel/definition';
import { AppError } from '../common/app-error';
import { OrganizationsRepository, OrgRow } from '../registry/organizations.repository';

export interface ResolvedParties {
  /** party name → org id */
  parties: Record<string, string>;
  /** every party org and its ancestors: the case's visibility scope */
  scopeOrgIds: string[];
  /** region code of the city committee (for policy selection) */
  regionCode: string;
}

const pathIds = (path: string) => path.split('/').filter(Boolean);
const UPPER_TYPES = ['city_committee', 'provincial_committee'];

const referencedCache = new WeakMap<WorkflowDefinition, Set<string>>();

/** Party names used by any actor rule of the definition (openers, states, events, deadlines). */
export function referencedParties(def: WorkflowDefinition): Set<string> {
  let names = referencedCache.get(def);
  if (!names) referencedCache.set(def, (names = collectReferencedParties(def)));
  return names;
}

function collectReferencedParties(def: WorkflowDefinition): Set<string> {
  const rules = [
    ...def.openers,
    ...Object.values(def.states).flatMap((s) => s.actors ?? []),
    ...Object.values(def.events).flatMap((e) => e.actors ?? []),
  ];
  const names = new Set(rules.map((r) => r.party));
  for (const s of Object.values(def.states))
    for (const d of s.deadlines ?? []) {
      if (d.party) names.add(d.party);
      for (const p of d.escalateTo ?? []) names.add(p);
    }
  return names;
}

/**
 * Org rows a caller already read in the opening's transaction, beside its own rows in one statement: what
 * `withAncestorsAndDepartments(covered)` answers (`partyOrgsJsonSql`).
 */
export interface PartyOrgsRead {
  /** the ids whose ancestors the rows hold */
  covered: string[];
  rows: PartyOrgRow[];
}

/**
 * Turns a definition's base parties into org ids and adds the derived ones (`PUpper`, `city`, `county`,
 * `orgdept`), reading the org tree — unless `read` already holds it for every id the parties start from.
 * Runs inside the opening transaction.
 */
export async function resolveParties(
  orgs: OrganizationsRepository,
  em: EntityManager,
  def: WorkflowDefinition,
  subject: SubjectFacts,
  input: unknown,
  read?: PartyOrgsRead,
): Promise<ResolvedParties> {
  const { baseIds, ids } = baseParties(def, subject, input);
  // rows of more orgs than these change nothing: resolution only follows the paths of the ids it starts from
  const rows =
    read && ids.every((id) => read.covered.includes(id)) ? read.rows : await orgs.withAncestorsAndDepartments(em, ids);
  return resolveFromOrgs(orgs, em, def, subject, baseIds, rows);
}

/** Org ids a case's parties start from: the definition's base parties and the subject's own org. */
export function baseParties(
  def: WorkflowDefinition,
  subject: SubjectFacts,
  input: unknown,
): { baseIds: Record<string, string>; ids: string[] } {
  const base = def.parties(subject, input);
  if ('error' in base && typeof base.error === 'string') throw AppError.rule(base.error);
  const baseIds = Object.fromEntries(Object.entries(base).filter(([, v]) => typeof v === 'string')) as Record<
    string,
    string
  >;
  const subjectOrgId = subjectOrgOf(subject);
  return { baseIds, ids: [...new Set([...Object.values(baseIds), ...(subjectOrgId ? [subjectOrgId] : [])])] };
}

const subjectOrgOf = (subject: SubjectFacts) =>
  subject.member?.orgId ?? subject.org?.id ?? subject.firm?.partyOrgId ?? undefined;

export type PartyOrgRow = OrgRow & { dept: boolean };

/** Loaded party orgs by id, and the organization departments (oldest first); built once per batch. */
export interface PartyOrgIndex {
  byId: Map<string, OrgRow>;
  departments: PartyOrgRow[];
}

export function indexPartyOrgs(rows: PartyOrgRow[]): PartyOrgIndex {
  return { departments: rows.filter((o) => o.dept), byId: new Map(rows.filter((o) => !o.dept).map((o) => [o.id, o])) };
}

/** Resolves parties from loaded org rows (queries again only for firm subjects, whose region decides). */
export async function resolveFromOrgs(
  orgs: OrganizationsRepository,
  em: EntityManager,
  def: WorkflowDefinition,
  subject: SubjectFacts,
  baseIds: Record<string, string>,
  rows: PartyOrgRow[] | PartyOrgIndex,
): Promise<ResolvedParties> {
  const subjectOrgId = subjectOrgOf(subject);
  const { departments, byId: loaded } = Array.isArray(rows) ? indexPartyOrgs(rows) : rows;
  // own copy: the city found by region is added below (the index may be shared by a whole batch)
  const added = new Map<string, OrgRow>();
  const byId = {
    get: (id: string) => added.get(id) ?? loaded.get(id),
    has: (id: string) => added.has(id) || loaded.has(id),
    set: (id: string, o: OrgRow) => added.set(id, o),
  };
  for (const [party, orgId] of Object.entries(baseIds))
    if (!byId.has(orgId))
      throw AppError.validation([{ field: `input.${party}`, errors: [`组织不存在：${orgId}`] }], '指定的党组织不存在');
  const upperOf = (org: OrgRow): OrgRow | undefined =>
    pathIds(org.path)
      .slice(0, -1)
      .reverse()
      .map((id) => byId.get(id)!)
      .find((o) => o && UPPER_TYPES.includes(o.type));

  const parties: Record<string, string> = { ...baseIds };
  for (const [party, orgId] of Object.entries(baseIds)) {
    const org = byId.get(orgId)!;
    const upper = def.committeeIsItsOwnUpper && UPPER_TYPES.includes(org.type) ? org : upperOf(org);
    if (upper) parties[`${party}Upper`] = upper.id;
  }

  const cityFromTree = (orgId?: string) => {
    const org = orgId ? byId.get(orgId) : undefined;
    if (!org) return undefined;
    if (org.type === 'city_committee') return org;
    return pathIds(org.path)
      .map((id) => byId.get(id)!)
      .reverse()
      .find((o) => o?.type === 'city_committee');
  };
  let city = cityFromTree(subjectOrgId) ?? Object.values(baseIds).map(cityFromTree).find(Boolean);
  if (!city && subject.firm) city = await orgs.cityCommitteeOf((subject.firm as any).regionCode ?? '', em);
  if (city) {
    parties.city = city.id;
    byId.set(city.id, city);
  }

  let county: OrgRow | undefined;
  if (subject.firm) {
    county = await orgs.countyCommitteeOf(
      { regionCode: (subject.firm as any).regionCode ?? '', county: subject.firm.county },
      em,
    );
  } else if (subjectOrgId) {
    county = pathIds(byId.get(subjectOrgId)?.path ?? '')
      .map((id) => byId.get(id)!)
      .reverse()
      .find((o) => o?.type === 'county_committee');
  }
  if (county) parties.county = county.id;

  // the city's own organization department, else the oldest one
  const orgdept = departments.find((d) => d.region_code === city?.region_code) ?? departments[0];
  if (orgdept) parties.orgdept = orgdept.id;

  // derived parties the procedure never names are dropped, so they widen nobody's view of the case
  const named = referencedParties(def);
  for (const p of Object.keys(parties)) if (!(p in baseIds) && !named.has(p) && !p.endsWith('Upper')) delete parties[p];
  const pathOf = (id: string) =>
    byId.get(id)?.path ?? (county?.id === id ? county.path : orgdept?.id === id ? orgdept.path : undefined);
  const scopePaths = Object.values(parties).map(pathOf).filter(Boolean) as string[];
  const scopeOrgIds = [...new Set([...scopePaths.flatMap(pathIds), ...Object.values(parties)])];
  // the subject's own organization is always in scope (its clerks follow their member's case)
  if (subjectOrgId)
    for (const id of pathIds(byId.get(subjectOrgId)?.path ?? '')) if (!scopeOrgIds.includes(id)) scopeOrgIds.push(id);
  return { parties, scopeOrgIds, regionCode: city?.region_code ?? '*' };
}
