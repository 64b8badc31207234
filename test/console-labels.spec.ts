import { workflowSchemas } from '../apps/api/workflow-schemas';
import {
  CONTEXT_FIELD_LABELS,
  ENUM_LABELS,
  FIELD_LABELS,
  enumLabel,
  withFieldTitles,
} from '../apps/console/src/fieldLabels';
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

  it('words a field by its use where procedures share its name, and names only real uses', () => {
    // `<workflow>.<field>` or `<workflow>.<EVENT>.<field>` (OPEN: the opening input) must each be a field there
    const fieldsOf = new Map<string, Schema | undefined>();
    for (const def of WORKFLOW_DEFINITIONS) {
      const schemas = workflowSchemas(def);
      fieldsOf.set(`${def.key}.OPEN`, schemas.input as Schema);
      for (const e of schemas.events) fieldsOf.set(`${def.key}.${e.type}`, e.data as Schema);
    }
    const unknown = Object.keys(CONTEXT_FIELD_LABELS).filter((key) => {
      const parts = key.split('.');
      const field = parts.pop()!;
      const uses =
        parts.length === 2
          ? [fieldsOf.get(parts.join('.'))]
          : [...fieldsOf].filter(([k]) => k.startsWith(`${parts[0]}.`)).map(([, s]) => s);
      return !uses.some((s) => s?.properties?.[field]);
    });
    expect(unknown).toEqual([]);
    const titleOf = (workflow: string, event: string, field: string) => {
      const def = WORKFLOW_DEFINITIONS.find((d) => d.key === workflow)!;
      const schemas = workflowSchemas(def);
      const schema = event === 'OPEN' ? schemas.input : schemas.events.find((e) => e.type === event)!.data;
      return (withFieldTitles(schema as Schema, workflow, event) as Schema).properties![field].title;
    };
    expect(titleOf('recruitment', 'RECORD_ASSESSMENT', 'summary')).toBe('考察情况');
    expect(titleOf('annual-review', 'SUBMIT_REPORT', 'summary')).toBe('述职摘要');
    expect(titleOf('inactivity-review', 'OPEN', 'summary')).toBeUndefined(); // the dictionary's 情况摘要
    expect(FIELD_LABELS.summary).toBe('情况摘要');
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
