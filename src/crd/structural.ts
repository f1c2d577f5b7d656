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

/**
 * Turns a TypeBox schema into a Kubernetes structural schema: every node typed, string
 * unions as `enum`, records as `additionalProperties`, opaque objects kept as given.
 */
export function toStructural(schema: TSchema): JsonSchema {
  const out: JsonSchema = {};
  const source = schema as JsonSchema;
  switch (schema[Kind]) {
    case 'Object': {
      out['type'] = 'object';
      const properties = source['properties'] as Record<string, TSchema>;
      if (Object.keys(properties).length > 0) {
        out['properties'] = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, toStructural(value)]));
      }
      const required = source['required'] as string[] | undefined;
      if (required?.length) out['required'] = [...required];
      break;
    }
    case 'Record': {
      out['type'] = 'object';
      if (source['x-kubernetes-preserve-unknown-fields'] !== true) {
        const patterns = source['patternProperties'] as Record<string, TSchema>;
        const valueSchema = Object.values(patterns)[0];
        if (valueSchema !== undefined) out['additionalProperties'] = toStructural(valueSchema);
      }
      break;
    }
    case 'Array':
      out['type'] = 'array';
      out['items'] = toStructural(source['items'] as TSchema);
      break;
    case 'Union': {
      const members = source['anyOf'] as JsonSchema[];
      if (!members.every((member) => typeof member['const'] === 'string')) {
        throw new Error('only unions of string literals can be expressed in a CRD');
      }
      out['type'] = 'string';
      out['enum'] = [...members.map((member) => member['const']), ...((source[ALSO_ADMITTED] as string[] | undefined) ?? [])];
      break;
    }
    case 'Literal':
      out['type'] = typeof source['const'];
      break;
    case 'String':
      out['type'] = 'string';
      break;
    case 'Integer':
      out['type'] = 'integer';
      break;
    case 'Number':
      out['type'] = 'number';
      break;
    case 'Boolean':
      out['type'] = 'boolean';
      break;
    default:
      throw new Error(`schema kind ${String(schema[Kind])} has no CRD form`);
  }
  for (const keyword of PASSED_THROUGH) {
    if (source[keyword] !== undefined) out[keyword] = source[keyword];
  }
  return out;
}
