import { API_GROUP } from '../k8s/schema.js';
import { LABEL_PLAN } from '../k8s/labels.js';
import { objectsOfKind, type KubeObject, type ObjectMap } from '../k8s/metacontroller.js';
import { hashedName, labelValue, shortHash } from '../k8s/names.js';

/**
 * Which plans use which workflow, told through one small ConfigMap per plan (a child of the
 * plan). A workflow relates the usage ConfigMaps that carry its label instead of relating
 * plans: a ConfigMap changes only when the plan's references change, whereas a plan's status
 * changes on every step of a run (docs/design.md, "Fan-out").
 */

export interface WorkflowKey {
  namespace: string;
  name: string;
}

const USES_PREFIX = `uses.${API_GROUP}/`;
const PLAN_KEY = 'plan';
const WORKFLOWS_KEY = 'workflows';

/** The label a usage ConfigMap carries for each workflow it names (hashed: names are too long for label keys). */
export function usesLabel(workflow: WorkflowKey): string {
  return `${USES_PREFIX}${shortHash(`${workflow.namespace}/${workflow.name}`, 20)}`;
}

export function usageConfigMapName(planNamespace: string, planName: string): string {
  return hashedName(['drplan', planName, 'uses'], `${planNamespace}/${planName}`);
}

export function usageConfigMap(plan: { namespace: string; name: string }, workflows: readonly WorkflowKey[]): KubeObject {
  const keys = [...new Set(workflows.map((workflow) => `${workflow.namespace}/${workflow.name}`))].sort();
  const labels: Record<string, string> = { [LABEL_PLAN]: labelValue(plan.name) };
  for (const workflow of workflows) labels[usesLabel(workflow)] = 'true';
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: usageConfigMapName(plan.namespace, plan.name), namespace: plan.namespace, labels },
    data: { [PLAN_KEY]: `${plan.namespace}/${plan.name}`, [WORKFLOWS_KEY]: keys.join('\n') },
  };
}

export function isUsageConfigMap(object: KubeObject, plan: { namespace: string; name: string }): boolean {
  return object.metadata.name === usageConfigMapName(plan.namespace, plan.name);
}

/**
 * The plans (`ns/name`) whose usage ConfigMaps name `workflow`, sorted. The names listed in
 * the data are checked too, so a hash collision of the label never counts as a use.
 */
export function plansUsing(related: ObjectMap | undefined, workflow: WorkflowKey): string[] {
  const wanted = `${workflow.namespace}/${workflow.name}`;
  const plans = new Set<string>();
  for (const configMap of objectsOfKind(related, 'ConfigMap', 'v1')) {
    const data = (configMap as { data?: unknown }).data;
    if (typeof data !== 'object' || data === null) continue;
    const plan = (data as Record<string, unknown>)[PLAN_KEY];
    const names = (data as Record<string, unknown>)[WORKFLOWS_KEY];
    if (typeof plan !== 'string' || typeof names !== 'string') continue;
    if (names.split('\n').includes(wanted)) plans.add(plan);
  }
  return [...plans].sort();
}
