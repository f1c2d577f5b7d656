import type { ObjectReader } from './informers.js';
import type { ResourceTable, ResourceType } from './manifests.js';
import type { ObjectGroup } from './objectmap.js';
import type { RelatedRule } from './responses.js';
import { matchesSelector } from './selectors.js';
import type { KubeObject } from './types.js';

/**
 * Selection of related objects from customize rules, after Metacontroller's
 * `customize/manager.go` (determineSelectionType, matchesRelatedRule). The same predicate serves
 * both to build the `related` map and to decide which parents a changed object wakes up.
 */

type SelectionMode = 'labels' | 'namespaceAndLabels' | 'namespaceSelector' | 'namespaceAndNames';

export interface RelatedScope {
  parent: KubeObject;
  parentNamespaced: boolean;
  /** Version of the customize hook: it decides the selection semantics. */
  version: 'v1' | 'v2';
  store: ObjectReader;
  resources: ResourceTable;
}

function ruleType(rule: RelatedRule, resources: ResourceTable): ResourceType {
  const type = resources.byResource(rule.apiVersion, rule.resource);
  if (type === undefined) throw new Error(`related rule names unknown resource ${rule.resource} in ${rule.apiVersion}`);
  return type;
}

function selectionMode(rule: RelatedRule): SelectionMode {
  if (rule.names !== undefined && (rule.labelSelector !== undefined || rule.namespaceSelector !== undefined)) {
    throw new Error(`related rule for ${rule.resource} cannot have both names and labelSelector/namespaceSelector`);
  }
  if (rule.namespace !== undefined && rule.namespaceSelector !== undefined) {
    throw new Error(`related rule for ${rule.resource} cannot have both namespace and namespaceSelector`);
  }
  if (rule.namespaceSelector !== undefined) return 'namespaceSelector';
  if (rule.labelSelector !== undefined && rule.namespace !== undefined) return 'namespaceAndLabels';
  if (rule.namespace !== undefined || rule.names !== undefined) return 'namespaceAndNames';
  return 'labels';
}

/** Throws for rules Metacontroller rejects (a sync error), so callers surface them as hook errors. */
export function ruleMatches(rule: RelatedRule, obj: KubeObject, scope: RelatedScope): boolean {
  const type = ruleType(rule, scope.resources);
  if (obj.apiVersion !== type.apiVersion || obj.kind !== type.kind) return false;
  const mode = selectionMode(rule);
  const parentNs = scope.parent.metadata.namespace ?? '';
  const objNs = obj.metadata.namespace ?? '';
  const v1Namespaced = scope.version === 'v1' && scope.parentNamespaced;
  const labelsMatch = matchesSelector(rule.labelSelector ?? {}, obj.metadata.labels);
  switch (mode) {
    case 'labels':
      return labelsMatch && !(v1Namespaced && type.namespaced && objNs !== parentNs);
    case 'namespaceAndLabels':
    case 'namespaceAndNames': {
      if (v1Namespaced) {
        if (rule.namespace !== undefined && rule.namespace !== parentNs) {
          throw new Error(`namespace ${rule.namespace} of the related rule for ${rule.resource} differs from the parent's namespace ${parentNs} (v1 hook)`);
        }
        if (type.namespaced && objNs !== parentNs) return false;
      }
      if (type.namespaced && rule.namespace !== undefined && objNs !== rule.namespace) return false;
      return mode === 'namespaceAndLabels' ? labelsMatch : rule.names === undefined || rule.names.includes(obj.metadata.name);
    }
    case 'namespaceSelector': {
      if (v1Namespaced) throw new Error('namespaceSelector cannot be used by a namespaced parent in a v1 hook');
      if (!type.namespaced) throw new Error(`namespaceSelector is only supported for namespaced related resources, not ${rule.resource}`);
      return labelsMatch && matchesSelector(rule.namespaceSelector ?? {}, namespaceLabels(scope, objNs));
    }
  }
}

/**
 * A namespaced object implies its namespace exists on a real cluster, where the API server
 * labels every Namespace with `kubernetes.io/metadata.name`; tests rarely create Namespace
 * objects, so a missing one stands for a namespace with only that label.
 */
function namespaceLabels(scope: RelatedScope, namespace: string): Record<string, string> {
  const ns = scope.store.get({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: namespace });
  return ns?.metadata.labels ?? { 'kubernetes.io/metadata.name': namespace };
}

/** Every rule's type appears as a group, even when nothing matches. */
export function selectRelated(rules: RelatedRule[], scope: RelatedScope): ObjectGroup[] {
  const groups = new Map<ResourceType, Map<string, KubeObject>>();
  for (const rule of rules) {
    const type = ruleType(rule, scope.resources);
    selectionMode(rule); // an invalid rule fails the sync even when nothing could match it
    const group = groups.get(type) ?? new Map<string, KubeObject>();
    groups.set(type, group);
    for (const obj of scope.store.list(type, undefined, (candidate) => ruleMatches(rule, candidate, scope))) {
      group.set(obj.metadata.uid ?? obj.metadata.name, obj);
    }
  }
  return [...groups].map(([type, objects]) => ({ type, objects: [...objects.values()] }));
}
