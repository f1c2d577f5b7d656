import { threeWay } from './children.js';
import type { Store } from './store.js';
import { clone, isRecord, type KubeObject, type ObjectRef } from './types.js';

/** Label and annotation keys a caller last applied to an object, for kubectl-apply style merges. */
interface Applied {
  labels: string[];
  annotations: string[];
}

/**
 * `kubectl apply` as a test or a runbook uses it: creates the object, or replaces its body while
 * keeping status and system metadata. Labels and annotations set by others (hooks) survive
 * unless this caller applied them before and dropped them, so the keys it applied are kept per
 * object. The namespace defaults to `default`.
 */
export class ClientApply {
  readonly #store: Store;
  readonly #applied = new Map<string, Applied>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** The object as stored after the apply. */
  apply(input: KubeObject): KubeObject {
    if (!isRecord(input.metadata)) throw new Error(`apply: ${input.kind} without metadata`);
    const type = this.#store.typeOf(input.apiVersion, input.kind);
    const given = input.metadata.namespace ?? '';
    const namespace = type.namespaced ? given || 'default' : '';
    const ref: ObjectRef = { apiVersion: input.apiVersion, kind: input.kind, namespace, name: input.metadata.name };
    const existing = this.#store.get(ref);
    const body = clone(input);
    delete body.status;
    const result =
      existing === undefined
        ? this.#store.create({ ...body, metadata: { ...body.metadata, namespace } })
        : this.#store.update(this.#merged(existing, body));
    this.#applied.set(result.metadata.uid ?? '', {
      labels: Object.keys(input.metadata.labels ?? {}),
      annotations: Object.keys(input.metadata.annotations ?? {}),
    });
    return result;
  }

  /** What an apply writes over an existing object: the new body with the live status and system metadata. */
  #merged(existing: KubeObject, body: KubeObject): KubeObject {
    const before = this.#applied.get(existing.metadata.uid ?? '') ?? { labels: [], annotations: [] };
    const metadata = clone(existing.metadata);
    metadata.labels = threeWay(existing.metadata.labels, before.labels, body.metadata.labels);
    metadata.annotations = threeWay(existing.metadata.annotations, before.annotations, body.metadata.annotations);
    const finalizers = [...(existing.metadata.finalizers ?? [])];
    for (const f of body.metadata.finalizers ?? []) if (!finalizers.includes(f)) finalizers.push(f);
    metadata.finalizers = finalizers;
    if (body.metadata.ownerReferences !== undefined) metadata.ownerReferences = body.metadata.ownerReferences;
    const next: KubeObject = { ...body, metadata };
    if (existing.status !== undefined) next.status = existing.status;
    return next;
  }
}
