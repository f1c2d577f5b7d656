import { mappedAlongLists } from '../shared/along-lists.js';

type Carrier = (list: readonly unknown[]) => readonly unknown[];

/**
 * What the syncs of one parent work out of the lists they read, carried from one sync's list to
 * the next (`mappedAlongLists`, docs/design.md, "Carried across syncs"): a long run's plan lists
 * every Job it has made on every sync, with one more each time. Kept per harness, as a cache is.
 */
export class CarriedLists {
  readonly #carriers = new Map<string, Carrier>();

  /** `each` of every item of `list`; `each` must depend only on the item and on what `key` names. */
  map<T, R>(key: string, list: readonly T[], each: (item: T) => R): readonly R[] {
    let carrier = this.#carriers.get(key);
    if (carrier === undefined) {
      carrier = mappedAlongLists(each as (item: unknown) => unknown);
      this.#carriers.set(key, carrier);
    }
    return carrier(list) as readonly R[];
  }
}
