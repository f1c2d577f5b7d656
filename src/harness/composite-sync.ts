import { manageChildren, observedChildren } from './children.js';
import { SyncError } from './errors.js';
import { hasFinalizer, setFinalizer, shouldFinalize } from './finalizers.js';
import type { SyncTrace } from './hookclient.js';
import type { CompositeControllerDef } from './controllers.js';
import { buildObjectMap } from './objectmap.js';
import { decodeCompositeResponse } from './responses.js';
import { decodeLabelSelector, matchesSelector, type LabelSelector } from './selectors.js';
import { atomicUpdate, prepareSync, withNamespace, type SyncContext, type SyncDeps } from './sync-steps.js';
import { deepEqual, describe, isRecord, refOf, type KubeObject, type ObjectRef } from './types.js';
import { deepFreeze } from '../shared/frozen.js';

/** client-go's retry.DefaultBackoff: attempts of a status update that keeps conflicting. */
const STATUS_ATTEMPTS = 4;

/**
 * A CompositeController's sync: the hook sees the parent, its children and related objects;
 * its answer's children are created, updated or deleted, then its status replaces the parent's.
 */
export async function syncComposite(
  deps: SyncDeps,
  c: CompositeControllerDef,
  ref: ObjectRef,
  trace: SyncTrace,
  context: SyncContext,
): Promise<void> {
  const start = await prepareSync(deps, c, ref, context);
  if (start === undefined) return;
  const { parent, hookName, hook, type } = start;
  const children = observedChildren(deps.view, deps.carried, parent, c.children);
  const related = await deps.hooks.related(c, parent, type, trace, context);
  const request = {
    controller: c.object,
    parent,
    children: buildObjectMap(parent, children, hook.version),
    related: buildObjectMap(parent, related, hook.version),
    finalizing: hookName === 'finalize',
  };
  const answer = await deps.hooks.call(c, hookName, hook, parent, trace, context, request, (v) => decodeCompositeResponse(v, hook.strict));
  if (answer.resyncAfterSeconds > 0) deps.requeueAfter(c, ref, answer.resyncAfterSeconds, 'resyncAfter');

  let current = parent;
  if (answer.finalized && hasFinalizer(current, c.finalizer)) {
    await context.pause();
    current = atomicUpdate(deps.store, current, (live) => setFinalizer(live, c.finalizer, false));
  }
  const desired = desiredChildren(deps, c, current, answer.children);
  // Metacontroller writes the status even when managing the children failed, then reports the failure.
  let manageError: Error | undefined;
  if (current.metadata.deletionTimestamp === undefined || shouldFinalize(c, current)) {
    await context.pause();
    try {
      manageChildren(deps.store, current, c.children, children, desired);
    } catch (err) {
      manageError = err instanceof Error ? err : new Error(JSON.stringify(err));
    }
  }
  // Replace, not merge; observedGeneration is always Metacontroller's.
  await updateParentStatus(deps, current, { ...answer.status, observedGeneration: current.metadata.generation }, context);
  if (manageError !== undefined) throw manageError;
}

/**
 * AtomicStatusUpdate: read the live parent, replace its status when it differs, and start
 * over when someone wrote in between. A parent gone (or replaced by a namesake) is left
 * alone, and so is one that keeps conflicting: its next watch event syncs it again.
 */
async function updateParentStatus(
  deps: SyncDeps,
  parent: KubeObject,
  status: Record<string, unknown>,
  context: SyncContext,
): Promise<void> {
  const ref = refOf(parent);
  const live = (): KubeObject | undefined => {
    const found = deps.store.get(ref);
    return found?.metadata.uid === parent.metadata.uid ? found : undefined;
  };
  for (let attempt = 0; attempt < STATUS_ATTEMPTS; attempt++) {
    const read = live();
    if (read === undefined || deepEqual(read.status, status)) return;
    await context.pause();
    const now = live();
    if (now === undefined) return;
    if (now.metadata.resourceVersion !== read.metadata.resourceVersion) {
      deps.log.push({ type: 'conflict', write: 'status', object: ref });
      continue;
    }
    // Compared above, with the version now stored: handed over as it is.
    deps.store.replaceStatus(ref, status);
    return;
  }
}

/** Namespace defaults, the generated `controller-uid` label, and the selector invariant. */
function desiredChildren(deps: SyncDeps, c: CompositeControllerDef, parent: KubeObject, children: KubeObject[]): readonly KubeObject[] {
  const uid = parent.metadata.uid ?? '';
  const selector = c.generateSelector ? { matchLabels: { 'controller-uid': uid } } : parentSelector(parent);
  const prepare = (child: KubeObject): KubeObject => {
    let out = withNamespace(deps.resources, parent, child);
    if (c.generateSelector && out.metadata.labels?.['controller-uid'] === undefined) {
      out = { ...out, metadata: { ...out.metadata, labels: { ...out.metadata.labels, 'controller-uid': uid } } };
    }
    if (!matchesSelector(selector, out.metadata.labels)) {
      throw new SyncError(`labels on desired child ${describe(out)} don't match parent selector`);
    }
    return deepFreeze(out);
  };
  // With a generated selector the outcome depends only on the parent's uid and namespace.
  if (!c.generateSelector) return children.map(prepare);
  const namespace = parent.metadata.namespace ?? '';
  // Frozen, so that what is worked out of it is carried to the next sync's list.
  return Object.freeze(
    children.map((child) => {
      const known = prepared.get(child);
      if (known !== undefined && known.uid === uid && known.namespace === namespace && known.resources === deps.resources)
        return known.child;
      const out = prepare(child);
      // A kind not known yet may be registered (as namespaced or not) later: prepare it again then.
      if (deps.resources.byKind(child.apiVersion, child.kind) !== undefined) {
        prepared.set(child, { uid, namespace, resources: deps.resources, child: out });
      }
      return out;
    }),
  );
}

/** Per answered child (frozen, see `decodeCompositeResponse`): what `desiredChildren` made of it, and for which parent. */
const prepared = new WeakMap<KubeObject, { uid: string; namespace: string; resources: SyncDeps['resources']; child: KubeObject }>();

/** Without generateSelector the parent must carry a non-empty `spec.selector`. */
function parentSelector(parent: KubeObject): LabelSelector {
  const raw = isRecord(parent.spec) ? parent.spec.selector : undefined;
  const missing = new SyncError(`${describe(parent)}: .spec.selector must have either matchLabels, matchExpressions, or both`);
  if (raw === undefined || raw === null) throw missing;
  let selector: LabelSelector;
  try {
    selector = decodeLabelSelector(raw, `${describe(parent)}: .spec.selector`, false);
  } catch (err) {
    throw new SyncError(err instanceof Error ? err.message : String(err));
  }
  if (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0) throw missing;
  return selector;
}
