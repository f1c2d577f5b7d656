import type { ResourceType } from './resources.js';
import { rememberedWhenFrozen } from '../shared/frozen.js';
import { qualifiedName, type KubeObject } from './types.js';

/** `{ "<Kind>.<apiVersion>": { "<key>": object } }`, the shape of children/attachments/related. */
export type ObjectMap = Record<string, Record<string, KubeObject>>;

export interface ObjectGroup {
  type: ResourceType;
  objects: KubeObject[];
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
    for (const obj of objects) {
      if (version === 'v2' || parentNamespace === '') {
        group[uniformKey(type, obj)] = obj;
      } else if ((type.namespaced ? (obj.metadata.namespace ?? '') : '') === parentNamespace) {
        group[obj.metadata.name] = obj;
      }
    }
  }
  return map;
}

/** The v2 key of an object, made once per stored (frozen) one: a long run's plan is sent every Job and Pod of it on every sync. */
function uniformKey(type: ResourceType, obj: KubeObject): string {
  return type.namespaced ? namespacedKey(obj) : obj.metadata.name;
}

const namespacedKey = rememberedWhenFrozen((obj: KubeObject) => qualifiedName(obj.metadata.namespace ?? '', obj.metadata.name));
