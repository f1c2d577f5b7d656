import type { ResourceType } from './resources.js';
import type { ChangeVerb } from './events.js';
import { clone, deepEqual, isRecord, type KubeObject, type ObjectMeta } from './types.js';

/** What the API server does to an object on a write: the metadata it owns, its defaults, generation and watch verbs. */

/** Copies the metadata a client may set; the rest is owned by the API server. */
export function setClientMetadata(target: ObjectMeta, source: ObjectMeta): void {
  const { labels, annotations, finalizers, ownerReferences } = clone(source);
  delete target.labels;
  delete target.annotations;
  delete target.finalizers;
  delete target.ownerReferences;
  if (labels !== undefined) target.labels = labels;
  if (annotations !== undefined) target.annotations = annotations;
  if (finalizers !== undefined) target.finalizers = finalizers;
  if (ownerReferences !== undefined) target.ownerReferences = ownerReferences;
}

/** Empty maps and lists vanish from metadata; every Namespace carries its name as a label. */
export function applyServerDefaults(type: ResourceType, obj: KubeObject): void {
  if (type.apiVersion === 'v1' && type.kind === 'Namespace') {
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
  }
  const { metadata } = obj;
  if (isEmpty(metadata.labels)) delete metadata.labels;
  if (isEmpty(metadata.annotations)) delete metadata.annotations;
  if (isEmpty(metadata.finalizers)) delete metadata.finalizers;
  if (isEmpty(metadata.ownerReferences)) delete metadata.ownerReferences;
}

function isEmpty(value: unknown): boolean {
  if (value === null) return true;
  return Array.isArray(value) ? value.length === 0 : isRecord(value) && Object.keys(value).length === 0;
}

/** Generation tracks every field but metadata, and status when status is a subresource. */
export function bodyChanged(type: ResourceType, before: KubeObject, after: KubeObject): boolean {
  const body = (o: KubeObject): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...o };
    delete copy.metadata;
    if (type.statusSubresource) delete copy.status;
    return copy;
  };
  return !deepEqual(body(before), body(after));
}

export function changeVerbs(before: KubeObject | undefined, after: KubeObject): ChangeVerb[] {
  if (before === undefined) return ['create'];
  const verbs: ChangeVerb[] = [];
  const { metadata: bm, status: bs, ...bBody } = before;
  const { metadata: am, status: as, ...aBody } = after;
  if (!deepEqual(bBody, aBody) || !deepEqual(bm.ownerReferences, am.ownerReferences)) verbs.push('update');
  if (!deepEqual(bm.labels, am.labels)) verbs.push('labels');
  if (!deepEqual(bm.annotations, am.annotations)) verbs.push('annotations');
  const bf = bm.finalizers ?? [];
  const af = am.finalizers ?? [];
  if (af.some((f) => !bf.includes(f))) verbs.push('finalizer-added');
  if (bf.some((f) => !af.includes(f))) verbs.push('finalizer-removed');
  if (bm.deletionTimestamp === undefined && am.deletionTimestamp !== undefined) verbs.push('deleting');
  if (!deepEqual(bs, as)) verbs.push('status');
  return verbs;
}
