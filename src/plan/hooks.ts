import type { RunnerDefaults } from '../engine/runner.js';
import { LABEL_ARCHIVED, LABEL_PLAN, LABEL_RUNNER } from '../k8s/labels.js';
import type {
  CompositeRequest,
  CompositeResponse,
  CustomizeRequest,
  CustomizeResponse,
  HookResult,
  RelatedResourceRule,
} from '../k8s/metacontroller.js';
import { labelValue } from '../k8s/names.js';
import { API_VERSION } from '../k8s/schema.js';
import { checkObject } from '../k8s/validate.js';
import { workflowKeysOf } from './references.js';
import { DRPlanSpec } from '../api/plan.js';
import { reconcilePlan } from './sync.js';

/**
 * What the plan must see: its executions that are not archived (by label), the workflows it
 * uses (by name), and its runner Pods (by label). Depends on the spec only, as Metacontroller
 * caches it per generation; every rule is narrow so that the plan's requests and the syncs a
 * change triggers do not grow with the cluster (docs/design.md, "Fan-out").
 */
export function customizePlan(request: CustomizeRequest): HookResult<CustomizeResponse> {
  const namespace = request.parent.metadata.namespace ?? '';
  const plan = labelValue(request.parent.metadata.name);
  const rules: RelatedResourceRule[] = [
    {
      apiVersion: API_VERSION,
      resource: 'drplanexecutions',
      namespace,
      labelSelector: { matchLabels: { [LABEL_PLAN]: plan }, matchExpressions: [{ key: LABEL_ARCHIVED, operator: 'DoesNotExist' }] },
    },
  ];
  const spec = checkObject(DRPlanSpec, request.parent['spec']);
  if (spec.ok) {
    const byNamespace = new Map<string, Set<string>>();
    for (const key of workflowKeysOf(spec.value, namespace)) {
      const names = byNamespace.get(key.namespace) ?? new Set<string>();
      names.add(key.name);
      byNamespace.set(key.namespace, names);
    }
    for (const [workflowNamespace, names] of [...byNamespace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      rules.push({ apiVersion: API_VERSION, resource: 'drworkflows', namespace: workflowNamespace, names: [...names].sort() });
    }
  }
  rules.push({
    apiVersion: 'v1',
    resource: 'pods',
    namespace,
    labelSelector: { matchLabels: { [LABEL_PLAN]: plan, [LABEL_RUNNER]: 'true' } },
  });
  return { response: { relatedResources: rules }, decision: `related: ${rules.length} rule(s)` };
}

export function syncPlan(request: CompositeRequest, now: Date, runner?: RunnerDefaults): HookResult<CompositeResponse> {
  return reconcilePlan(request, now, runner);
}

export function finalizePlan(request: CompositeRequest, now: Date, runner?: RunnerDefaults): HookResult<CompositeResponse> {
  return reconcilePlan({ ...request, finalizing: true }, now, runner);
}
