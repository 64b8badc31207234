import { DateTime } from 'luxon';
import type { Policy } from './policy.types';

const UNITS = ['wd', 'd', 'm'];
const ID_RE = /^[a-z0-9][a-z0-9-]*$/;
const REGION_RE = /^\d{6}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(obj: Record<string, unknown>, allowed: string[], where: string, problems: string[]) {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) problems.push(`${where}: unknown field "${key}"`);
}

/**
 * Checks the shape of one policy object and returns the problems found (empty = valid). Checks that need
 * the whole set (unknown `extends`, cycles, duplicate ids) are done by the store.
 */
export function checkPolicyShape(input: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(input)) return ['a policy must be a JSON object'];
  unknownKeys(
    input,
    [
      '$comment',
      'id',
      'title',
      'description',
      'region',
      'effectiveFrom',
      'enabled',
      'extends',
      'workflows',
      'engine',
      'orgLife',
    ],
    'policy',
    problems,
  );

  if (input.id === undefined) problems.push('missing field "id"');
  else if (typeof input.id !== 'string' || !ID_RE.test(input.id))
    problems.push(`"id" must be lower-case letters, digits and dashes, got ${JSON.stringify(input.id)}`);

  if (input.title === undefined) problems.push('missing field "title"');
  else if (typeof input.title !== 'string' || input.title.trim() === '')
    problems.push('"title" must be a non-empty string');

  if (input.description !== undefined && typeof input.description !== 'string')
    problems.push('"description" must be a string');

  if (input.region === undefined) problems.push('missing field "region"');
  else if (typeof input.region !== 'string' || (input.region !== '*' && !REGION_RE.test(input.region)))
    problems.push(`"region" must be "*" or a 6-digit division code, got ${JSON.stringify(input.region)}`);

  if (input.effectiveFrom === undefined) problems.push('missing field "effectiveFrom"');
  else if (
    typeof input.effectiveFrom !== 'string' ||
    !DATE_RE.test(input.effectiveFrom) ||
    !DateTime.fromISO(input.effectiveFrom).isValid
  )
    problems.push(`"effectiveFrom" must be a YYYY-MM-DD date, got ${JSON.stringify(input.effectiveFrom)}`);

  if (input.enabled === undefined) problems.push('missing field "enabled"');
  else if (typeof input.enabled !== 'boolean') problems.push('"enabled" must be true or false');

  if (
    input.extends !== undefined &&
    input.extends !== null &&
    (typeof input.extends !== 'string' || input.extends === '')
  )
    problems.push('"extends" must be a policy id or null');
  if (input.extends !== undefined && input.extends !== null && input.extends === input.id)
    problems.push('a policy cannot extend itself');

  if (input.workflows === undefined) problems.push('missing field "workflows"');
  else if (!isObject(input.workflows)) problems.push('"workflows" must be an object keyed by workflow key');
  else {
    for (const [wfKey, wf] of Object.entries(input.workflows)) {
      const where = `workflows.${wfKey}`;
      if (!isObject(wf)) {
        problems.push(`${where} must be an object { deadlines, params }`);
        continue;
      }
      unknownKeys(wf, ['$comment', 'deadlines', 'params'], where, problems);
      if (wf.deadlines !== undefined) {
        if (!isObject(wf.deadlines)) problems.push(`${where}.deadlines must be an object keyed by deadline key`);
        else
          for (const [dKey, d] of Object.entries(wf.deadlines)) {
            const dWhere = `${where}.deadlines.${dKey}`;
            if (!isObject(d)) {
              problems.push(`${dWhere} must be { amount, unit }`);
              continue;
            }
            unknownKeys(d, ['amount', 'unit'], dWhere, problems);
            if (d.amount === undefined) problems.push(`${dWhere}: missing field "amount"`);
            else if (typeof d.amount !== 'number' || !Number.isInteger(d.amount) || d.amount < 0)
              problems.push(`${dWhere}: "amount" must be a non-negative integer, got ${JSON.stringify(d.amount)}`);
            if (d.unit === undefined) problems.push(`${dWhere}: missing field "unit"`);
            else if (typeof d.unit !== 'string' || !UNITS.includes(d.unit))
              problems.push(`${dWhere}: unknown unit ${JSON.stringify(d.unit)} (expected wd, d or m)`);
          }
      }
      if (wf.params !== undefined && !isObject(wf.params)) problems.push(`${where}.params must be an object`);
    }
  }

  if (input.engine !== undefined) {
    if (!isObject(input.engine)) problems.push('"engine" must be an object');
    else {
      const e = input.engine;
      unknownKeys(e, ['escalationSecondLevelWd', 'reminderHour', 'quietHours'], 'engine', problems);
      if (
        e.escalationSecondLevelWd !== undefined &&
        (!Number.isInteger(e.escalationSecondLevelWd) || (e.escalationSecondLevelWd as number) < 0)
      )
        problems.push('engine.escalationSecondLevelWd must be a non-negative integer');
      if (
        e.reminderHour !== undefined &&
        (!Number.isInteger(e.reminderHour) || (e.reminderHour as number) < 0 || (e.reminderHour as number) > 23)
      )
        problems.push('engine.reminderHour must be an integer 0–23');
      if (e.quietHours !== undefined) {
        const q = e.quietHours;
        if (!isObject(q)) problems.push('engine.quietHours must be { from: "HH:MM", to: "HH:MM" }');
        else {
          unknownKeys(q, ['from', 'to'], 'engine.quietHours', problems);
          for (const k of ['from', 'to'])
            if (typeof q[k] !== 'string' || !HHMM_RE.test(q[k] as string))
              problems.push(`engine.quietHours.${k} must be "HH:MM", got ${JSON.stringify(q[k])}`);
        }
      }
    }
  }
  // organizational-life settings: the shape of each field is checked by libs/org-life, which owns them
  if (input.orgLife !== undefined && !isObject(input.orgLife)) problems.push('"orgLife" must be an object');
  return problems;
}

/** Normalizes a valid policy object (extends defaults to null, workflows fill in empty maps). */
export function normalizePolicy(input: Record<string, any>): Policy {
  const workflows: Policy['workflows'] = {};
  for (const [k, wf] of Object.entries(input.workflows as Record<string, any>))
    workflows[k] = { deadlines: { ...(wf.deadlines ?? {}) }, params: structuredClone(wf.params ?? {}) };
  const policy: Policy = {
    id: input.id,
    title: input.title,
    region: input.region,
    effectiveFrom: input.effectiveFrom,
    enabled: input.enabled,
    extends: input.extends ?? null,
    workflows,
  };
  if (input.description !== undefined) policy.description = input.description;
  if (input.engine !== undefined) policy.engine = structuredClone(input.engine);
  if (input.orgLife !== undefined) policy.orgLife = structuredClone(input.orgLife);
  return policy;
}
