import { hasFinalizer } from './finalizers.js';
import { rememberedWhenFrozen } from '../shared/frozen.js';
import type { ControllerDef } from './controllers.js';
import type { ResourceType } from './resources.js';
import { matchesSelector } from './selectors.js';
import type { KubeObject } from './types.js';

/** Which objects a controller syncs: its parent resource (composite) or its resources (decorator). */

export function sameType(type: ResourceType, obj: KubeObject): boolean {
  return type.apiVersion === obj.apiVersion && type.kind === obj.kind;
}

export function targetRule(c: ControllerDef, obj: KubeObject): ControllerDef['targets'][number] | undefined {
  return c.targets.find((t) => sameType(t.type, obj));
}

/**
 * Selected by the controller's selectors, or still carrying its finalizer (opt-out finalize).
 * Worked out once per frozen object: the event handlers ask it of every parent on every change.
 */
export function manages(c: ControllerDef, obj: KubeObject): boolean {
  let managed = managedBy.get(c);
  if (managed === undefined) {
    managed = rememberedWhenFrozen((object: KubeObject) => selected(c, object) || hasFinalizer(object, c.finalizer));
    managedBy.set(c, managed);
  }
  return managed(obj);
}

const managedBy = new WeakMap<ControllerDef, (obj: KubeObject) => boolean>();

export function selected(c: ControllerDef, obj: KubeObject): boolean {
  const rule = targetRule(c, obj);
  return (
    rule !== undefined &&
    matchesSelector(rule.labelSelector, obj.metadata.labels) &&
    matchesSelector(rule.annotationSelector, obj.metadata.annotations)
  );
}
