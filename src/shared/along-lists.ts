import { copyOf, everyOf } from './frozen-lists.js';

interface Remembered<T, R> {
  list: readonly T[];
  results: readonly R[];
}

/**
 * `each` of every item of a list, carried from one list to the next (docs/design.md, "Carried
 * across syncs"). A rehearsal's run changes one or two actions per sync and keeps the others as
 * the same frozen objects, in new frozen lists, and its plan's Jobs are listed again on every
 * sync with one more: each such list is lined up, by identity only, with a recent one that shares
 * its first or its last item, and `each` runs only for the items that are not in it. Comparing
 * references reads the two lists and none of their items; a lookup per item
 * (`rememberedWhenFrozen`) has to visit every item. A list that is not frozen, or holds an item
 * that is not (one parsed from a request, one being edited), is mapped as it is and not kept.
 * The answer may be shared with an earlier one: callers must not change it.
 */
export function mappedAlongLists<T, R>(each: (item: T) => R): (list: readonly T[]) => readonly R[] {
  return alongLists((item) => each(item), false);
}

/**
 * `mappedAlongLists` for an `each` that also depends on the item's place in the list: results
 * are carried only from a list of the same length, place by place (a run's lists of actions
 * keep their lengths; a list of another length is mapped whole).
 */
export function mappedInPlaceAlongLists<T, R>(each: (item: T, index: number) => R): (list: readonly T[]) => readonly R[] {
  return alongLists(each, true);
}

function alongLists<T, R>(each: (item: T, index: number) => R, inPlaceOnly: boolean): (list: readonly T[]) => readonly R[] {
  // The last lists kept with each first and each last item: found without a search, and let go with their items.
  const byFirst: Lineages<T, R> = new WeakMap();
  const byLast: Lineages<T, R> = new WeakMap();
  let latest: Remembered<T, R> | undefined;
  return (list) => {
    if (list.length === 0 || !Object.isFrozen(list)) return list.map((item, index) => each(item, index));
    // Several passes of one sync read the same list.
    if (latest?.list === list) return latest.results;
    const first = list[0] as object;
    const last = list[list.length - 1] as object;
    const { before, followed } = predecessor(byFirst, byLast, first, last, inPlaceOnly ? list.length : undefined);
    const results = before === undefined ? fresh(list, each) : carried(before, list, each);
    if (results === undefined) return list.map((item, index) => each(item, index));
    latest = results === before?.results ? before : { list, results };
    // A list followed by another is let go, so that a lineage keeps only its last lists; one that
    // only shares its first item with this one may lead another lineage, and stays findable by it.
    if (before !== undefined && before !== latest) {
      drop(byLast, lastOf(before), before);
      if (followed || before.list[0] !== first) drop(byFirst, before.list[0] as object, before);
    }
    keep(byFirst, first, latest);
    keep(byLast, last, latest);
    return latest.results;
  };
}

/**
 * The list a new one follows: of those kept with its first item, the one that also has its last
 * item (two lineages may share a first item: a run joined to its definitions and the status it
 * came from), else the latest; else the latest kept with its last item.
 */
function predecessor<T, R>(
  byFirst: Lineages<T, R>,
  byLast: Lineages<T, R>,
  first: object,
  last: object,
  length: number | undefined,
): { before: Remembered<T, R> | undefined; followed: boolean } {
  const heads = byFirst.get(first) ?? [];
  const followed = heads.find((known) => lastOf(known) === last);
  const before = followed ?? heads[0] ?? byLast.get(last)?.[0];
  // A map that reads places carries only from a list of the same length.
  return { before: length === undefined || before?.list.length === length ? before : undefined, followed: followed !== undefined };
}

function lastOf<T, R>(known: Remembered<T, R>): object {
  return known.list[known.list.length - 1] as object;
}

/** Per first (or last) item, the lists kept with it, the latest first. */
type Lineages<T, R> = WeakMap<object, Remembered<T, R>[]>;

/** Lineages kept per first or last item. */
const LINEAGES = 4;

function keep<T, R>(lineages: Lineages<T, R>, item: object, known: Remembered<T, R>): void {
  const kept = (lineages.get(item) ?? []).filter((other) => other !== known);
  lineages.set(item, [known, ...kept].slice(0, LINEAGES));
}

function drop<T, R>(lineages: Lineages<T, R>, item: object, known: Remembered<T, R>): void {
  const kept = lineages.get(item)?.filter((other) => other !== known);
  if (kept === undefined) return;
  if (kept.length === 0) lineages.delete(item);
  else lineages.set(item, kept);
}

/**
 * The results of `before` for the items `list` shares with it, `each` of the others; undefined
 * when one of those is not frozen (and may change before the next list). Lists of one length are
 * compared place by place; others are lined up with a look one place ahead, which follows an
 * item inserted, removed or replaced here and there. `before`'s own results when the lists are
 * the same.
 */
function carried<T, R>(before: Remembered<T, R>, list: readonly T[], each: (item: T, index: number) => R): readonly R[] | undefined {
  return before.list.length === list.length ? carriedInPlace(before, list, each) : carriedAligned(before, list, each);
}

function carriedInPlace<T, R>(before: Remembered<T, R>, list: readonly T[], each: (item: T, index: number) => R): readonly R[] | undefined {
  const old = before.list;
  let results: R[] | undefined;
  for (let index = 0; index < list.length; index += 1) {
    const item = list[index] as T;
    if (old[index] === item) continue;
    if (!isFrozenObject(item)) return undefined;
    results ??= copyOf(before.results);
    results[index] = each(item, index);
  }
  return results ?? before.results;
}

function carriedAligned<T, R>(before: Remembered<T, R>, list: readonly T[], each: (item: T, index: number) => R): readonly R[] | undefined {
  const old = before.list;
  const results: R[] = [];
  let at = 0;
  for (let index = 0; index < list.length; index += 1) {
    const item = list[index] as T;
    if (at + 1 < old.length && old[at] !== item && old[at + 1] === item) at += 1;
    if (at < old.length && old[at] === item) {
      results.push(before.results[at] as R);
      at += 1;
      continue;
    }
    if (!isFrozenObject(item)) return undefined;
    results.push(each(item, index));
    // A replaced item moves on in both lists; an inserted one only in this one.
    if (at < old.length && list[index + 1] !== old[at]) at += 1;
  }
  return results;
}

/** `each` of every item, or undefined when one is not frozen (the list cannot be kept). */
function fresh<T, R>(list: readonly T[], each: (item: T, index: number) => R): readonly R[] | undefined {
  return everyOf(list, isFrozenObject) ? list.map((item, index) => each(item, index)) : undefined;
}

function isFrozenObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.isFrozen(value);
}
