import { Kind, Type, type TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { mappedAlongLists } from '../shared/along-lists.js';

/**
 * A schema checked in parts: its shell (every list of objects in it taken as a list of anything)
 * and, for each such list, the schema of its items, itself in parts. A value passes the schema
 * exactly when it passes the shell and every item passes its part: objects are checked field by
 * field, so a list's items can be checked apart from the rest.
 */
interface Parts {
  shell: TSchema;
  /** Per list: the verdicts on its items, carried from one list to the next. */
  lists: { path: readonly string[]; verdicts: (list: readonly unknown[]) => readonly boolean[] }[];
}

const partsBySchema = new WeakMap<TSchema, Parts>();

/**
 * Whether a frozen value passes `schema`, each frozen item of its lists checked once however
 * many values share it. A rehearsal's plan status changes a few actions of its run per sync and
 * keeps the others as the same frozen objects (docs/design.md, "Carried across syncs"): its next
 * check costs the changed actions, not the run. `compile` is the caller's cache of compiled checks.
 */
export function passesInParts(schema: TSchema, value: object, compile: (schema: TSchema) => TypeCheck<TSchema>): boolean {
  return passes(partsOf(schema, compile), value, compile);
}

function passes(parts: Parts, value: unknown, compile: (schema: TSchema) => TypeCheck<TSchema>): boolean {
  if (!compile(parts.shell).Check(value)) return false;
  for (const { path, verdicts } of parts.lists) {
    const list = valueAt(value, path);
    if (Array.isArray(list) && !verdicts(list).every(Boolean)) return false;
  }
  return true;
}

function partsOf(schema: TSchema, compile: (schema: TSchema) => TypeCheck<TSchema>): Parts {
  let parts = partsBySchema.get(schema);
  if (parts === undefined) {
    const lists: Parts['lists'] = [];
    parts = { shell: shellOf(schema, [], lists, compile), lists };
    partsBySchema.set(schema, parts);
  }
  return parts;
}

/** The schema with its lists of objects (outside lists) made lists of anything; each is noted in `lists`. */
function shellOf(
  schema: TSchema,
  path: readonly string[],
  lists: Parts['lists'],
  compile: (schema: TSchema) => TypeCheck<TSchema>,
): TSchema {
  if (schema[Kind] !== 'Object') return schema;
  const properties = schema['properties'] as Record<string, TSchema>;
  const shell: Record<string, TSchema> = {};
  for (const [key, property] of Object.entries(properties)) {
    const items = property[Kind] === 'Array' ? (property['items'] as TSchema) : undefined;
    if (items !== undefined && items[Kind] === 'Object') {
      const itemParts = partsOf(items, compile);
      lists.push({ path: [...path, key], verdicts: mappedAlongLists((item) => passes(itemParts, item, compile)) });
      shell[key] = { ...property, items: Type.Unknown() };
    } else {
      shell[key] = shellOf(property, [...path, key], lists, compile);
    }
  }
  return { ...schema, properties: shell };
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
