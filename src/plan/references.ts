import type { WorkflowKey } from '../api/usage.js';
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
