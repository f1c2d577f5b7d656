import { ApiError, SyncError } from './errors.js';
import type { EventLog } from './events.js';
import { hasFinalizer, setFinalizer } from './finalizers.js';
import type { HookCalls } from './hook-calls.js';
import type { ObjectReader } from './informers.js';
import type { CarriedLists } from './carried.js';
import type { ControllerDef, HookSpec } from './controllers.js';
import type { ResourceTable, ResourceType } from './resources.js';
import type { Store } from './store.js';
import { manages, selected, targetRule } from './targets.js';
import type { Cause } from './traffic.js';
import { clone, describe, refOf, type KubeObject, type ObjectRef } from './types.js';

/** One sync's cause (for the traffic counters) and how it lets other work run. */
export interface SyncContext {
  cause: Cause;
  pause: () => Promise<void>;
}

/** The pause of work that runs to its end without letting anything else in. */
export const immediately = (): Promise<void> => Promise.resolve();

/** What the syncs of both controller kinds work with. */
export interface SyncDeps {
  /** Where writes go. */
  store: Store;
  /** Where reads come from: the store, or the informer caches. */
  view: ObjectReader;
  /** What syncs work out of the lists they read, carried to the next sync. */
  carried: CarriedLists;
  resources: ResourceTable;
  log: EventLog;
  hooks: HookCalls;
  /** A delayed requeue; like client-go's AddAfter, an earlier pending time wins. */
  requeueAfter: (c: ControllerDef, ref: ObjectRef, seconds: number, why: string) => void;
}

/** The parent or target a sync goes on with, and which of its hooks it calls. */
export interface SyncStart {
  parent: KubeObject;
  hookName: 'sync' | 'finalize';
  hook: HookSpec;
  type: ResourceType;
}

/**
 * Steps shared by both controller kinds up to the hook call: selector filtering, finalizer
 * add/remove (a real write, before anything else), and the choice of sync or finalize.
 */
export async function prepareSync(deps: SyncDeps, c: ControllerDef, ref: ObjectRef, context: SyncContext): Promise<SyncStart | undefined> {
  const found = deps.view.get(ref);
  if (found === undefined) return undefined;
  const type = targetRule(c, found)?.type;
  if (type === undefined || !manages(c, found)) return undefined;
  let parent = found;
  const enabled = c.hooks.finalize !== undefined;
  if (hasFinalizer(parent, c.finalizer) !== enabled && (!enabled || parent.metadata.deletionTimestamp === undefined)) {
    await context.pause();
    parent = atomicUpdate(deps.store, parent, (live) => setFinalizer(live, c.finalizer, enabled));
  }
  if (!manages(c, parent)) return undefined;
  const finalizing = enabled && (parent.metadata.deletionTimestamp !== undefined || !selected(c, parent));
  const hookName = finalizing ? 'finalize' : 'sync';
  const hook = c.hooks[hookName];
  return hook === undefined ? undefined : { parent, hookName, hook, type };
}

/** AtomicUpdate: the change applied to the live object (of the same uid), written if it changed anything. */
export function atomicUpdate(store: Store, obj: KubeObject, change: (live: KubeObject) => boolean): KubeObject {
  const stored = store.get(refOf(obj));
  if (stored === undefined || stored.metadata.uid !== obj.metadata.uid) throw new ApiError('NotFound', `${describe(obj)} not found`);
  const live = clone(stored);
  return change(live) ? store.update(live) : stored;
}

/** An update's resourceVersion precondition, as the API server checks it. */
export function expectVersion(store: Store, obj: KubeObject): void {
  const live = store.get(refOf(obj));
  if (live === undefined || live.metadata.uid !== obj.metadata.uid) throw new ApiError('NotFound', `${describe(obj)} not found`);
  if (live.metadata.resourceVersion !== obj.metadata.resourceVersion) {
    throw new ApiError(
      'Conflict',
      `Operation cannot be fulfilled on ${describe(obj)}: the object has been modified; please apply your changes to the latest version and try again`,
    );
  }
}

/**
 * A child or attachment as the hook gave it, in its parent's namespace unless it names one.
 * Not a copy: what writes it copies it first, and the answer may hold the store's frozen objects.
 */
export function withNamespace(resources: ResourceTable, parent: KubeObject, child: KubeObject): KubeObject {
  const parentNs = parent.metadata.namespace ?? '';
  const out =
    (child.metadata.namespace ?? '') === '' && parentNs !== '' ? { ...child, metadata: { ...child.metadata, namespace: parentNs } } : child;
  const childNs = out.metadata.namespace ?? '';
  const childType = resources.byKind(out.apiVersion, out.kind);
  if (parentNs !== '' && childType?.namespaced === true && childNs !== parentNs) {
    throw new SyncError(`${describe(out)}: a namespaced parent can only own children in its own namespace ${parentNs}`);
  }
  return out;
}
