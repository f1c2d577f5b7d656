import { inListOrder } from './list-order.js';
import type { KubeObject } from './types.js';

/** One view: the keys of the objects of its type that pass its filter. */
interface LiveView {
  filter: (obj: Readonly<KubeObject>) => boolean;
  keys: Set<string>;
}

/**
 * The store's views (`Store.view`): per type, the keys of the objects that pass each view's
 * filter, kept as objects are written and removed, so that reading a view does not walk its type.
 * A type is named by the prefix all its keys share, as in ListOrder.
 */
export class LiveViews {
  readonly #byType = new Map<string, LiveView[]>();

  /** A new view of one type, starting from the store's entries; returns its keys in list order. */
  add(prefix: string, filter: LiveView['filter'], entries: Iterable<[string, KubeObject]>): () => string[] {
    const view: LiveView = { filter, keys: new Set() };
    for (const [key, obj] of entries) if (key.startsWith(prefix) && filter(obj)) view.keys.add(key);
    this.#byType.set(prefix, [...(this.#byType.get(prefix) ?? []), view]);
    return () => inListOrder(view.keys);
  }

  /** A created or changed object. */
  stored(prefix: string, key: string, obj: KubeObject): void {
    for (const view of this.#byType.get(prefix) ?? []) {
      if (view.filter(obj)) view.keys.add(key);
      else view.keys.delete(key);
    }
  }

  removed(prefix: string, key: string): void {
    for (const view of this.#byType.get(prefix) ?? []) view.keys.delete(key);
  }
}
