import { parse } from 'yaml';
import type { Action } from '../api/workflow.js';
import { ActionFailure } from './result.js';

export type Operation = 'Create' | 'Apply' | 'Patch' | 'Delete' | 'Replace';

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface Target {
  operation: Operation;
  object: ManifestObject;
}

const CLUSTERNET = 'apps.clusternet.io/v1alpha1';

/**
 * The object a resource action works on and what to do with it. The four Clusternet kinds are
 * built from their action blocks; a manifest without a namespace is completed later, once
 * discovery says whether its kind is namespaced.
 */
export function targetOf(action: Action, defaultNamespace: string): Target {
  switch (action.type) {
    case 'KubernetesResource': {
      const block = required(action.resource, 'resource', action);
      return { operation: block.operation ?? 'Create', object: parseManifest(block.manifest) };
    }
    case 'Localization': {
      const block = required(action.localization, 'localization', action);
      return clusternet('Localization', block.operation, block.name, block.namespace || defaultNamespace, block.spec);
    }
    case 'Subscription': {
      const block = required(action.subscription, 'subscription', action);
      return clusternet('Subscription', block.operation, block.name, block.namespace || defaultNamespace, block.spec);
    }
    case 'HelmChart': {
      const block = required(action.helmChart, 'helmChart', action);
      return clusternet('HelmChart', block.operation, block.name, block.namespace || defaultNamespace, block.spec);
    }
    case 'Globalization': {
      const block = required(action.globalization, 'globalization', action);
      return clusternet('Globalization', block.operation, block.name, undefined, block.spec);
    }
    default:
      throw new ActionFailure(`action ${action.name}: type ${action.type} is not a resource action`);
  }
}

function required<T>(block: T | undefined, field: string, action: Action): T {
  if (block === undefined) throw new ActionFailure(`action ${action.name}: type ${action.type} needs a ${field} block`);
  return block;
}

function clusternet(
  kind: string,
  operation: Operation | undefined,
  name: string,
  namespace: string | undefined,
  spec: Record<string, unknown> | undefined,
): Target {
  const op = operation ?? 'Create';
  if (op !== 'Delete' && spec === undefined) throw new ActionFailure(`${kind} ${name}: spec is required for ${op}`);
  const metadata = namespace === undefined ? { name } : { name, namespace };
  return { operation: op, object: { apiVersion: CLUSTERNET, kind, metadata, ...(spec === undefined ? {} : { spec }) } };
}

function parseManifest(text: string): ManifestObject {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new ActionFailure(
      `resource.manifest is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ActionFailure('resource.manifest must be one object');
  const object = value as Record<string, unknown>;
  const metadata = object['metadata'];
  if (typeof object['apiVersion'] !== 'string' || typeof object['kind'] !== 'string') {
    throw new ActionFailure('resource.manifest needs apiVersion and kind');
  }
  if (typeof metadata !== 'object' || metadata === null || typeof (metadata as Record<string, unknown>)['name'] !== 'string') {
    throw new ActionFailure('resource.manifest needs metadata.name');
  }
  return object as ManifestObject;
}
