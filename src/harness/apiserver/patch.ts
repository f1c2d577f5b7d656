import { clone, isRecord } from '../types.js';

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const result: Record<string, unknown> = isRecord(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(result, key);
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * Server-side apply, the subset that matters for one forcing field manager: the applied
 * configuration is merged over the live object (maps recursively, lists replaced). Fields a
 * previous apply set and this one omits are not pruned, since ownership is not tracked.
 */
export function applyPatch(live: unknown, applied: unknown): unknown {
  if (!isRecord(applied)) return clone(applied);
  const result: Record<string, unknown> = isRecord(live) ? clone(live) : {};
  for (const [key, value] of Object.entries(applied)) {
    result[key] = value === null ? null : applyPatch(result[key], value);
  }
  return result;
}

/** RFC 6902 JSON patch: add, remove, replace, move, copy and test on JSON pointers. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new Error('a JSON patch must be a list of operations');
  let doc = clone(target);
  for (const operation of operations) {
    if (!isRecord(operation) || typeof operation['op'] !== 'string' || typeof operation['path'] !== 'string') {
      throw new Error('each JSON patch operation needs op and path');
    }
    const path = pointer(operation['path']);
    switch (operation['op']) {
      case 'add':
        doc = put(doc, path, clone(operation['value']), 'add');
        break;
      case 'replace':
        get(doc, path);
        doc = put(doc, path, clone(operation['value']), 'replace');
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'move':
      case 'copy': {
        const from = pointer(typeof operation['from'] === 'string' ? operation['from'] : '');
        const value = clone(get(doc, from));
        if (operation['op'] === 'move') doc = remove(doc, from);
        doc = put(doc, path, value, 'add');
        break;
      }
      case 'test':
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(operation['value'])) throw new Error(`test failed at ${operation['path']}`);
        break;
      default:
        throw new Error(`unknown JSON patch operation ${operation['op']}`);
    }
  }
  return doc;
}

function pointer(text: string): string[] {
  if (text === '') return [];
  if (!text.startsWith('/')) throw new Error(`bad JSON pointer ${text}`);
  return text
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: unknown, path: readonly string[]): unknown {
  let node = doc;
  for (const key of path) {
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isRecord(node) && Object.hasOwn(node, key)) node = node[key];
    else throw new Error(`no value at /${path.join('/')}`);
    if (node === undefined) throw new Error(`no value at /${path.join('/')}`);
  }
  return node;
}

function put(doc: unknown, path: readonly string[], value: unknown, mode: 'add' | 'replace'): unknown {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1));
  const key = path[path.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new Error(`bad array index ${key}`);
    if (mode === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (isRecord(parent)) {
    parent[key] = value;
  } else {
    throw new Error(`cannot set /${path.join('/')}`);
  }
  return doc;
}

function remove(doc: unknown, path: readonly string[]): unknown {
  const parent = get(doc, path.slice(0, -1));
  const key = path[path.length - 1] ?? '';
  get(doc, path);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isRecord(parent)) Reflect.deleteProperty(parent, key);
  return doc;
}
