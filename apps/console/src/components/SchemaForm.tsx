import { Form, Input, InputNumber, Select, Switch } from 'antd';
import type { Rule } from 'antd/es/form';
import { useState } from 'react';
import { enumLabel, FIELD_LABELS, pickerOf } from '../fieldLabels';
import { FirmPicker, MemberPicker, OrgPicker, WorkingDayPicker } from './pickers';

export type JsonSchema = Record<string, any>;

/** The Chinese label of a field: the schema's own title, else the procedures' dictionary, else its name. */
export const labelOf = (name: string, schema: JsonSchema) => schema?.title ?? FIELD_LABELS[name] ?? name;

/** Client-side checks from the schema, with Chinese messages (the server checks the same again). */
function rulesOf(name: string, schema: JsonSchema, required: boolean, picker: string | null): Rule[] {
  const label = labelOf(name, schema);
  const rules: Rule[] = [];
  if (required)
    rules.push({
      required: true,
      message: picker || schema.enum ? `请选择${label}` : `请填写${label}`,
      whitespace: schema.type === 'string',
    });
  if (schema.type === 'string' && !picker) {
    if (schema.maxLength) rules.push({ max: schema.maxLength, message: `${label}不能超过 ${schema.maxLength} 个字符` });
    if (schema.minLength > 1) rules.push({ min: schema.minLength, message: `${label}至少 ${schema.minLength} 个字符` });
    if (schema.pattern) rules.push({ pattern: new RegExp(schema.pattern), message: `${label}格式不正确` });
  }
  if (schema.type === 'integer') rules.push({ type: 'integer', message: `${label}必须是整数` });
  if (schema.type === 'number' || schema.type === 'integer') {
    if (schema.minimum !== undefined)
      rules.push({ type: 'number', min: schema.minimum, message: `${label}不能小于 ${schema.minimum}` });
    if (schema.maximum !== undefined)
      rules.push({ type: 'number', max: schema.maximum, message: `${label}不能大于 ${schema.maximum}` });
  }
  if (schema.type === 'array' && required)
    rules.push({ type: 'array', min: schema.minItems ?? 1, message: `请选择${label}` });
  return rules;
}

function Field({
  name,
  path,
  schema,
  required,
}: {
  name: string;
  path: string[];
  schema: JsonSchema;
  required: boolean;
}) {
  const label = labelOf(name, schema);
  const picker = pickerOf(name, schema);
  const rules = rulesOf(name, schema, required, picker);
  const common = { name: path, label, rules, extra: schema.description && !picker ? schema.description : undefined };
  if (schema.type === 'object' && schema.properties)
    return required ? (
      <fieldset className="pf-fieldset">
        <legend>{label}</legend>
        <NestedFields schema={schema} path={path} />
      </fieldset>
    ) : (
      <OptionalGroup label={label} path={path} schema={schema} />
    );
  const multiple = schema.type === 'array';
  let control;
  if (picker === 'org') control = <OrgPicker multiple={multiple} />;
  else if (picker === 'member') control = <MemberPicker multiple={multiple} />;
  else if (picker === 'firm') control = <FirmPicker multiple={multiple} />;
  else if (picker === 'date' || picker === 'datetime') control = <WorkingDayPicker withTime={picker === 'datetime'} />;
  else if (schema.enum || schema.items?.enum)
    control = (
      <Select
        mode={multiple ? 'multiple' : undefined}
        allowClear={!required}
        placeholder={`请选择${label}`}
        options={(schema.enum ?? schema.items.enum).map((v: string) => ({ value: v, label: enumLabel(name, v) }))}
      />
    );
  else if (schema.type === 'boolean')
    return (
      <Form.Item {...common} valuePropName="checked" initialValue={false}>
        <Switch checkedChildren="是" unCheckedChildren="否" />
      </Form.Item>
    );
  else if (schema.type === 'integer' || schema.type === 'number')
    control = <InputNumber style={{ width: '100%' }} precision={schema.type === 'integer' ? 0 : undefined} />;
  else if (multiple) control = <Select mode="tags" placeholder="输入后回车，可填写多项" open={false} />;
  else if (schema.type === 'object')
    // a free-form map (e.g. ratings by member): JSON, checked by the server
    return (
      <Form.Item {...common} extra="JSON 格式" rules={[...rules, { validator: jsonValidator(label) }]}>
        <Input.TextArea rows={3} />
      </Form.Item>
    );
  else if ((schema.maxLength ?? 0) > 200) control = <Input.TextArea rows={3} showCount maxLength={schema.maxLength} />;
  else control = <Input />;
  return <Form.Item {...common}>{control}</Form.Item>;
}

function NestedFields({ schema, path }: { schema: JsonSchema; path: string[] }) {
  const req = new Set<string>(schema.required ?? []);
  return (
    <>
      {Object.entries<JsonSchema>(schema.properties).map(([k, s]) => (
        <Field key={k} name={k} path={[...path, k]} schema={s} required={req.has(k)} />
      ))}
    </>
  );
}

/**
 * An optional group of fields (e.g. a letter from another province): closed until the clerk switches it
 * on, so that its own required fields only count when the group is used at all.
 */
function OptionalGroup({ label, path, schema }: { label: string; path: string[]; schema: JsonSchema }) {
  const form = Form.useFormInstance();
  const [on, setOn] = useState(false);
  return (
    <fieldset className="pf-fieldset">
      <legend>
        <label style={{ display: 'inline-flex', alignItems: 'center', gap: 6 }}>
          <Switch
            size="small"
            checked={on}
            onChange={(v) => {
              setOn(v);
              if (!v) form.setFieldValue(path, undefined);
            }}
          />
          {label}（选填）
        </label>
      </legend>
      {on ? <NestedFields schema={schema} path={path} /> : null}
    </fieldset>
  );
}

const jsonValidator = (label: string) => async (_: unknown, v: unknown) => {
  if (v === undefined || v === '' || typeof v === 'object') return;
  try {
    JSON.parse(String(v));
  } catch {
    throw new Error(`${label}不是有效的 JSON`);
  }
};

/** The fields of one JSON Schema object, as antd form items under `prefix`. */
export function SchemaFields({ schema, prefix }: { schema: JsonSchema | undefined; prefix: string[] }) {
  if (!schema?.properties) return null;
  const req = new Set<string>(schema.required ?? []);
  return (
    <>
      {Object.entries<JsonSchema>(schema.properties).map(([k, s]) => (
        <Field key={k} name={k} path={[...prefix, k]} schema={s} required={req.has(k)} />
      ))}
    </>
  );
}

/** Form values → the JSON the API takes: empty optional values left out, JSON text parsed. */
export function toPayload(schema: JsonSchema | undefined, values: any): Record<string, unknown> | undefined {
  if (!schema?.properties || !values) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries<JsonSchema>(schema.properties)) {
    let v = values[k];
    if (
      v === undefined ||
      v === null ||
      v === '' ||
      (Array.isArray(v) && v.length === 0 && !(schema.required ?? []).includes(k))
    )
      continue;
    if (s.type === 'object' && s.properties) v = toPayload(s, v);
    else if (s.type === 'object' && typeof v === 'string') v = JSON.parse(v);
    else if (typeof v === 'string' && s.type === 'string') v = v.trim();
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length ? out : schema.properties && Object.keys(schema.properties).length ? out : undefined;
}
