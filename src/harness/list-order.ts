import type { KubeObject } from './types.js';

/** `localeCompare`'s order, without setting up a comparison for every pair. */
const collator = new Intl.Collator();

interface TypeList {
  keys: string[];
  /** `objects[i]` is stored under `keys[i]`. */
  objects: KubeObject[];
  /** A frozen copy of `objects`, made when first asked for after a change. */
  listed?: readonly KubeObject[];
}

/**
 * The store's objects per type in list order (the collator's order of their keys), sorted the
 * first time a type is listed and then kept in order as objects are written and removed: a long
 * run's Jobs and Pods are listed on every sync of their plan, and a list is then a walk along an
 * array. A type is named by the prefix all its keys share.
 */
export class ListOrder {
  readonly #byType = new Map<string, TypeList>();

  /** The objects of one type; `all` (every entry of the store) is read only when the type is first listed. */
  objectsOf(prefix: string, all: () => Iterable<[string, KubeObject]>): readonly KubeObject[] {
    return this.#listOf(prefix, all).objects;
  }

  /**
   * The objects of one type as one frozen list, the same list until one of them changes: what
   * is carried along lists (docs/design.md, "Carried across syncs") is then carried from one
   * listing to the next.
   */
  listed(prefix: string, all: () => Iterable<[string, KubeObject]>): readonly KubeObject[] {
    const list = this.#listOf(prefix, all);
    list.listed ??= Object.freeze(list.objects.slice());
    return list.listed;
  }

  #listOf(prefix: string, all: () => Iterable<[string, KubeObject]>): TypeList {
    let list = this.#byType.get(prefix);
    if (list === undefined) {
      const entries = [...all()].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => collator.compare(a, b));
      list = { keys: entries.map(([key]) => key), objects: entries.map(([, obj]) => obj) };
      this.#byType.set(prefix, list);
    }
    return list;
  }

  /** A created or changed object. */
  stored(prefix: string, key: string, obj: KubeObject): void {
    const list = this.#byType.get(prefix);
    if (list === undefined) return;
    list.listed = undefined;
    const index = firstNotBefore(list.keys, key);
    const at = sameKeyFrom(list.keys, index, key);
    if (at !== undefined) {
      list.objects[at] = obj;
      return;
    }
    // After every key the collator takes as equal, as a stable sort of the whole list would put it.
    let end = index;
    while (end < list.keys.length && collator.compare(list.keys[end] as string, key) === 0) end += 1;
    list.keys.splice(end, 0, key);
    list.objects.splice(end, 0, obj);
  }

  removed(prefix: string, key: string): void {
    const list = this.#byType.get(prefix);
    if (list === undefined) return;
    list.listed = undefined;
    const at = sameKeyFrom(list.keys, firstNotBefore(list.keys, key), key);
    if (at === undefined) return;
    list.keys.splice(at, 1);
    list.objects.splice(at, 1);
  }
}

/** Keys in list order. */
export function inListOrder(keys: Iterable<string>): string[] {
  return [...keys].sort(collator.compare);
}

/** The first position whose key does not sort before `key`: a binary search in the collator's order. */
function firstNotBefore(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (collator.compare(keys[middle] as string, key) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The position of `key` itself among the keys from `index` on that the collator takes as equal to it. */
function sameKeyFrom(keys: readonly string[], index: number, key: string): number | undefined {
  for (let at = index; at < keys.length && collator.compare(keys[at] as string, key) === 0; at += 1) if (keys[at] === key) return at;
  return undefined;
}
