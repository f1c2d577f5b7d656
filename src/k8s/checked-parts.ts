import { Kind, Type, type TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';

/**
 * A schema checked in parts: its shell (every list of objects in it taken as a list of anything)
 * and, for each such list, the schema of its items, itself in parts. A value passes the schema
 * exactly when it passes the shell and every item passes its part: objects are checked field by
 * field, so a list's items can be checked apart from the rest.
 */
interface Parts {
  shell: TSchema;
  /** Per list: the frozen items that passed, and the frozen lists whose items all are such. */
  lists: { path: readonly string[]; items: Parts; passed: WeakSet<object>; listsPassed: WeakSet<object> }[];
}

const partsBySchema = new WeakMap<TSchema, Parts>();

/**
 * Whether a frozen value passes `schema`, each frozen item of its lists checked once however
 * many values share it. A rehearsal's plan status changes a few actions of its run per sync and
 * keeps the others as the same frozen objects (docs/design.md, "Rehearsal"): its next check
 * costs the changed actions, not the run. `compile` is the caller's cache of compiled checks.
 */
export function passesInParts(schema: TSchema, value: object, compile: (schema: TSchema) => TypeCheck<TSchema>): boolean {
  return passes(partsOf(schema), value, compile);
}

function passes(parts: Parts, value: unknown, compile: (schema: TSchema) => TypeCheck<TSchema>): boolean {
  if (!compile(parts.shell).Check(value)) return false;
  for (const { path, items, passed, listsPassed } of parts.lists) {
    const list = valueAt(value, path);
    // The same frozen list is checked by the plan's and the execution's hooks in turn.
    if (!Array.isArray(list) || listsPassed.has(list)) continue;
    let allRemembered = Object.isFrozen(list);
    for (const item of list as unknown[]) {
      const remembered = typeof item === 'object' && item !== null && Object.isFrozen(item);
      allRemembered &&= remembered;
      if (remembered && passed.has(item)) continue;
      if (!passes(items, item, compile)) return false;
      if (remembered) passed.add(item);
    }
    if (allRemembered) listsPassed.add(list);
  }
  return true;
}

function partsOf(schema: TSchema): Parts {
  let parts = partsBySchema.get(schema);
  if (parts === undefined) {
    const lists: Parts['lists'] = [];
    parts = { shell: shellOf(schema, [], lists), lists };
    partsBySchema.set(schema, parts);
  }
  return parts;
}

/** The schema with its lists of objects (outside lists) made lists of anything; each is noted in `lists`. */
function shellOf(schema: TSchema, path: readonly string[], lists: Parts['lists']): TSchema {
  if (schema[Kind] !== 'Object') return schema;
  const properties = schema['properties'] as Record<string, TSchema>;
  const shell: Record<string, TSchema> = {};
  for (const [key, property] of Object.entries(properties)) {
    const items = property[Kind] === 'Array' ? (property['items'] as TSchema) : undefined;
    if (items !== undefined && items[Kind] === 'Object') {
      lists.push({ path: [...path, key], items: partsOf(items), passed: new WeakSet(), listsPassed: new WeakSet() });
      shell[key] = { ...property, items: Type.Unknown() };
    } else {
      shell[key] = shellOf(property, [...path, key], lists);
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
