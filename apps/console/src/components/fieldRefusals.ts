import type { FormInstance } from 'antd';
import { ApiError } from '../api/http';

/**
 * Puts the API's 400 details beside the fields of `form` they name, and answers what is left for the clerk to
 * read elsewhere: the refusal's message when a detail names no field of this form, or when the refusal has no
 * details (a rule), else null. Anything but an ApiError is rethrown.
 */
export function putBesideFields(form: FormInstance<any>, e: unknown): string | null {
  if (!(e instanceof ApiError)) throw e;
  const details: { field: string; errors: string[] }[] = Array.isArray(e.details) ? e.details : [];
  const known = details.filter((d) => form.getFieldInstance(d.field));
  if (known.length) form.setFields(known.map((d) => ({ name: d.field, errors: d.errors })));
  return !known.length || known.length < details.length ? e.message : null;
}
