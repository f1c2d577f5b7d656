/**
 * Walkers over JSON values as the API server stores them: any depth (it accepts about 10,000
 * levels, more than the call stack of `JSON.stringify` or `structuredClone` survives here), and
 * any key, `__proto__` included, kept as data. None of them recurses.
 */

type JsonContainer = Record<string, unknown> | unknown[];

/** A JSON object (not an array, not null): where a user object's fields are read by name. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isContainer(value: unknown): value is JsonContainer {
  return value !== null && typeof value === 'object';
}

/** Assigns an own property, even `__proto__`, whose plain assignment would set the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * JSON with object keys in sorted order, so that the same answer is the same bytes whatever
 * the key order of the request it was computed from (Go's encoder sorts map keys too).
 * Otherwise as `JSON.stringify`: undefined members are left out, or null in arrays.
 */
export function canonicalJson(value: unknown): string {
  interface Frame {
    node: JsonContainer;
    keys: string[] | undefined;
    index: number;
    written: number;
  }
  const scalar = (node: unknown, inArray: boolean): string | undefined => {
    if (node === undefined || typeof node === 'function' || typeof node === 'symbol') return inArray ? 'null' : undefined;
    if (typeof node === 'number') return Number.isFinite(node) ? String(node) : 'null';
    return JSON.stringify(node);
  };
  if (!isContainer(value)) return scalar(value, false) ?? 'null';

  const open = (node: JsonContainer): Frame => ({
    node,
    keys: Array.isArray(node) ? undefined : Object.keys(node).sort(),
    index: 0,
    written: 0,
  });
  let out = Array.isArray(value) ? '[' : '{';
  const stack: Frame[] = [open(value)];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const next = nextMember(frame);
    if (next === undefined) {
      out += frame.keys === undefined ? ']' : '}';
      stack.pop();
      continue;
    }
    const { key, child } = next;
    const text = isContainer(child) ? (Array.isArray(child) ? '[' : '{') : scalar(child, key === undefined);
    if (text === undefined) continue;
    out += `${frame.written > 0 ? ',' : ''}${key === undefined ? '' : `${JSON.stringify(key)}:`}${text}`;
    frame.written += 1;
    if (isContainer(child)) stack.push(open(child));
  }
  return out;
}

/** The next member of an array or object being written, in order; undefined once all are. */
function nextMember(frame: {
  node: JsonContainer;
  keys: string[] | undefined;
  index: number;
}): { key: string | undefined; child: unknown } | undefined {
  const { node, keys } = frame;
  const length = keys === undefined ? (node as unknown[]).length : keys.length;
  if (frame.index >= length) return undefined;
  const key = keys === undefined ? undefined : (keys[frame.index] as string);
  frame.index += 1;
  return { key, child: key === undefined ? (node as unknown[])[frame.index - 1] : (node as Record<string, unknown>)[key] };
}

/** The bytes a value takes as canonical JSON: what it adds to an object the API server stores. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(canonicalJson(value));
}

/** A copy of a JSON value with every string (not key) replaced by `map(string)`, in document order. */
export function mapStrings<T>(value: T, map: (text: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (!isContainer(value)) return value;
  interface Frame {
    source: JsonContainer;
    target: JsonContainer;
    keys: string[] | undefined;
    index: number;
  }
  const open = (source: JsonContainer): Frame =>
    Array.isArray(source)
      ? { source, target: new Array<unknown>(source.length), keys: undefined, index: 0 }
      : { source, target: {}, keys: Object.keys(source), index: 0 };
  const root = open(value);
  const stack: Frame[] = [root];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const { source, target, keys } = frame;
    const length = keys === undefined ? (source as unknown[]).length : keys.length;
    if (frame.index >= length) {
      stack.pop();
      continue;
    }
    const key = keys === undefined ? frame.index : (keys[frame.index] as string);
    frame.index += 1;
    const child = typeof key === 'number' ? (source as unknown[])[key] : (source as Record<string, unknown>)[key];
    let result = child;
    if (typeof child === 'string') result = map(child);
    else if (isContainer(child)) {
      const inner = open(child);
      result = inner.target;
      stack.push(inner);
    }
    if (typeof key === 'number') (target as unknown[])[key] = result;
    else setOwn(target as Record<string, unknown>, key, result);
  }
  return root.target as T;
}

/** Calls `visit` with every string (not key) inside a JSON value, in document order. */
export function forEachString(value: unknown, visit: (text: string) => void): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node === 'string') visit(node);
    else if (isContainer(node)) {
      const children = Array.isArray(node) ? node : Object.keys(node).map((key) => node[key]);
      for (let index = children.length - 1; index >= 0; index--) pending.push(children[index]);
    }
  }
}
