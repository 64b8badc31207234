import { maskIdNumber } from '../common/resident-id';

export { maskIdNumber };

/** The personal data a non-admin sees of a person: the ID number masked, birth date and gender withheld (null). */
export function maskPersonalData<T extends { idNumber?: string | null; birthDate?: unknown; gender?: unknown }>(
  person: T,
): T {
  return {
    ...person,
    ...(typeof person.idNumber === 'string' ? { idNumber: maskIdNumber(person.idNumber) } : {}),
    ...('birthDate' in person ? { birthDate: null } : {}),
    ...('gender' in person ? { gender: null } : {}),
  };
}

/** A JSON value (e.g. a licensing event's body) with every `idNumber` in it masked and birth dates and genders withheld. */
export function maskPersonalDataDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskPersonalDataDeep);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'idNumber' && typeof v === 'string') out[k] = maskIdNumber(v);
    else if (k === 'birthDate' || k === 'gender') out[k] = v === undefined ? v : null;
    else out[k] = maskPersonalDataDeep(v);
  }
  return out;
}
