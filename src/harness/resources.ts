import { record, string, strings } from './fields.js';
import { isRecord, type KubeObject } from './types.js';

/** The resource types the fake API server serves: built-in kinds, and the versions of CRDs. */

/** One served (group, version, resource) and what the fake API server needs to know about it. */
export interface ResourceType {
  apiVersion: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Without it, status writes go through the main resource and bump generation. */
  statusSubresource: boolean;
  /** Message of a CRD `x-kubernetes-validations` rule `self == oldSelf` on `spec`, if any. */
  immutableSpecMessage?: string;
  /** What kubectl also accepts for the plural (`drp`, `cm`) and the groups it belongs to (`dr`, `all`). */
  shortNames?: string[];
  categories?: string[];
  /** A CRD version's `additionalPrinterColumns`: the columns of `kubectl get` after Name. */
  printerColumns?: PrinterColumn[];
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

const RBAC_KINDS: readonly (readonly [plural: string, kind: string, namespaced: boolean])[] = [
  ['roles', 'Role', true],
  ['rolebindings', 'RoleBinding', true],
  ['clusterroles', 'ClusterRole', false],
  ['clusterrolebindings', 'ClusterRoleBinding', false],
];

const BUILTIN_TYPES: readonly ResourceType[] = [
  { apiVersion: 'batch/v1', plural: 'jobs', kind: 'Job', namespaced: true, statusSubresource: true, categories: ['all'] },
  { apiVersion: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, statusSubresource: true, shortNames: ['po'], categories: ['all'] },
  { apiVersion: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, statusSubresource: true, shortNames: ['ns'] },
  { apiVersion: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, statusSubresource: false, shortNames: ['cm'] },
  { apiVersion: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, statusSubresource: false },
  // The runner's identity, so that the samples and the runner RBAC apply as on a cluster; nothing enforces them.
  { apiVersion: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, statusSubresource: false, shortNames: ['sa'] },
  ...RBAC_KINDS.map(([plural, kind, namespaced]): ResourceType => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    plural,
    kind,
    namespaced,
    statusSubresource: false,
  })),
  {
    apiVersion: 'apps/v1',
    plural: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    statusSubresource: true,
    shortNames: ['deploy'],
    categories: ['all'],
  },
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    statusSubresource: true,
    shortNames: ['crd', 'crds'],
  },
];

/** Used only for resources no CRD file defines, so the harness runs before the CRDs exist. */
const FALLBACK_TYPES: readonly ResourceType[] = [
  ['drworkflows', 'DRWorkflow'],
  ['drplans', 'DRPlan'],
  ['drplanexecutions', 'DRPlanExecution'],
].map(([plural = '', kind = '']) => ({
  apiVersion: 'dr.bkbcs.tencent.com/v1alpha1',
  plural,
  kind,
  namespaced: true,
  statusSubresource: true,
}));

export class ResourceTable {
  readonly #types: ResourceType[];

  constructor(types: ResourceType[]) {
    this.#types = types;
  }

  /** Every served type, in the order they were defined. */
  all(): readonly ResourceType[] {
    return this.#types;
  }

  /** Serves the versions of a CustomResourceDefinition created at run time (replacing earlier ones). */
  register(crd: KubeObject): void {
    const added = crdTypes(crd);
    for (const type of added) {
      const index = this.#types.findIndex((t) => t.apiVersion === type.apiVersion && t.plural === type.plural);
      if (index >= 0) this.#types.splice(index, 1, type);
      else this.#types.push(type);
    }
  }

  byResource(apiVersion: string, plural: string): ResourceType | undefined {
    return this.#types.find((t) => t.apiVersion === apiVersion && t.plural === plural);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.#types.find((t) => t.apiVersion === apiVersion && t.kind === kind);
  }

  /** Lookup by bare Kind for the test-facing API; the first served version wins. */
  byKindName(kind: string): ResourceType {
    const found = this.#types.find((t) => t.kind === kind);
    if (found === undefined) throw new Error(`unknown kind ${kind}: not built in and no CRD defines it`);
    return found;
  }
}

export function buildResourceTable(crds: KubeObject[]): ResourceTable {
  const fromCrds = crds.flatMap(crdTypes);
  const defined = (t: ResourceType): boolean => fromCrds.some((c) => c.apiVersion === t.apiVersion && c.plural === t.plural);
  return new ResourceTable([...fromCrds, ...BUILTIN_TYPES.filter((t) => !defined(t)), ...FALLBACK_TYPES.filter((t) => !defined(t))]);
}

function crdTypes(crd: KubeObject): ResourceType[] {
  const where = `CustomResourceDefinition ${crd.metadata.name}`;
  const spec = record(crd.spec, `${where}: spec`);
  const names = record(spec.names, `${where}: spec.names`);
  const group = string(spec.group, `${where}: spec.group`);
  const plural = string(names.plural, `${where}: spec.names.plural`);
  const kind = string(names.kind, `${where}: spec.names.kind`);
  const namespaced = spec.scope !== 'Cluster';
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  return versions
    .filter(isRecord)
    .filter((v) => v.served !== false)
    .map((v) => {
      const type: ResourceType = {
        apiVersion: `${group}/${string(v.name, `${where}: spec.versions[].name`)}`,
        plural,
        kind,
        namespaced,
        statusSubresource: isRecord(v.subresources) && isRecord(v.subresources.status),
      };
      type.printerColumns = printerColumns(v.additionalPrinterColumns);
      const shortNames = strings(names.shortNames);
      const categories = strings(names.categories);
      if (shortNames.length > 0) type.shortNames = shortNames;
      if (categories.length > 0) type.categories = categories;
      const message = immutableSpecMessage(v.schema);
      if (message !== undefined) type.immutableSpecMessage = message;
      return type;
    });
}

/** A CRD without columns gets Age, as the API server defaults it. */
function printerColumns(value: unknown): PrinterColumn[] {
  const columns = (Array.isArray(value) ? value : []).filter(isRecord).flatMap((c): PrinterColumn[] =>
    typeof c.name === 'string' && typeof c.type === 'string' && typeof c.jsonPath === 'string'
      ? [
          {
            name: c.name,
            type: c.type,
            jsonPath: c.jsonPath,
            ...(typeof c.description === 'string' ? { description: c.description } : {}),
            ...(typeof c.priority === 'number' ? { priority: c.priority } : {}),
            ...(typeof c.format === 'string' ? { format: c.format } : {}),
          },
        ]
      : [],
  );
  return columns.length > 0 ? columns : [AGE_COLUMN];
}

export const AGE_COLUMN: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** Finds the transition rule the API server would evaluate as CEL `self == oldSelf` on spec. */
function immutableSpecMessage(schema: unknown): string | undefined {
  if (!isRecord(schema) || !isRecord(schema.openAPIV3Schema)) return undefined;
  const properties = schema.openAPIV3Schema.properties;
  if (!isRecord(properties) || !isRecord(properties.spec)) return undefined;
  const rules = properties.spec['x-kubernetes-validations'];
  if (!Array.isArray(rules)) return undefined;
  for (const rule of rules) {
    if (isRecord(rule) && typeof rule.rule === 'string' && rule.rule.replace(/\s+/g, '') === 'self==oldSelf') {
      return typeof rule.message === 'string' ? rule.message : 'failed rule: self == oldSelf';
    }
  }
  return undefined;
}
