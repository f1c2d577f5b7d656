import type { Prng } from './schedule.js';
import type { Store, StoreChange } from './store.js';
import { clone, refOf, type KubeObject, type ObjectRef } from './types.js';
import type { ResourceType } from './resources.js';

/** What the controllers read objects through: the store itself, or informer caches that lag. */
export type ObjectReader = Pick<Store, 'get' | 'list' | 'listed' | 'getByUid' | 'peek'>;

/** A change on its way to an informer, with whatever caused it (for the traffic counters). */
export interface Delivery<C> {
  change: StoreChange;
  cause: C;
}

interface Pending<C> extends Delivery<C> {
  /** Scheduler steps left before the informer may apply it. */
  wait: number;
}

/**
 * One informer cache per resource type, as client-go keeps them: store changes reach a cache
 * in order, each after a delay drawn from the PRNG, and the change handed to the event
 * handlers is the cache's own transition (its previous version to the new one), so a handler
 * can see an older object than the store holds. Reads return copies, ordered like the store's.
 */
export class Informers<C> implements ObjectReader {
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #byUid = new Map<string, KubeObject>();
  readonly #pending = new Map<string, Pending<C>[]>();
  readonly #held = new Set<string>();
  readonly #prng: Prng;
  readonly #lag: number;

  constructor(prng: Prng, lag: number) {
    this.#prng = prng;
    this.#lag = Math.max(0, Math.floor(lag));
  }

  /** A store change: it waits in its type's queue for a delay of 0..lag steps. */
  record(change: StoreChange, cause: C): void {
    const obj = change.after ?? change.before;
    if (obj === undefined) return;
    const key = typeKey(obj);
    const queue = this.#pending.get(key) ?? [];
    this.#pending.set(key, queue);
    queue.push({ change, cause, wait: this.#prng.below(this.#lag + 1) });
  }

  /** Types whose next change may be applied now, in a stable order. */
  ready(): string[] {
    return [...this.#pending]
      .filter(([key, queue]) => !this.#held.has(key) && (queue[0]?.wait ?? 1) <= 0)
      .map(([key]) => key)
      .sort();
  }

  /** One scheduler step passes for every waiting change. */
  tick(): void {
    for (const queue of this.#pending.values()) for (const entry of queue) entry.wait = Math.max(0, entry.wait - 1);
  }

  /**
   * When nothing else can happen, time passes until the next change may be applied; false
   * when no change is waiting (held informers aside).
   */
  fastForward(): boolean {
    const heads = [...this.#pending]
      .filter(([key, queue]) => !this.#held.has(key) && queue.length > 0)
      .map(([, queue]) => queue[0]?.wait ?? 0);
    if (heads.length === 0) return false;
    const skip = Math.min(...heads);
    for (let n = 0; n < skip; n++) this.tick();
    return true;
  }

  /** Applies the oldest waiting change of a type; returns the transition the cache made. */
  apply(key: string): Delivery<C> | undefined {
    const entry = this.#pending.get(key)?.shift();
    if (entry === undefined) return undefined;
    const obj = entry.change.after ?? entry.change.before;
    if (obj === undefined) return undefined;
    const cache = this.#objects.get(key) ?? new Map<string, KubeObject>();
    this.#objects.set(key, cache);
    const name = objectKey(refOf(obj));
    const before = cache.get(name);
    if (before !== undefined) this.#byUid.delete(before.metadata.uid ?? '');
    const after = entry.change.after;
    if (after === undefined) {
      cache.delete(name);
    } else {
      const copy = clone(after);
      cache.set(name, copy);
      this.#byUid.set(copy.metadata.uid ?? '', copy);
    }
    const change: StoreChange = {};
    if (before !== undefined) change.before = clone(before);
    if (after !== undefined) change.after = clone(after);
    return { change, cause: entry.cause };
  }

  /** Stops (or resumes) applying changes of a kind: a watch that has fallen behind. */
  hold(type: ResourceType, held: boolean): void {
    const key = `${type.apiVersion}|${type.kind}`;
    if (held) this.#held.add(key);
    else this.#held.delete(key);
  }

  get(ref: ObjectRef): KubeObject | undefined {
    const obj = this.#objects.get(`${ref.apiVersion}|${ref.kind}`)?.get(objectKey(ref));
    return obj === undefined ? undefined : clone(obj);
  }

  getByUid(uid: string): KubeObject | undefined {
    const obj = this.#byUid.get(uid);
    return obj === undefined ? undefined : clone(obj);
  }

  list(type: ResourceType, namespace?: string, filter: (obj: Readonly<KubeObject>) => boolean = () => true): KubeObject[] {
    const cache = this.#objects.get(`${type.apiVersion}|${type.kind}`);
    if (cache === undefined) return [];
    return [...cache]
      .filter(([, obj]) => (namespace === undefined || !type.namespaced || (obj.metadata.namespace ?? '') === namespace) && filter(obj))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, obj]) => clone(obj));
  }

  /** A new list on every call: the caches lag the store, and their lists are copies. */
  listed(type: ResourceType): readonly KubeObject[] {
    return this.list(type);
  }

  peek(type: ResourceType): Readonly<KubeObject>[] {
    return [...(this.#objects.get(`${type.apiVersion}|${type.kind}`)?.values() ?? [])];
  }
}

function typeKey(obj: KubeObject): string {
  return `${obj.apiVersion}|${obj.kind}`;
}

/** The store's own key, so listings come out in the store's order. */
function objectKey(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace}|${ref.name}`;
}
