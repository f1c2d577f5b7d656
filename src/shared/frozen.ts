import { eachOf } from './frozen-lists.js';

/**
 * `compute`, remembered for frozen objects. A frozen object cannot change, so what a pure
 * function makes of it can be worked out once. Objects parsed from a request are never frozen
 * and are computed every time; a rehearsal hands the hooks its store's frozen objects, and syncs
 * a plan several times per action with mostly the same ones (docs/design.md, "Rehearsal"), and
 * the harness asks the same of its stored objects on every sync. Both the hooks and the harness
 * use it: `src/shared/` imports nothing, so the harness still depends on nothing of the product.
 * A remembered result is shared between callers: they must not change it.
 */
export function rememberedWhenFrozen<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const remembered = new WeakMap<K, V>();
  // One argument only, whatever the caller passes (`array.map(f)` passes the index and the array too).
  return (key) => {
    if (!Object.isFrozen(key)) return compute(key);
    const known = remembered.get(key);
    if (known !== undefined || remembered.has(key)) return known as V;
    const value = compute(key);
    remembered.set(key, value);
    return value;
  };
}

/**
 * Makes a JSON tree read-only, iteratively (any depth). The harness's store keeps its objects
 * frozen and hands them out without copying, and an edit of a run freezes what it made: a reader
 * that tried to change one would throw at once. A frozen subtree is already done, so sharing one
 * between versions costs nothing.
 */
export function deepFreeze<T>(value: T): T {
  const pending: object[] = [];
  // Only objects wait: an undefined value or a hole in a list must not end the walk.
  const visit = (item: unknown): void => {
    if (typeof item === 'object' && item !== null && !Object.isFrozen(item)) pending.push(item);
  };
  visit(value);
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (Object.isFrozen(node)) continue;
    Object.freeze(node);
    // A list by index: its keys as strings would be made and parsed back for every item of a long run.
    if (Array.isArray(node)) eachOf(node, visit);
    else for (const key of Object.keys(node)) visit((node as Record<string, unknown>)[key]);
  }
  return value;
}

/** `made`, frozen all through when `source` (what it was made of) is frozen; left as it is when not. */
export function frozenLike<T>(source: object, made: T): T {
  return Object.isFrozen(source) ? deepFreeze(made) : made;
}

/**
 * What `mappedAlongLists` made of `source`, as a list of a caller's answer: frozen when `source`
 * is, as the helper may share it with other answers (nothing may change it, and freezing what
 * holds it need not walk it again); when `source` is not frozen, the list was made for this
 * answer alone.
 */
export function carriedListOf<T>(source: readonly unknown[], made: readonly T[]): T[] {
  return (Object.isFrozen(source) ? Object.freeze(made) : made) as T[];
}
