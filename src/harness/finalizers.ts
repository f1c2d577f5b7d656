import type { ControllerDef } from './controllers.js';
import type { KubeObject } from './types.js';

/** Finalizers of the garbage collector: while one is present, children are left alone. */
const GC_FINALIZERS: readonly string[] = ['foregroundDeletion', 'orphan'];

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

export function without(obj: KubeObject, finalizer: string): string[] {
  return (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
}

/** Adds or removes a finalizer in place; false when there was nothing to do. */
export function setFinalizer(obj: KubeObject, finalizer: string, present: boolean): boolean {
  if (hasFinalizer(obj, finalizer) === present) return false;
  obj.metadata.finalizers = present ? [...(obj.metadata.finalizers ?? []), finalizer] : without(obj, finalizer);
  return true;
}

/** Children are managed while deleting only with our finalizer present and no GC finalizer. */
export function shouldFinalize(c: ControllerDef, obj: KubeObject): boolean {
  const finalizers = obj.metadata.finalizers ?? [];
  return c.hooks.finalize !== undefined && finalizers.includes(c.finalizer) && !finalizers.some((f) => GC_FINALIZERS.includes(f));
}
