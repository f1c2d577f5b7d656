import { DECORATOR_ANNOTATION, manageChildren, observedChildren } from './children.js';
import { ApiError } from './errors.js';
import { hasFinalizer, shouldFinalize, without } from './finalizers.js';
import type { SyncTrace } from './hookclient.js';
import type { DecoratorControllerDef } from './controllers.js';
import type { ResourceType } from './resources.js';
import { buildObjectMap } from './objectmap.js';
import { decodeDecoratorResponse, type DecoratorHookResponse } from './responses.js';
import { expectVersion, prepareSync, withNamespace, type SyncContext, type SyncDeps } from './sync-steps.js';
import { clone, deepEqual, mergeStringMap, refOf, type KubeObject, type ObjectRef } from './types.js';

/** The target as the answer wants it, and whether that takes a status write of its own. */
interface TargetUpdate {
  next: KubeObject;
  status: unknown;
  statusChanged: boolean;
}

/**
 * A DecoratorController's sync: the hook sees the target, its attachments and related objects;
 * its answer's labels, annotations and status are written to the target, then its attachments
 * are created, updated or deleted.
 */
export async function syncDecorator(
  deps: SyncDeps,
  c: DecoratorControllerDef,
  ref: ObjectRef,
  trace: SyncTrace,
  context: SyncContext,
): Promise<void> {
  const start = await prepareSync(deps, c, ref, context);
  if (start === undefined) return;
  const { parent: target, hookName, hook, type } = start;
  const attachments = observedChildren(deps.view, deps.carried, target, c.children, c.name);
  const related = await deps.hooks.related(c, target, type, trace, context);
  const request = {
    controller: c.object,
    object: target,
    attachments: buildObjectMap(target, attachments, hook.version),
    related: buildObjectMap(target, related, hook.version),
    finalizing: hookName === 'finalize',
  };
  const answer = await deps.hooks.call(c, hookName, hook, target, trace, context, request, (v) => decodeDecoratorResponse(v, hook.strict));
  if (answer.resyncAfterSeconds > 0) deps.requeueAfter(c, ref, answer.resyncAfterSeconds, 'resyncAfter');

  const update = targetUpdate(c, target, answer);
  if (update !== undefined && !(await writeTarget(deps, ref, target, type, update, context))) return;
  const desired = answer.attachments.map((a) => {
    const out = withNamespace(deps.resources, target, a);
    return { ...out, metadata: { ...out.metadata, annotations: { ...out.metadata.annotations, [DECORATOR_ANNOTATION]: c.name } } };
  });
  // Decided on the target as the hook saw it, as Metacontroller does.
  if (target.metadata.deletionTimestamp === undefined || shouldFinalize(c, target)) {
    await context.pause();
    manageChildren(deps.store, target, c.children, attachments, desired);
  }
}

/** The answer applied to the target; undefined when it changes nothing. */
function targetUpdate(c: DecoratorControllerDef, target: KubeObject, answer: DecoratorHookResponse): TargetUpdate | undefined {
  const labels = mergeStringMap(target.metadata.labels, answer.labels);
  const annotations = mergeStringMap(target.metadata.annotations, answer.annotations);
  // A null status leaves the target's status alone; anything else replaces it.
  const status = answer.status ?? target.status;
  const statusChanged = !deepEqual(target.status, status);
  const finalize = answer.finalized && hasFinalizer(target, c.finalizer);
  const metadataChanged = !deepEqual(labels, target.metadata.labels ?? {}) || !deepEqual(annotations, target.metadata.annotations ?? {});
  if (!statusChanged && !finalize && !metadataChanged) return undefined;
  // The body is passed on as it is (frozen, shared); the store copies only what is new.
  const next: KubeObject = { ...target, metadata: clone(target.metadata) };
  next.metadata.labels = labels;
  next.metadata.annotations = annotations;
  if (finalize) next.metadata.finalizers = without(target, c.finalizer);
  if (status !== undefined) next.status = status;
  return { next, status, statusChanged };
}

/**
 * Writes the updated target; false when it vanished or changed mid-sync. Metacontroller then
 * gives up quietly and does not retry: the watch event of whatever changed it brings the next sync.
 */
async function writeTarget(
  deps: SyncDeps,
  ref: ObjectRef,
  target: KubeObject,
  type: ResourceType,
  update: TargetUpdate,
  context: SyncContext,
): Promise<boolean> {
  const { next, status, statusChanged } = update;
  await context.pause();
  try {
    // Both writes carry the resourceVersion of the target as the hook saw it.
    if (statusChanged && type.statusSubresource) {
      expectVersion(deps.store, next);
      // Found to differ by targetUpdate, against the version just checked: handed over as it is.
      const written = deps.store.replaceStatus(ref, status);
      next.metadata.resourceVersion = written.metadata.resourceVersion;
      next.status = written.status;
      await context.pause();
    }
    expectVersion(deps.store, next);
    deps.store.update(next);
    return true;
  } catch (err) {
    if (!(err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'Conflict'))) throw err;
    if (err.reason === 'Conflict') deps.log.push({ type: 'conflict', write: 'update', object: refOf(target) });
    return false;
  }
}
