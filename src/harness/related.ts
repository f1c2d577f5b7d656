import type { ObjectReader } from './informers.js';
import type { ResourceTable, ResourceType } from './resources.js';
import type { ObjectGroup } from './objectmap.js';
import type { RelatedRule } from './responses.js';
import { matchesSelector, selectorTest } from './selectors.js';
import type { KubeObject } from './types.js';
import type { CarriedLists } from './carried.js';
import { filteredOf } from '../shared/frozen-lists.js';

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

/** What every selection mode looks at of one object, with what its rule's matcher worked out once. */
interface MatchContext {
  scope: RelatedScope;
  type: ResourceType;
  parentNs: string;
  objNs: string;
  /** A v1 hook of a namespaced parent only sees its own namespace. */
  v1Namespaced: boolean;
  labelsMatch: boolean;
}

const MATCHERS: Record<SelectionMode, (rule: RelatedRule, obj: KubeObject, c: MatchContext) => boolean> = {
  labels: (_rule, _obj, c) => c.labelsMatch && !(c.v1Namespaced && c.type.namespaced && c.objNs !== c.parentNs),
  namespaceAndLabels: (rule, _obj, c) => inRuleNamespace(rule, c) && c.labelsMatch,
  namespaceAndNames: (rule, obj, c) => inRuleNamespace(rule, c) && (rule.names === undefined || rule.names.includes(obj.metadata.name)),
  namespaceSelector: (rule, _obj, c) => {
    if (c.v1Namespaced) throw new Error('namespaceSelector cannot be used by a namespaced parent in a v1 hook');
    if (!c.type.namespaced) throw new Error(`namespaceSelector is only supported for namespaced related resources, not ${rule.resource}`);
    return c.labelsMatch && matchesSelector(rule.namespaceSelector ?? {}, namespaceLabels(c.scope, c.objNs));
  },
};

/** Throws for rules Metacontroller rejects (a sync error), so callers surface them as hook errors. */
export function ruleMatches(rule: RelatedRule, obj: KubeObject, scope: RelatedScope): boolean {
  // An object of another type never meets the rule's own problems: a watch event asks every rule of a parent.
  const type = ruleType(rule, scope.resources);
  return obj.apiVersion === type.apiVersion && obj.kind === type.kind && ruleMatcher(rule, scope, type)(obj);
}

/**
 * The rule as a test of one object, with what depends only on the rule and the parent worked
 * out once: a plan's rules are tried against every Pod of a long run on every sync.
 */
function ruleMatcher(rule: RelatedRule, scope: RelatedScope, type = ruleType(rule, scope.resources)): (obj: KubeObject) => boolean {
  const mode = MATCHERS[selectionMode(rule)];
  const parentNs = scope.parent.metadata.namespace ?? '';
  const v1Namespaced = scope.version === 'v1' && scope.parentNamespaced;
  const labels = selectorTest(rule.labelSelector ?? {});
  return (obj) =>
    obj.apiVersion === type.apiVersion &&
    obj.kind === type.kind &&
    mode(rule, obj, {
      scope,
      type,
      parentNs,
      objNs: obj.metadata.namespace ?? '',
      v1Namespaced,
      labelsMatch: labels(obj.metadata.labels),
    });
}

/** The namespace part of the `namespaceAnd…` modes. */
function inRuleNamespace(rule: RelatedRule, c: MatchContext): boolean {
  if (c.v1Namespaced) {
    if (rule.namespace !== undefined && rule.namespace !== c.parentNs) {
      throw new Error(
        `namespace ${rule.namespace} of the related rule for ${rule.resource} differs from the parent's namespace ${c.parentNs} (v1 hook)`,
      );
    }
    if (c.type.namespaced && c.objNs !== c.parentNs) return false;
  }
  return !(c.type.namespaced && rule.namespace !== undefined && c.objNs !== rule.namespace);
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

/**
 * Every rule's type appears as a group, even when nothing matches. Which objects a rule selects
 * is carried from one listing of its type to the next (`carried`, per parent), except under a
 * namespace selector, whose verdicts also depend on the Namespaces.
 */
export function selectRelated(rules: RelatedRule[], scope: RelatedScope, carried: { lists: CarriedLists; key: string }): ObjectGroup[] {
  const groups = new Map<ResourceType, KubeObject[][]>();
  rules.forEach((rule, index) => {
    const type = ruleType(rule, scope.resources);
    // Made before the list: an invalid rule fails the sync even when nothing could match it.
    const matches = ruleMatcher(rule, scope, type);
    const listed = scope.store.listed(type);
    const verdicts =
      rule.namespaceSelector === undefined
        ? carried.lists.map(
            `related|${carried.key}|${scope.parent.metadata.namespace ?? ''}|${index}|${JSON.stringify(rule)}`,
            listed,
            matches,
          )
        : listed.map(matches);
    const selected = filteredOf(listed, (_, at) => verdicts[at] === true);
    groups.set(type, [...(groups.get(type) ?? []), selected]);
  });
  return [...groups].map(([type, lists]) => ({ type, objects: Object.freeze(lists.length === 1 ? (lists[0] ?? []) : union(lists)) }));
}

/** The objects of several rules of one type, each once, in the order they were first selected. */
function union(lists: readonly KubeObject[][]): KubeObject[] {
  const objects = new Map<string, KubeObject>();
  for (const list of lists)
    for (const obj of list)
      if (!objects.has(obj.metadata.uid ?? obj.metadata.name)) objects.set(obj.metadata.uid ?? obj.metadata.name, obj);
  return [...objects.values()];
}
