import { LABEL_PLAN } from '../k8s/labels.js';
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
import { DRPlanSpec } from './schema.js';
import { reconcilePlan } from './sync.js';

/**
 * What the plan must see: its executions (by label), the workflows it may use, and the
 * Pods of its runner Jobs. Depends on the spec only, as Metacontroller caches it per generation.
 */
export function customizePlan(request: CustomizeRequest): HookResult<CustomizeResponse> {
  const namespace = request.parent.metadata.namespace ?? '';
  const byPlan = { matchLabels: { [LABEL_PLAN]: labelValue(request.parent.metadata.name) } };
  const rules: RelatedResourceRule[] = [
    { apiVersion: API_VERSION, resource: 'drplanexecutions', namespace, labelSelector: byPlan },
    { apiVersion: API_VERSION, resource: 'drworkflows', namespace },
  ];
  const spec = checkObject(DRPlanSpec, request.parent['spec']);
  if (spec.ok) {
    const elsewhere = new Map<string, string[]>();
    for (const key of workflowKeysOf(spec.value, namespace)) {
      if (key.namespace === namespace) continue;
      const names = elsewhere.get(key.namespace);
      if (names === undefined) elsewhere.set(key.namespace, [key.name]);
      else names.push(key.name);
    }
    for (const [otherNamespace, names] of [...elsewhere].sort(([a], [b]) => (a < b ? -1 : 1))) {
      rules.push({ apiVersion: API_VERSION, resource: 'drworkflows', namespace: otherNamespace, names: names.sort() });
    }
  }
  rules.push({ apiVersion: 'v1', resource: 'pods', namespace, labelSelector: byPlan });
  return { response: { relatedResources: rules }, decision: `related: ${rules.length} rule(s)` };
}

export function syncPlan(request: CompositeRequest, now: Date): HookResult<CompositeResponse> {
  return reconcilePlan(request, now);
}

export function finalizePlan(request: CompositeRequest, now: Date): HookResult<CompositeResponse> {
  return reconcilePlan({ ...request, finalizing: true }, now);
}
