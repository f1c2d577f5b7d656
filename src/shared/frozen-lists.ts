/**
 * Walks over lists that may be frozen. Frozen arrays leave the fast paths of several array
 * builtins in the V8 of Node 20: `every`, `some`, `find`, `findIndex`, `filter`, `forEach` and
 * `slice` take four to twenty times as long on a frozen array as on the same array unfrozen,
 * whereas `map`, `for…of`, spread and indexed loops do not. A rehearsal's lists are frozen and
 * long (docs/design.md, "Frozen arrays and the array builtins"), and these helpers walk them
 * with indexed loops. For dense lists only (every list of JSON is): a hole is visited as
 * `undefined`, where the builtins pass over it.
 */

/** `list.every(test)`. */
export function everyOf<T>(list: readonly T[], test: (item: T, index: number) => boolean): boolean {
  for (let index = 0; index < list.length; index += 1) if (!test(list[index] as T, index)) return false;
  return true;
}

/** `list.forEach(visit)`. */
export function eachOf<T>(list: readonly T[], visit: (item: T, index: number) => void): void {
  for (let index = 0; index < list.length; index += 1) visit(list[index] as T, index);
}

/** `list.filter(test)`. */
export function filteredOf<T>(list: readonly T[], test: (item: T, index: number) => boolean): T[] {
  const kept: T[] = [];
  for (let index = 0; index < list.length; index += 1) if (test(list[index] as T, index)) kept.push(list[index] as T);
  return kept;
}

/** `list.slice()`: a copy that may be changed (spread, which keeps its fast path on a frozen array where `Array.from` does not). */
export function copyOf<T>(list: readonly T[]): T[] {
  return [...list];
}
