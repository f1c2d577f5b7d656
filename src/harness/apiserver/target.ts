import { ApiError } from '../errors.js';
import type { ResourceTable, ResourceType } from '../resources.js';
import { matchesSelector, type LabelSelector } from '../selectors.js';
import type { KubeObject, ObjectRef } from '../types.js';
import type { ResourcePath } from './paths.js';
import { parseFieldSelector, parseLabelSelector } from './query.js';

/** The resource a request is about. */
export interface Target {
  type: ResourceType;
  path: ResourcePath;
  /** '' for cluster-scoped types and for lists across all namespaces. */
  namespace: string;
}

export function resolveTarget(resources: ResourceTable, path: ResourcePath): Target {
  const type = resources.byResource(path.apiVersion, path.plural);
  if (type === undefined) throw new ApiError('NotFound', 'the server could not find the requested resource');
  if (!type.namespaced && path.namespace !== undefined) throw new ApiError('NotFound', 'the server could not find the requested resource');
  if (type.namespaced && path.name !== undefined && path.namespace === undefined) {
    throw new ApiError('NotFound', 'the server could not find the requested resource');
  }
  if (path.subresource !== undefined && (path.subresource !== 'status' || !type.statusSubresource)) {
    throw new ApiError('NotFound', 'the server could not find the requested resource');
  }
  return { type, path, namespace: path.namespace ?? '' };
}

/** What `?labelSelector=` and `?fieldSelector=` (and the URL's namespace) let through. */
export function matcher(target: Target, query: URLSearchParams): (obj: KubeObject) => boolean {
  let selector: LabelSelector;
  let fields: { name?: string; namespace?: string };
  try {
    selector = parseLabelSelector(query.get('labelSelector') ?? '');
    fields = parseFieldSelector(query.get('fieldSelector') ?? '');
  } catch (error) {
    throw new ApiError('BadRequest', error instanceof Error ? error.message : String(error));
  }
  return (obj) =>
    (target.namespace === '' || (obj.metadata.namespace ?? '') === target.namespace) &&
    (fields.name === undefined || obj.metadata.name === fields.name) &&
    (fields.namespace === undefined || (obj.metadata.namespace ?? '') === fields.namespace) &&
    matchesSelector(selector, obj.metadata.labels);
}

export function notFound(target: Target, ref: ObjectRef): ApiError {
  return new ApiError('NotFound', `${qualifiedPlural(target.type)} "${ref.name}" not found`);
}

export function groupOf(type: ResourceType): string {
  const slash = type.apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : type.apiVersion.slice(0, slash);
}

export function qualifiedPlural(type: ResourceType): string {
  const groupName = groupOf(type);
  return groupName === '' ? type.plural : `${type.plural}.${groupName}`;
}
