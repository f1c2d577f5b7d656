/**
 * `compute`, remembered for frozen objects. A frozen object cannot change, so what a pure
 * function makes of it can be worked out once. Objects parsed from a request are never frozen
 * and are computed every time; a rehearsal hands the hooks its store's frozen objects, and syncs
 * a plan several times per action with mostly the same ones (docs/design.md, "Rehearsal").
 * A remembered result is shared between callers: they must not change it.
 */
export function rememberedWhenFrozen<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const remembered = new WeakMap<K, V>();
  // One argument only, whatever the caller passes (`array.map(f)` passes the index and the array too).
  return (key) => {
    if (!Object.isFrozen(key)) return compute(key);
    if (remembered.has(key)) return remembered.get(key) as V;
    const value = compute(key);
    remembered.set(key, value);
    return value;
  };
}

/**
 * The same for a function of a frozen object and further arguments: a result is remembered with
 * the arguments it was made from, and made again when they differ (by identity).
 */
export function rememberedWhenFrozenWith<K extends object, A extends readonly unknown[], V>(
  compute: (key: K, ...args: A) => V,
): (key: K, ...args: A) => V {
  const remembered = new WeakMap<K, { args: A; value: V }>();
  return (key, ...args) => {
    if (!Object.isFrozen(key)) return compute(key, ...args);
    const known = remembered.get(key);
    if (known !== undefined && sameArguments(known.args, args)) return known.value;
    const value = compute(key, ...args);
    remembered.set(key, { args, value });
    return value;
  };
}

function sameArguments(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}
