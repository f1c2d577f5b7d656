import { ApiError, SyncError } from './errors.js';
import type { ObjectReader } from './informers.js';
import type { ChildRule, UpdateMethod } from './controllers.js';
import type { ObjectGroup } from './objectmap.js';
import type { Store } from './store.js';
import type { CarriedLists } from './carried.js';
import { expectVersion } from './sync-steps.js';
import { rememberedWhenFrozen } from '../shared/frozen.js';
import { mappedAlongLists } from '../shared/along-lists.js';
import { eachOf, filteredOf } from '../shared/frozen-lists.js';
import { clone, deepEqual, describe, isRecord, refOf, type KubeObject, type OwnerReference } from './types.js';

/** Children and attachments, after Metacontroller's `common/manage_children.go` (dynamic apply). */

const LAST_APPLIED = 'metacontroller.k8s.io/last-applied-configuration';
export const DECORATOR_ANNOTATION = 'metacontroller.k8s.io/decorator-controller';

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  for (const ref of obj.metadata.ownerReferences ?? []) if (ref.controller === true) return ref;
  return undefined;
}

/**
 * The objects of the declared child types that the parent controls. Attachments also need the
 * decorator's annotation, so two decorators on one target never see each other's objects. Which
 * of a type's objects are the parent's is carried from one listing to the next (`carried`).
 */
export function observedChildren(
  store: ObjectReader,
  carried: CarriedLists,
  parent: KubeObject,
  rules: ChildRule[],
  decorator?: string,
): ObjectGroup[] {
  const namespace = parent.metadata.namespace ?? '';
  const uid = parent.metadata.uid;
  return rules.map(({ type }) => {
    const listed = store.listed(type);
    const key = `children|${namespace}|${uid ?? ''}|${type.apiVersion}|${type.kind}|${decorator ?? ''}`;
    const owned = carried.map(key, listed, (obj) => {
      if (type.namespaced && namespace !== '' && (obj.metadata.namespace ?? '') !== namespace) return false;
      if (controllerRef(obj)?.uid !== uid) return false;
      return decorator === undefined || obj.metadata.annotations?.[DECORATOR_ANNOTATION] === decorator;
    });
    return { type, objects: Object.freeze(filteredOf(listed, (_, index) => owned[index] === true)) };
  });
}

/**
 * Deletes observed children that are not desired, creates missing ones and updates existing
 * ones per update strategy. Like Metacontroller it carries on after a failure and reports all
 * failures at the end.
 */
export function manageChildren(
  store: Store,
  parent: KubeObject,
  rules: ChildRule[],
  observed: ObjectGroup[],
  desired: readonly KubeObject[],
): void {
  const failures: string[] = [];
  let races = 0;
  // The words for a failure are only made when one happens: a long run has a child per action.
  const attempt = (verb: string, child: KubeObject, action: () => void): void => {
    try {
      action();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.reason === 'NotFound') return;
      failures.push(`can't ${verb} ${describe(child)}: ${err.message}`);
      if (err.reason === 'Conflict') races += 1;
    }
  };
  const desiredByKey = byKey([desired]);
  const observedByKey = byKey(observed.map((group) => group.objects));
  for (const [key, obj] of observedByKey) {
    if (obj.metadata.deletionTimestamp === undefined && !desiredByKey.has(key)) {
      attempt('delete', obj, () => store.delete(refOf(obj)));
    }
  }
  for (const [key, want] of desiredByKey) {
    const have = observedByKey.get(key);
    if (have === undefined) {
      attempt('create', want, () => create(store, parent, want));
      continue;
    }
    const method = rules.find((r) => r.type.apiVersion === want.apiVersion && r.type.kind === want.kind)?.method ?? 'OnDelete';
    // Metacontroller leaves these alone; a long run's plan keeps a Job per action.
    if (method === 'OnDelete' || have.metadata.deletionTimestamp !== undefined) continue;
    attempt('update', want, () => update(store, method, have, want));
  }
  if (failures.length === 0) return;
  const message = `can't reconcile children of ${describe(parent)}: ${failures.join('; ')}`;
  // An update computed from a cached child that changed since is the API server's refusal, not the hook's fault.
  throw races === failures.length ? new ApiError('Conflict', message) : new SyncError(message);
}

function create(store: Store, parent: KubeObject, want: KubeObject): void {
  const child = clone(want);
  child.metadata.annotations = { ...child.metadata.annotations, [LAST_APPLIED]: JSON.stringify(want) };
  const owner: OwnerReference = {
    apiVersion: parent.apiVersion,
    kind: parent.kind,
    name: parent.metadata.name,
    uid: parent.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
  child.metadata.ownerReferences = [...(child.metadata.ownerReferences ?? []), owner];
  try {
    store.create(child);
  } catch (err) {
    // Metacontroller swallows AlreadyExists: a same-named object it does not own stays unseen.
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

/** A child that is not being deleted, of a type updated in place or recreated. */
function update(store: Store, method: Exclude<UpdateMethod, 'OnDelete'>, have: KubeObject, want: KubeObject): void {
  // A desired child answered again as the same object finds the same stored child up to date.
  if (upToDate.get(have) === want) return;
  const lastApplied = parseLastApplied(have);
  if (lastApplied !== undefined && deepEqual(lastApplied, want)) {
    if (Object.isFrozen(have) && Object.isFrozen(want)) upToDate.set(have, want);
    return;
  }
  if (method === 'Recreate' || method === 'RollingRecreate') {
    // Deleted now, created again by the sync its deletion triggers.
    store.delete(refOf(have));
    return;
  }
  const next: KubeObject = { apiVersion: have.apiVersion, kind: have.kind, metadata: clone(have.metadata) };
  for (const [field, value] of Object.entries(want)) {
    if (field !== 'apiVersion' && field !== 'kind' && field !== 'metadata' && field !== 'status') next[field] = clone(value);
  }
  if (have.status !== undefined) next.status = have.status;
  // The PUT carries the resourceVersion of the cached child: a stale cache means a conflict.
  expectVersion(store, have);
  next.metadata.labels = threeWay(have.metadata.labels, appliedKeys(lastApplied, 'labels'), want.metadata.labels);
  next.metadata.annotations = {
    ...threeWay(have.metadata.annotations, appliedKeys(lastApplied, 'annotations'), want.metadata.annotations),
    [LAST_APPLIED]: JSON.stringify(want),
  };
  store.update(next);
}

/** kubectl-apply style map merge: keys we applied before but no longer want go, others' keys stay. */
export function threeWay(
  observed: Record<string, string> | undefined,
  previouslyApplied: readonly string[],
  desired: Record<string, string> | undefined,
): Record<string, string> {
  const dropped = previouslyApplied.filter((key) => desired?.[key] === undefined);
  const kept = Object.entries(observed ?? {}).filter(([key]) => !dropped.includes(key));
  return { ...Object.fromEntries(kept), ...desired };
}

/**
 * What Metacontroller last applied, read once per stored (frozen) child: a large run's definition
 * ConfigMaps carry some hundred kilobytes there, compared on every sync of their plan.
 */
const parseLastApplied = rememberedWhenFrozen(readLastApplied);

/** Per stored child, the last desired object (frozen, as answers are decoded) found applied already. */
const upToDate = new WeakMap<KubeObject, KubeObject>();

function readLastApplied(obj: KubeObject): Record<string, unknown> | undefined {
  const text = obj.metadata.annotations?.[LAST_APPLIED];
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function appliedKeys(applied: Record<string, unknown> | undefined, field: 'labels' | 'annotations'): string[] {
  const metadata = applied?.metadata;
  const map = isRecord(metadata) ? metadata[field] : undefined;
  return isRecord(map) ? Object.keys(map) : [];
}

/** The objects of `lists` by their key, later lists winning. */
function byKey(lists: readonly (readonly KubeObject[])[]): Map<string, KubeObject> {
  const found = new Map<string, KubeObject>();
  for (const list of lists) {
    const keys = childKeys(list);
    eachOf(list, (obj, index) => found.set(keys[index] as string, obj));
  }
  return found;
}

/**
 * Observed children are lists of stored objects and desired ones of answered objects, both
 * frozen: their keys are carried from one sync's list to the next (docs/design.md, "Carried
 * across syncs").
 */
const childKeys = mappedAlongLists(
  (obj: KubeObject): string => `${obj.apiVersion}|${obj.kind}|${obj.metadata.namespace ?? ''}|${obj.metadata.name}`,
);
