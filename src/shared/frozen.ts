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
