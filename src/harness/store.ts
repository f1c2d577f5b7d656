import { applyServerDefaults, bodyChanged, changeVerbs, setClientMetadata } from './object-writes.js';
import type { ChangeVerb } from './events.js';
import { formatTime, type FakeClock } from './clock.js';
import { ApiError } from './errors.js';
import type { EventLog } from './events.js';
import type { ResourceTable, ResourceType } from './resources.js';
import { validateObjectMeta } from './validation.js';
import { clone, deepEqual, describe, refOf, storable, type KubeObject, type ObjectRef } from './types.js';
import { deepFreeze } from '../shared/frozen.js';
import { ListOrder } from './list-order.js';
import { LiveViews } from './live-views.js';
import { StoredObjects } from './stored-objects.js';

/** One effective write: `before` absent for a create, `after` absent for a removal. */
export interface StoreChange {
  before?: KubeObject;
  after?: KubeObject;
  /** What the write changed, when it changed an object that stays. */
  verbs?: readonly ChangeVerb[];
}

/**
 * The fake API server: objects, uids, resourceVersion, generation, finalizers, graceful
 * deletion and background garbage collection. Every write that changes an object is logged
 * and reported to `onChange`; no-op writes are dropped, as the real server does.
 */
export class Store {
  readonly #objects = new StoredObjects();
  readonly #order = new ListOrder();
  readonly #views = new LiveViews();
  readonly #resources: ResourceTable;
  readonly #clock: FakeClock;
  readonly #log: EventLog;
  readonly #onChange: (change: StoreChange) => void;
  readonly #listeners = new Set<(change: StoreChange) => void>();
  #uids = 0;
  #resourceVersion = 0;

  constructor(resources: ResourceTable, clock: FakeClock, log: EventLog, onChange: (change: StoreChange) => void) {
    this.#resources = resources;
    this.#clock = clock;
    this.#log = log;
    this.#onChange = onChange;
  }

  typeOf(apiVersion: string, kind: string): ResourceType {
    const type = this.#resources.byKind(apiVersion, kind);
    if (type === undefined) throw new ApiError('NotFound', `no matches for kind "${kind}" in version "${apiVersion}"`);
    return type;
  }

  /** The stored object itself, frozen: read it, never change it (copy it first). */
  get(ref: ObjectRef): KubeObject | undefined {
    return this.#objects.get(keyOf(ref));
  }

  getByUid(uid: string): KubeObject | undefined {
    return this.#objects.getByUid(uid);
  }

  /**
   * Objects of one type, optionally in one namespace and passing `filter`, ordered by namespace
   * then name: the stored objects themselves, frozen.
   */
  list(type: ResourceType, namespace?: string, filter: (obj: Readonly<KubeObject>) => boolean = () => true): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of this.#order.objectsOf(typePrefix(type), () => this.#objects.entries())) {
      if (namespace !== undefined && type.namespaced && (obj.metadata.namespace ?? '') !== namespace) continue;
      if (filter(obj)) out.push(obj);
    }
    return out;
  }

  /** Every object of one type, in list order, as one frozen list: the same list until one of them is written. */
  listed(type: ResourceType): readonly KubeObject[] {
    return this.#order.listed(typePrefix(type), () => this.#objects.entries());
  }

  /**
   * The objects of one type that pass `filter`, kept up to date as they are written, so that
   * reading them does not walk the type: the kubelet looks for running Jobs after every sync,
   * among every Job a long run has made. `filter` must depend on the object only.
   */
  view(type: ResourceType, filter: (obj: Readonly<KubeObject>) => boolean): () => KubeObject[] {
    const keys = this.#views.add(typePrefix(type), filter, this.#objects.entries());
    return () => keys().map((key) => this.#objects.get(key) as KubeObject);
  }

  /** The stored objects of one type, not copied: for matching only, never to be changed or kept. */
  peek(type: ResourceType): Readonly<KubeObject>[] {
    return this.#objects.ofType(typePrefix(type));
  }

  create(input: KubeObject): KubeObject {
    const type = this.typeOf(input.apiVersion, input.kind);
    validateObjectMeta(type, input.metadata);
    const namespace = input.metadata.namespace ?? '';
    if (type.namespaced && namespace === '')
      throw new ApiError('Invalid', `${describe(input)} is invalid: metadata.namespace: Required value`);
    const obj: KubeObject = { ...clone(input), metadata: { name: input.metadata.name } };
    if (type.namespaced) obj.metadata.namespace = namespace;
    if (this.#objects.has(keyOf(refOf(obj)))) {
      throw new ApiError('AlreadyExists', `${type.plural} "${obj.metadata.name}" already exists`);
    }
    setClientMetadata(obj.metadata, input.metadata);
    applyServerDefaults(type, obj);
    this.#uids += 1;
    obj.metadata.uid = `uid-${String(this.#uids).padStart(4, '0')}`;
    obj.metadata.creationTimestamp = formatTime(this.#clock.nowMs());
    obj.metadata.generation = 1;
    // With a status subresource the server ignores status on create.
    if (type.statusSubresource) delete obj.status;
    if (isCrd(obj)) this.#register(obj);
    this.#commit(undefined, obj);
    return obj;
  }

  /** PUT of the main resource: client metadata and the body; status only without a subresource. */
  update(input: KubeObject): KubeObject {
    const before = this.#require(refOf(input));
    const type = this.typeOf(before.apiVersion, before.kind);
    validateObjectMeta(type, input.metadata);
    const after: KubeObject = { apiVersion: before.apiVersion, kind: before.kind, metadata: clone(before.metadata) };
    setClientMetadata(after.metadata, input.metadata);
    for (const [field, value] of Object.entries(input)) {
      if (field === 'apiVersion' || field === 'kind' || field === 'metadata' || field === 'status') continue;
      after[field] = storable(value);
    }
    const status = type.statusSubresource ? before.status : input.status;
    if (status !== undefined) after.status = storable(status);
    applyServerDefaults(type, after);
    if (before.metadata.deletionTimestamp !== undefined) {
      const added = (after.metadata.finalizers ?? []).filter((f) => !(before.metadata.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw new ApiError(
          'Forbidden',
          `${describe(before)}: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
        );
      }
    }
    if (type.immutableSpecMessage !== undefined && !deepEqual(before.spec, after.spec)) {
      throw new ApiError('Invalid', `${describe(before)} is invalid: spec: Invalid value: "object": ${type.immutableSpecMessage}`);
    }
    if (isCrd(after)) this.#register(after);
    return this.#write(type, before, after);
  }

  /** Called with every effective write after `onChange`, until the returned function is called. */
  subscribe(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The store's clock, in epoch ms: what ages and timestamps are measured against. */
  nowMs(): number {
    return this.#clock.nowMs();
  }

  /** The resourceVersion of the latest write, as list responses report it. */
  get resourceVersion(): string {
    return String(this.#resourceVersion);
  }

  #register(crd: KubeObject): void {
    try {
      this.#resources.register(crd);
    } catch (error) {
      throw new ApiError('Invalid', `${describe(crd)} is invalid: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  updateStatus(ref: ObjectRef, status: unknown): KubeObject {
    const before = this.#require(ref);
    // The same status is no write at all, as on the API server.
    if (deepEqual(before.status, status)) return before;
    return this.replaceStatus(ref, storable(status));
  }

  /**
   * A status write of one the caller has already found to differ from the stored one, and hands
   * over: it is kept as it is (and frozen), not compared or copied again. A hook's answer is
   * whole statuses, compared once by the sync that writes it.
   */
  replaceStatus(ref: ObjectRef, status: unknown): KubeObject {
    const before = this.#require(ref);
    // Only the status and metadata change: the rest is shared with the frozen version before.
    const after: KubeObject = { ...before, metadata: clone(before.metadata) };
    if (status === undefined) delete after.status;
    else after.status = status;
    return this.#write(this.typeOf(before.apiVersion, before.kind), before, after, ['status']);
  }

  /**
   * Graceful deletion: an object with finalizers gets a deletionTimestamp (and, as on a real
   * server, a generation bump) and stays until they are gone; without finalizers it goes now.
   */
  delete(ref: ObjectRef): void {
    const before = this.#require(ref);
    if (before.metadata.deletionTimestamp !== undefined) return;
    if ((before.metadata.finalizers ?? []).length === 0) {
      this.#remove(before);
      return;
    }
    const after = clone(before);
    after.metadata.deletionTimestamp = formatTime(this.#clock.nowMs());
    after.metadata.deletionGracePeriodSeconds = 0;
    after.metadata.generation = (before.metadata.generation ?? 0) + 1;
    this.#commit(before, after);
  }

  #require(ref: ObjectRef): KubeObject {
    const obj = this.#objects.get(keyOf(ref));
    if (obj === undefined)
      throw new ApiError('NotFound', `${ref.kind} "${ref.name}" not found${ref.namespace === '' ? '' : ` in namespace ${ref.namespace}`}`);
    return obj;
  }

  /** `verbs`: what the caller already knows the write changes, so it is not worked out again. */
  #write(type: ResourceType, before: KubeObject, after: KubeObject, verbs?: readonly ChangeVerb[]): KubeObject {
    if (bodyChanged(type, before, after)) after.metadata.generation = (before.metadata.generation ?? 0) + 1;
    if (verbs !== undefined || !deepEqual(before, after)) this.#commit(before, after, verbs);
    // Removing the last finalizer of a deleting object completes its deletion.
    if (after.metadata.deletionTimestamp !== undefined && (after.metadata.finalizers ?? []).length === 0) {
      this.#remove(after);
      return after;
    }
    return this.#objects.get(keyOf(refOf(after))) ?? after;
  }

  #commit(before: KubeObject | undefined, after: KubeObject, known?: readonly ChangeVerb[]): void {
    this.#resourceVersion += 1;
    after.metadata.resourceVersion = String(this.#resourceVersion);
    const key = keyOf(refOf(after));
    const prefix = typePrefix(after);
    this.#objects.set(prefix, key, deepFreeze(after));
    this.#order.stored(prefix, key, after);
    this.#views.stored(prefix, key, after);
    const verbs = known ?? changeVerbs(before, after);
    for (const verb of verbs) this.#log.push({ type: 'change', verb, object: refOf(after) });
    this.#notify(before === undefined ? { after, verbs } : { before, after, verbs });
  }

  #notify(change: StoreChange): void {
    this.#onChange(change);
    for (const listener of this.#listeners) listener(change);
  }

  #remove(obj: KubeObject): void {
    const key = keyOf(refOf(obj));
    const stored = this.#objects.get(key);
    if (stored === undefined) return;
    const prefix = typePrefix(obj);
    this.#objects.delete(prefix, key);
    this.#order.removed(prefix, key);
    this.#views.removed(prefix, key);
    this.#resourceVersion += 1;
    this.#log.push({ type: 'change', verb: 'delete', object: refOf(obj) });
    this.#notify({ before: stored });
    const uid = stored.metadata.uid;
    if (uid !== undefined) this.#collectDependents(uid);
  }

  /** Background garbage collection of everything the removed object owned, recursively. */
  #collectDependents(uid: string): void {
    const owned = [...this.#objects.values()].filter((o) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid));
    for (const { apiVersion, kind, metadata } of owned) {
      // Earlier collections in this loop may have changed or removed it.
      const dependent = this.#objects.get(keyOf({ apiVersion, kind, namespace: metadata.namespace ?? '', name: metadata.name }));
      if (dependent === undefined) continue;
      const refs = dependent.metadata.ownerReferences ?? [];
      const live = refs.filter((r) => r.uid !== uid && this.getByUid(r.uid) !== undefined);
      if (live.length > 0) {
        const after = clone(dependent);
        after.metadata.ownerReferences = live;
        this.#commit(dependent, after);
      } else {
        this.delete(refOf(dependent));
      }
    }
  }
}

function isCrd(obj: KubeObject): boolean {
  return obj.apiVersion === 'apiextensions.k8s.io/v1' && obj.kind === 'CustomResourceDefinition';
}

/** What every key of one type's objects starts with. */
function typePrefix({ apiVersion, kind }: { apiVersion: string; kind: string }): string {
  return `${apiVersion}|${kind}|`;
}

function keyOf(ref: ObjectRef): string {
  return `${typePrefix(ref)}${ref.namespace}|${ref.name}`;
}
