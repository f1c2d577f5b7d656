import { hasFinalizer } from './finalizers.js';
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

/** Selected by the controller's selectors, or still carrying its finalizer (opt-out finalize). */
export function manages(c: ControllerDef, obj: KubeObject): boolean {
  return selected(c, obj) || hasFinalizer(obj, c.finalizer);
}

export function selected(c: ControllerDef, obj: KubeObject): boolean {
  const rule = targetRule(c, obj);
  return (
    rule !== undefined &&
    matchesSelector(rule.labelSelector, obj.metadata.labels) &&
    matchesSelector(rule.annotationSelector, obj.metadata.annotations)
  );
}
