// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore class-transformer ships no typings for this path; its README points class-validator-jsonschema here
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { targetConstructorToSchema, validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { ISchemaConverters } from 'class-validator-jsonschema/build/defaultConverters';
import type { IOptions } from 'class-validator-jsonschema/build/options';
import type { PayloadClass, WorkflowDefinition } from '../../workflows/kernel/definition';

/** A JSON Schema object (the OpenAPI 3.0 dialect: no `const`, `$ref` only inside `components`). */
export type JsonSchema = Record<string, any>;

const REF_PREFIX = '#/definitions/';

/** The project's own validators, described for forms: the console renders date pickers from `format`. */
const converters: ISchemaConverters = {
  isIsoDate: (meta) =>
    meta.constraints?.[0] === 'required'
      ? { type: 'string', format: 'date-time', description: '带时区的 ISO 8601 时间，如 2026-03-02T10:00:00+08:00' }
      : { type: 'string', format: 'date', description: '日期（YYYY-MM-DD）' },
};

const options: Partial<IOptions> = {
  refPointerPrefix: REF_PREFIX,
  additionalConverters: converters,
  classTransformerMetadataStorage: defaultMetadataStorage,
};

let nestedByName: Record<string, JsonSchema> | null = null;

/**
 * JSON Schema of a payload class as the engine validates it (class-validator with whitelist and
 * forbidNonWhitelisted: unknown fields are refused, hence `additionalProperties: false`). Nested classes
 * are inlined so that a form renderer needs nothing but this one object.
 */
export function payloadSchema(cls: PayloadClass, title?: string): JsonSchema {
  nestedByName ??= validationMetadatasToSchemas(options);
  const inline = (schema: JsonSchema, seen: string[]): JsonSchema => {
    if (Array.isArray(schema)) return schema.map((s) => inline(s, seen));
    if (!schema || typeof schema !== 'object') return schema;
    if (typeof schema.$ref === 'string' && schema.$ref.startsWith(REF_PREFIX)) {
      const name = schema.$ref.slice(REF_PREFIX.length);
      if (seen.includes(name)) throw new Error(`payload class ${name} refers to itself`);
      const target = nestedByName![name];
      if (!target) throw new Error(`payload class ${name} has no validation metadata`);
      return inline(closed(target), [...seen, name]);
    }
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, seen)]));
  };
  const schema = inline(closed(targetConstructorToSchema(cls, options)), [cls.name]);
  return title ? { title, ...schema } : schema;
}

const closed = (s: JsonSchema): JsonSchema =>
  s.type === 'object' || s.properties ? { type: 'object', properties: {}, ...s, additionalProperties: false } : s;

/** An empty payload: the event carries no data (anything sent is refused). */
const NO_DATA: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };

export interface EventSchema {
  type: string;
  title: string;
  /** Sent by the engine itself (clock, licensing), never through `POST /cases/:id/events`. */
  system: boolean;
  /** Schema of the event's `data`. */
  data: JsonSchema;
}

/** The schemas a client needs to build forms for one workflow: its `POST /cases` input and each event's data. */
export function workflowSchemas(def: WorkflowDefinition): { input: JsonSchema; events: EventSchema[] } {
  return {
    input: def.createInput ? payloadSchema(def.createInput, `${def.title}：发起`) : NO_DATA,
    events: Object.entries(def.events).map(([type, e]) => ({
      type,
      title: e.title,
      system: !!e.system,
      data: e.payload ? payloadSchema(e.payload, e.title) : { title: e.title, ...NO_DATA },
    })),
  };
}
