import type { ResourceType } from './resources.js';
import { mappedAlongLists } from '../shared/along-lists.js';
import { eachOf } from '../shared/frozen-lists.js';
import { qualifiedName, type KubeObject } from './types.js';

/** `{ "<Kind>.<apiVersion>": { "<key>": object } }`, the shape of children/attachments/related. */
export type ObjectMap = Record<string, Record<string, KubeObject>>;

export interface ObjectGroup {
  type: ResourceType;
  objects: readonly KubeObject[];
}

/** `Pod.v1`, `Job.batch/v1`: Metacontroller's GroupVersionKind text. */
function groupKey(type: ResourceType): string {
  return `${type.kind}.${type.apiVersion}`;
}

/**
 * Builds the map in the format of the sync hook's version. v2 keys are uniform (`ns/name`, or
 * `name` when cluster-scoped); v1 keys are relative to a namespaced parent, and v1 drops
 * objects a namespaced parent could not see (other namespaces, cluster-scoped).
 */
export function buildObjectMap(parent: KubeObject, groups: ObjectGroup[], version: 'v1' | 'v2'): ObjectMap {
  const parentNamespace = parent.metadata.namespace ?? '';
  const map: ObjectMap = {};
  for (const { type, objects } of groups) {
    const group = (map[groupKey(type)] ??= {});
    if (version === 'v2' || parentNamespace === '') {
      const keys = (type.namespaced ? namespacedKeys : names)(objects);
      eachOf(objects, (obj, index) => {
        group[keys[index] as string] = obj;
      });
      continue;
    }
    for (const obj of objects) {
      if ((type.namespaced ? (obj.metadata.namespace ?? '') : '') === parentNamespace) group[obj.metadata.name] = obj;
    }
  }
  // Frozen like the objects in them, so that a hook in process may work out what it reads of a map once.
  for (const group of Object.values(map)) Object.freeze(group);
  return Object.freeze(map);
}

/**
 * The v2 keys of a list of objects, carried from one list to the next (docs/design.md, "Carried
 * across syncs"): a long run's plan is sent every Job and Pod of it on every sync.
 */
const namespacedKeys = mappedAlongLists((obj: KubeObject) => qualifiedName(obj.metadata.namespace ?? '', obj.metadata.name));
const names = mappedAlongLists((obj: KubeObject) => obj.metadata.name);
