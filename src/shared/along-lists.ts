/** Lists remembered per helper: enough for each workflow of a run with ten in parallel, and then some. */
const RECENT_LISTS = 32;

interface Remembered<T, R> {
  list: readonly T[];
  results: readonly R[];
}

/**
 * `each` of every item of a list, carried from one list to the next (docs/design.md, "Carried
 * across syncs"). A rehearsal's run changes one or two actions per sync and keeps the others as
 * the same frozen objects, in new frozen lists: each such list is compared, place by place and by
 * identity only, with a recent one of the same length, and `each` runs only for the items that
 * differ. Comparing references reads the two lists and none of their items; a lookup per item
 * (`rememberedWhenFrozen`) has to visit every item. A list that is not frozen, or holds an item
 * that is not (one parsed from a request, one being edited), is mapped as it is and not kept.
 * The answer may be shared with an earlier one: callers must not change it.
 */
export function mappedAlongLists<T, R>(each: (item: T) => R): (list: readonly T[]) => readonly R[] {
  const recent: Remembered<T, R>[] = [];
  return (list) => {
    if (list.length === 0 || !Object.isFrozen(list)) return list.map((item) => each(item));
    const before = predecessor(recent, list);
    if (before !== undefined) recent.splice(recent.indexOf(before), 1);
    const results = before === undefined ? fresh(list, each) : carried(before, list, each);
    if (results === undefined) return list.map((item) => each(item));
    const kept = results === before?.results ? before : { list, results };
    recent.unshift(kept);
    if (recent.length > RECENT_LISTS) recent.pop();
    return kept.results;
  };
}

/**
 * The results of `before` where `list` holds the same items, `each` of the others; undefined when
 * one of those is not frozen (and may change before the next list).
 */
function carried<T, R>(before: Remembered<T, R>, list: readonly T[], each: (item: T) => R): readonly R[] | undefined {
  let results: R[] | undefined;
  for (let index = 0; index < list.length; index += 1) {
    const item = list[index] as T;
    if (before.list[index] === item) continue;
    if (!isFrozenObject(item)) return undefined;
    results ??= before.results.slice();
    results[index] = each(item);
  }
  return results ?? before.results;
}

/** `each` of every item, or undefined when one is not frozen (the list cannot be kept). */
function fresh<T, R>(list: readonly T[], each: (item: T) => R): readonly R[] | undefined {
  return list.every(isFrozenObject) ? list.map((item) => each(item)) : undefined;
}

/** The most recent list of the same length that shares its first or its last item with `list`. */
function predecessor<T, R>(recent: readonly Remembered<T, R>[], list: readonly T[]): Remembered<T, R> | undefined {
  const last = list.length - 1;
  return recent.find((known) => known.list.length === list.length && (known.list[0] === list[0] || known.list[last] === list[last]));
}

function isFrozenObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.isFrozen(value);
}
