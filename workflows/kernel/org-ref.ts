/**
 * Organization references in opening inputs and event payloads. Naming an organization gives it a part in
 * a case (its clerks act, see and are reminded), so the engine lets a caller name only organizations in
 * their own scope — unless the field says the procedure reaches beyond it (a transfer's receiving
 * organization may be anywhere). Every field that names an organization declares which it is
 * (`definitionProblems` checks it), so a new field cannot silently skip the check.
 */
export type OrgRefReach = 'callerScope' | 'anywhere';

const REFS = new WeakMap<object, Map<string, OrgRefReach>>();

/** Marks a property as naming an organization by id (a string, or an array of them). */
export function OrgRef(reach: OrgRefReach = 'callerScope'): PropertyDecorator {
  return (target, key) => {
    const ctor = target.constructor;
    let refs = REFS.get(ctor);
    if (!refs) REFS.set(ctor, (refs = new Map()));
    refs.set(String(key), reach);
  };
}

/** The organization fields a class declares, with their reach. */
export function orgRefsOf(cls: object | undefined): Map<string, OrgRefReach> {
  return (cls && REFS.get(cls)) ?? new Map();
}

/** Organization ids a validated value names in fields that must lie in the caller's scope, by field. */
export function callerScopeOrgIds(cls: object | undefined, value: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const [field, reach] of orgRefsOf(cls)) {
    if (reach !== 'callerScope') continue;
    const v = value[field];
    for (const id of Array.isArray(v) ? v : [v]) if (typeof id === 'string') out.push([field, id]);
  }
  return out;
}

/** Does a field's name say it holds an organization id (`orgId`, `toOrgId`, `jointBranchId`, …)? */
export const looksLikeOrgField = (name: string) => /(^org|Org|Branch)Ids?$/.test(name);
