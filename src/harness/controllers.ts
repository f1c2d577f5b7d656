import { record, string } from './fields.js';
import type { ResourceTable, ResourceType } from './resources.js';
import { decodeLabelSelector, decodeStringMap, type LabelSelector } from './selectors.js';
import type { KubeObject } from './types.js';

/** CompositeController and DecoratorController objects, read into what the fake Metacontroller runs. */

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

export function parseController(obj: KubeObject, resources: ResourceTable): ControllerDef {
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
      throw new Error(
        `${where}: parent resource ${parent.type.plural} has no status subresource; Metacontroller would ignore this controller`,
      );
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
  const path = typeof webhook.url === 'string' ? new URL(webhook.url).pathname : string(webhook.path, `${where}.webhook.path (or url)`);
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
  if (!isUpdateMethod(method)) throw new Error(`${where}.updateStrategy.method ${JSON.stringify(method)} is not supported`);
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
