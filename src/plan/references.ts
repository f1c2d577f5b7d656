import { usageConfigMap, type WorkflowKey } from '../api/usage.js';
import type { KubeObject } from '../k8s/metacontroller.js';
import { frozenLike } from '../shared/frozen.js';
import type { DRPlanSpec } from '../api/plan.js';

/** The workflows a plan spec uses; a reference without namespace means the plan's own. */
export function workflowKeysOf(spec: DRPlanSpec, planNamespace: string): WorkflowKey[] {
  const keys = new Map<string, WorkflowKey>();
  for (const stage of spec.stages) {
    for (const entry of stage.workflows) {
      const key = { namespace: entry.workflowRef.namespace || planNamespace, name: entry.workflowRef.name };
      keys.set(`${key.namespace}/${key.name}`, key);
    }
  }
  return [...keys.values()];
}

/**
 * The usage ConfigMap of a plan spec, made once per frozen spec (a rehearsal's): each workflow
 * it names is hashed into a label, and a long run's plan with many workflows syncs once per action.
 */
export function usageOfSpec(spec: DRPlanSpec, plan: { namespace: string; name: string }): KubeObject {
  const known = usageBySpec.get(spec);
  if (known !== undefined && known.namespace === plan.namespace && known.name === plan.name) return known.configMap;
  // Shared by every answer made from the spec: frozen, so that none can change it for the others.
  const configMap = frozenLike(spec, usageConfigMap(plan, workflowKeysOf(spec, plan.namespace)));
  if (Object.isFrozen(spec)) usageBySpec.set(spec, { ...plan, configMap });
  return configMap;
}

const usageBySpec = new WeakMap<DRPlanSpec, { namespace: string; name: string; configMap: KubeObject }>();
