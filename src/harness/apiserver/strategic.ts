import { clone, isRecord } from '../types.js';

/**
 * Strategic merge patch, the part kubectl sends for built-in kinds (client-side apply,
 * annotate, label): maps merge as in a JSON merge patch; a list of objects that each carry a
 * `name` merges by name (the merge key of containers, env, volumes); other lists are replaced.
 * The directives `$patch: delete|replace`, `$retainKeys` and `$deleteFromPrimitiveList/…` are
 * honoured; `$setElementOrder/…` only orders, and is ignored. Merge keys other than `name`
 * (which need each kind's schema) are not known: such lists are replaced.
 */
const DELETE_FROM_LIST = '$deleteFromPrimitiveList/';

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  if (patch['$patch'] === 'replace') return withoutDirectives(patch);
  const result: Record<string, unknown> = isRecord(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) patchField(result, key, value);
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) for (const key of Object.keys(result)) if (!retain.includes(key)) Reflect.deleteProperty(result, key);
  return result;
}

/** One key of a patch map applied to `result` in place. */
function patchField(result: Record<string, unknown>, key: string, value: unknown): void {
  if (key.startsWith(DELETE_FROM_LIST)) {
    const field = key.slice(DELETE_FROM_LIST.length);
    const live = result[field];
    if (Array.isArray(live) && Array.isArray(value)) result[field] = live.filter((item) => !value.includes(item));
  } else if (key.startsWith('$')) {
    return;
  } else if (value === null || (isRecord(value) && value['$patch'] === 'delete')) {
    Reflect.deleteProperty(result, key);
  } else if (Array.isArray(value)) {
    result[key] = mergeList(result[key], value);
  } else {
    result[key] = strategicMergePatch(result[key], value);
  }
}

function mergeList(live: unknown, patch: readonly unknown[]): unknown[] {
  if (!Array.isArray(live) || patch.length === 0 || !live.every(named) || !patch.every(named)) {
    return patch.filter((item) => !(isRecord(item) && item['$patch'] === 'delete')).map(withoutDirectives);
  }
  const result = clone(live);
  for (const item of patch) {
    const index = result.findIndex((existing) => existing['name'] === item['name']);
    if (item['$patch'] === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = strategicMergePatch(result[index], item) as Record<string, unknown>;
    } else {
      result.push(withoutDirectives(item) as Record<string, unknown>);
    }
  }
  return result;
}

function named(item: unknown): item is Record<string, unknown> {
  return isRecord(item) && typeof item['name'] === 'string';
}

function withoutDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDirectives);
  if (!isRecord(value)) return clone(value);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !key.startsWith('$'))
      .map(([key, item]) => [key, withoutDirectives(item)]),
  );
}
