import { workflowSchemas } from '../apps/api/workflow-schemas';
import { ENUM_LABELS, FIELD_LABELS, enumLabel } from '../apps/console/src/fieldLabels';
import { WORKFLOW_DEFINITIONS } from '../workflows';

interface Schema {
  title?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
}

/**
 * The console builds every form, and words every recorded value in the history, from the workflows' JSON
 * Schemas: a field without a Chinese label (its schema's own title, else FIELD_LABELS) would show a clerk its
 * code name, and a coded value without one (ENUM_LABELS) its code (`member_recommendation`, `II`). Every
 * procedure's opening input and event data must be covered, so a new field cannot ship unlabelled.
 */
describe('console labels cover every workflow field and coded value', () => {
  const unlabelled: string[] = [];
  const walk = (where: string, schema: Schema | undefined, field: string) => {
    if (!schema) return;
    for (const [name, s] of Object.entries(schema.properties ?? {})) {
      if (!s.title && !FIELD_LABELS[name]) unlabelled.push(`${where}: field ${name}`);
      walk(where, s, name);
    }
    walk(where, schema.items, field);
    for (const value of schema.enum ?? [])
      if (enumLabel(field, String(value)) === String(value)) unlabelled.push(`${where}: ${field} = ${String(value)}`);
  };
  for (const def of WORKFLOW_DEFINITIONS) {
    const schemas = workflowSchemas(def);
    walk(`${def.key} (opening)`, schemas.input as Schema, 'input');
    for (const e of schemas.events) walk(`${def.key} ${e.type}`, e.data as Schema, e.type);
  }

  it('has a Chinese label for every field and every coded value', () => {
    expect([...new Set(unlabelled)]).toEqual([]);
  });

  it('labels coded values in Chinese (no label is its own code)', () => {
    const selfLabelled = Object.entries(ENUM_LABELS).flatMap(([field, values]) =>
      Object.entries(values)
        .filter(([code, label]) => code === label || !/[\u4e00-\u9fff]/.test(label))
        .map(([code]) => `${field}.${code}`),
    );
    expect(selfLabelled).toEqual([]);
  });
});
