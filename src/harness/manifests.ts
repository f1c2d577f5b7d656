import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { decodeLabelSelector, decodeStringMap, type LabelSelector } from './selectors.js';
import { describe, isRecord, type KubeObject } from './types.js';

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

export type UpdateMethod = 'OnDelete' | 'Recreate' | 'InPlace' | 'RollingRecreate' | 'RollingInPlace';

export interface ChildRule {
  type: ResourceType;
  method: UpdateMethod;
}

export interface TargetRule {
  type: ResourceType;
  labelSelector: LabelSelector;
  /** Decorators only: `annotationSelector`, applied to annotations with label-selector rules. */
  annotationSelector: LabelSelector;
  ignoreStatusChanges: boolean;
}

export interface HookSpec {
  path: string;
  version: 'v1' | 'v2';
  /** Strict response decoding: unknown keys are errors (default for v2). */
  strict: boolean;
}

export interface ControllerHooks {
  sync?: HookSpec;
  finalize?: HookSpec;
  customize?: HookSpec;
}

interface ControllerBase {
  name: string;
  /** The controller object as loaded; sent as `controller` in every hook request. */
  object: KubeObject;
  hooks: ControllerHooks;
  finalizer: string;
}

export interface CompositeControllerDef extends ControllerBase {
  type: 'CompositeController';
  targets: [TargetRule];
  children: ChildRule[];
  generateSelector: boolean;
}

export interface DecoratorControllerDef extends ControllerBase {
  type: 'DecoratorController';
  targets: TargetRule[];
  children: ChildRule[];
}

export type ControllerDef = CompositeControllerDef | DecoratorControllerDef;

export interface Manifests {
  controllers: ControllerDef[];
  crds: KubeObject[];
  resources: ResourceTable;
}

const BUILTIN_TYPES: readonly ResourceType[] = [
  { apiVersion: 'batch/v1', plural: 'jobs', kind: 'Job', namespaced: true, statusSubresource: true, categories: ['all'] },
  { apiVersion: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, statusSubresource: true, shortNames: ['po'], categories: ['all'] },
  { apiVersion: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, statusSubresource: true, shortNames: ['ns'] },
  { apiVersion: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, statusSubresource: false, shortNames: ['cm'] },
  { apiVersion: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, statusSubresource: false },
  { apiVersion: 'apps/v1', plural: 'deployments', kind: 'Deployment', namespaced: true, statusSubresource: true, shortNames: ['deploy'], categories: ['all'] },
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

/**
 * Reads the controllers and CRDs a kustomization installs: `dir`'s kustomization file and, one
 * by one, the files and directories its `resources` list (a directory through its own
 * kustomization), as `kubectl kustomize` visits them. Only `resources` is followed: patches,
 * labels, images and replacements do not change what the harness needs (hook paths and
 * resource types). Files that are not listed, such as `samples/`, are never read.
 */
export async function loadManifests(dir: string): Promise<Manifests> {
  const objects = await kustomizationObjects(dir, []);
  const ids = new Set<string>();
  for (const o of objects) {
    const id = describe(o);
    // kubectl refuses a build that lists one object twice; so does the harness.
    if (ids.has(id)) throw new Error(`${id} is listed twice under ${dir}`);
    ids.add(id);
  }
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  const resources = buildResourceTable(crds);
  const controllers = objects
    .filter((o) => o.kind === 'CompositeController' || o.kind === 'DecoratorController')
    .map((o) => parseController(o, resources));
  return { controllers, crds, resources };
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

async function kustomizationObjects(dir: string, visiting: readonly string[]): Promise<KubeObject[]> {
  const root = resolve(dir);
  if (visiting.includes(root)) throw new Error(`kustomization cycle: ${[...visiting, root].join(' -> ')}`);
  const present = (await readdir(root)).filter((name) => KUSTOMIZATION_FILES.includes(name));
  const [file, ...others] = present;
  if (file === undefined) throw new Error(`${root}: no kustomization file (${KUSTOMIZATION_FILES.join(', ')})`);
  if (others.length > 0) throw new Error(`${root}: more than one kustomization file (${present.join(', ')})`);
  const where = join(root, file);
  const kustomization: unknown = parse(await readFile(where, 'utf8'));
  const entries = isRecord(kustomization) ? (kustomization.resources ?? []) : [];
  if (!Array.isArray(entries) || !entries.every((entry) => typeof entry === 'string')) {
    throw new Error(`${where}: resources must be a list of paths`);
  }
  const objects: KubeObject[] = [];
  for (const entry of entries) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) throw new Error(`${where}: remote resource ${entry} is not supported`);
    const path = join(root, entry);
    objects.push(
      ...((await stat(path)).isDirectory()
        ? await kustomizationObjects(path, [...visiting, root])
        : parseYamlObjects(await readFile(path, 'utf8'), path)),
    );
  }
  return objects;
}

function parseYamlObjects(text: string, file: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (
      isRecord(value) &&
      typeof value.apiVersion === 'string' &&
      typeof value.kind === 'string' &&
      isRecord(value.metadata) &&
      typeof value.metadata.name === 'string'
    ) {
      out.push({ ...value, apiVersion: value.apiVersion, kind: value.kind, metadata: { ...value.metadata, name: value.metadata.name } });
    }
  }
  return out;
}

function buildResourceTable(crds: KubeObject[]): ResourceTable {
  const fromCrds = crds.flatMap(crdTypes);
  const defined = (t: ResourceType): boolean =>
    fromCrds.some((c) => c.apiVersion === t.apiVersion && c.plural === t.plural);
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
  return versions.filter(isRecord).filter((v) => v.served !== false).map((v) => {
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
      ? [{
          name: c.name,
          type: c.type,
          jsonPath: c.jsonPath,
          ...(typeof c.description === 'string' ? { description: c.description } : {}),
          ...(typeof c.priority === 'number' ? { priority: c.priority } : {}),
          ...(typeof c.format === 'string' ? { format: c.format } : {}),
        }]
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

function parseController(obj: KubeObject, resources: ResourceTable): ControllerDef {
  const name = obj.metadata.name;
  const where = `${obj.kind} ${name}`;
  const spec = record(obj.spec, `${where}: spec`);
  const hooksSpec = spec.hooks === undefined ? {} : record(spec.hooks, `${where}: spec.hooks`);
  const hooks: ControllerHooks = {};
  for (const hookName of ['sync', 'finalize', 'customize'] as const) {
    const hook = hooksSpec[hookName];
    if (hook !== undefined && hook !== null) hooks[hookName] = parseHook(hook, `${where}: spec.hooks.${hookName}`);
  }
  const childRules = (key: string): ChildRule[] => {
    const list = spec[key] ?? [];
    if (!Array.isArray(list)) throw new Error(`${where}: spec.${key} must be a list`);
    return list.map((item: unknown, i) => parseChildRule(item, `${where}: spec.${key}[${i}]`, resources));
  };
  if (obj.kind === 'CompositeController') {
    const parent = parseTargetRule(spec.parentResource, `${where}: spec.parentResource`, resources);
    // Metacontroller ignores such a controller (with only a Warning event): fail loudly instead.
    if (!parent.type.statusSubresource) {
      throw new Error(`${where}: parent resource ${parent.type.plural} has no status subresource; Metacontroller would ignore this controller`);
    }
    return {
      type: 'CompositeController',
      name,
      object: obj,
      hooks,
      finalizer: `metacontroller.io/compositecontroller-${name}`,
      targets: [parent],
      children: childRules('childResources'),
      generateSelector: spec.generateSelector === true,
    };
  }
  const targets = spec.resources;
  if (!Array.isArray(targets) || targets.length === 0) throw new Error(`${where}: spec.resources must be a non-empty list`);
  return {
    type: 'DecoratorController',
    name,
    object: obj,
    hooks,
    finalizer: `metacontroller.io/decoratorcontroller-${name}`,
    targets: targets.map((t: unknown, i) => parseTargetRule(t, `${where}: spec.resources[${i}]`, resources)),
    children: childRules('attachments'),
  };
}

function parseHook(value: unknown, where: string): HookSpec {
  const hook = record(value, where);
  const webhook = record(hook.webhook, `${where}.webhook`);
  const version = hook.version ?? 'v1';
  if (version !== 'v1' && version !== 'v2') throw new Error(`${where}.version must be v1 or v2`);
  // `url` wins over `service` + `path`; the service is irrelevant in-process.
  const path =
    typeof webhook.url === 'string' ? new URL(webhook.url).pathname : string(webhook.path, `${where}.webhook.path (or url)`);
  const mode = webhook.responseUnMarshallMode;
  if (mode !== undefined && mode !== 'strict' && mode !== 'loose') {
    throw new Error(`${where}.webhook.responseUnMarshallMode must be strict or loose`);
  }
  return { path, version, strict: mode === undefined ? version === 'v2' : mode === 'strict' };
}

function resolveType(value: Record<string, unknown>, where: string, resources: ResourceTable): ResourceType {
  const apiVersion = string(value.apiVersion, `${where}.apiVersion`);
  const resource = string(value.resource, `${where}.resource`);
  const type = resources.byResource(apiVersion, resource);
  if (type === undefined) throw new Error(`${where}: unknown resource ${resource} in ${apiVersion} (no CRD, not built in)`);
  return type;
}

function parseChildRule(value: unknown, where: string, resources: ResourceTable): ChildRule {
  const rule = record(value, where);
  const strategy = rule.updateStrategy === undefined ? {} : record(rule.updateStrategy, `${where}.updateStrategy`);
  const method = strategy.method ?? 'OnDelete';
  if (!isUpdateMethod(method)) throw new Error(`${where}.updateStrategy.method ${String(method)} is not supported`);
  return { type: resolveType(rule, where, resources), method };
}

const UPDATE_METHODS: readonly unknown[] = ['OnDelete', 'Recreate', 'InPlace', 'RollingRecreate', 'RollingInPlace'];

function isUpdateMethod(value: unknown): value is UpdateMethod {
  return UPDATE_METHODS.includes(value);
}

function parseTargetRule(value: unknown, where: string, resources: ResourceTable): TargetRule {
  const rule = record(value, where);
  const annotationSelector: LabelSelector = {};
  if (rule.annotationSelector !== undefined) {
    const sel = record(rule.annotationSelector, `${where}.annotationSelector`);
    if (sel.matchAnnotations !== undefined) {
      annotationSelector.matchLabels = decodeStringMap(sel.matchAnnotations, `${where}.annotationSelector.matchAnnotations`);
    }
    if (sel.matchExpressions !== undefined) {
      const decoded = decodeLabelSelector({ matchExpressions: sel.matchExpressions }, `${where}.annotationSelector`, false);
      if (decoded.matchExpressions) annotationSelector.matchExpressions = decoded.matchExpressions;
    }
  }
  return {
    type: resolveType(rule, where, resources),
    labelSelector: rule.labelSelector === undefined ? {} : decodeLabelSelector(rule.labelSelector, `${where}.labelSelector`, false),
    annotationSelector,
    ignoreStatusChanges: rule.ignoreStatusChanges === true,
  };
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${where} must be an object`);
  return value;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${where} must be a non-empty string`);
  return value;
}
