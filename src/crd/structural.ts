import { Kind, type TSchema } from '@sinclair/typebox';
import { ALSO_ADMITTED } from '../k8s/schema.js';

export type JsonSchema = Record<string, unknown>;

/** Schema keywords Kubernetes accepts in a structural schema and that we use. */
const PASSED_THROUGH = [
  'description',
  'default',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
] as const;

const SCALAR_TYPES: Record<string, string | undefined> = { String: 'string', Integer: 'integer', Number: 'number', Boolean: 'boolean' };

const FORMS: Record<string, ((source: JsonSchema) => JsonSchema) | undefined> = {
  Object: (source) => {
    const out: JsonSchema = { type: 'object' };
    const properties = source['properties'] as Record<string, TSchema>;
    if (Object.keys(properties).length > 0) {
      out['properties'] = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, toStructural(value)]));
    }
    const required = source['required'] as string[] | undefined;
    if (required?.length) out['required'] = [...required];
    return out;
  },
  Record: (source) => {
    const out: JsonSchema = { type: 'object' };
    if (source['x-kubernetes-preserve-unknown-fields'] === true) return out;
    const valueSchema = Object.values(source['patternProperties'] as Record<string, TSchema>)[0];
    if (valueSchema !== undefined) out['additionalProperties'] = toStructural(valueSchema);
    return out;
  },
  Array: (source) => ({ type: 'array', items: toStructural(source['items'] as TSchema) }),
  Union: (source) => {
    const members = source['anyOf'] as JsonSchema[];
    if (!members.every((member) => typeof member['const'] === 'string'))
      throw new Error('only unions of string literals can be expressed in a CRD');
    return {
      type: 'string',
      enum: [...members.map((member) => member['const']), ...((source[ALSO_ADMITTED] as string[] | undefined) ?? [])],
    };
  },
};

/**
 * Turns a TypeBox schema into a Kubernetes structural schema: every node typed, string
 * unions as `enum`, records as `additionalProperties`, opaque objects kept as given.
 */
export function toStructural(schema: TSchema): JsonSchema {
  const source = schema as JsonSchema;
  const out = formOf(String(schema[Kind]), source);
  for (const keyword of PASSED_THROUGH) {
    if (source[keyword] !== undefined) out[keyword] = source[keyword];
  }
  return out;
}

function formOf(kind: string, source: JsonSchema): JsonSchema {
  const scalar = SCALAR_TYPES[kind];
  if (scalar !== undefined) return { type: scalar };
  if (kind === 'Literal') return { type: typeof source['const'] };
  const form = FORMS[kind];
  if (form === undefined) throw new Error(`schema kind ${kind} has no CRD form`);
  return form(source);
}
