import type { KubeObject } from './types.js';

/**
 * The store's objects by key, with the two lookups every sync makes of them: by uid (the owner of
 * each changed child) and by type, in the order they were created (the parents a change may wake,
 * found among their own type rather than among every object stored). A type is named by the
 * prefix all its keys share, as in ListOrder.
 */
export class StoredObjects {
  readonly #byKey = new Map<string, KubeObject>();
  readonly #byType = new Map<string, Map<string, KubeObject>>();
  readonly #keysByUid = new Map<string, string>();

  get(key: string): KubeObject | undefined {
    return this.#byKey.get(key);
  }

  getByUid(uid: string): KubeObject | undefined {
    const key = this.#keysByUid.get(uid);
    return key === undefined ? undefined : this.#byKey.get(key);
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  entries(): IterableIterator<[string, KubeObject]> {
    return this.#byKey.entries();
  }

  values(): IterableIterator<KubeObject> {
    return this.#byKey.values();
  }

  /** The objects of one type, in the order they were created. */
  ofType(prefix: string): KubeObject[] {
    return [...(this.#byType.get(prefix)?.values() ?? [])];
  }

  set(prefix: string, key: string, obj: KubeObject): void {
    this.#byKey.set(key, obj);
    const ofType = this.#byType.get(prefix) ?? new Map<string, KubeObject>();
    this.#byType.set(prefix, ofType.set(key, obj));
    if (obj.metadata.uid !== undefined) this.#keysByUid.set(obj.metadata.uid, key);
  }

  delete(prefix: string, key: string): void {
    const stored = this.#byKey.get(key);
    this.#byKey.delete(key);
    this.#byType.get(prefix)?.delete(key);
    if (stored?.metadata.uid !== undefined) this.#keysByUid.delete(stored.metadata.uid);
  }
}
