/** `localeCompare`'s order, without setting up a comparison for every pair. */
const collator = new Intl.Collator();

/**
 * The store's keys per type in list order (the collator's), sorted the first time a type is
 * listed and then kept in order as objects are created and removed: a long run's Jobs are
 * listed on every sync of their plan. A type is named by the prefix all its keys share.
 */
export class ListOrder {
  readonly #byType = new Map<string, string[]>();

  /** The keys of one type; `all` (every key of the store) is read only when the type is first listed. */
  keysOf(prefix: string, all: () => Iterable<string>): readonly string[] {
    let keys = this.#byType.get(prefix);
    if (keys === undefined) {
      keys = [...all()].filter((key) => key.startsWith(prefix)).sort(collator.compare);
      this.#byType.set(prefix, keys);
    }
    return keys;
  }

  added(prefix: string, key: string): void {
    const keys = this.#byType.get(prefix);
    if (keys === undefined) return;
    // The first key that sorts after it: a binary search in the collator's order.
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (collator.compare(keys[middle] as string, key) <= 0) low = middle + 1;
      else high = middle;
    }
    keys.splice(low, 0, key);
  }

  removed(prefix: string, key: string): void {
    const keys = this.#byType.get(prefix);
    const index = keys?.indexOf(key) ?? -1;
    if (index >= 0) keys?.splice(index, 1);
  }
}
