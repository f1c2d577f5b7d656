import { Type, type TLiteral, type TObject, type TUnion, type ObjectOptions, type SchemaOptions } from '@sinclair/typebox';

/**
 * Helpers shared by every object schema. The TypeBox schemas are the single source of
 * truth: the hooks derive their types from them and the CRDs are generated from them.
 */

export const API_GROUP = 'dr.bkbcs.tencent.com';
export const API_VERSION = `${API_GROUP}/v1alpha1`;

/** A closed set of strings; rendered as `enum` in the CRD. */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((value: T[number]) => Type.Literal(value)),
    options,
  );
}

/**
 * Schema keyword listing values the CRD admits besides the enum's own, because the Go controller
 * writes them; the hooks read them as their own spelling (`readUpstream`) and never write them.
 */
export const ALSO_ADMITTED = 'x-drplan-also-admitted';

/** The spelling the Go controller has written for `Cancelled` since March 2026. */
export const UPSTREAM_CANCELLED = 'Canceled';

/** A phase enum: where it has `Cancelled`, the CRD also admits the Go controller's `Canceled`. */
export function PhaseEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnion<TLiteral<T[number]>[]> {
  const also = values.includes('Cancelled') ? { [ALSO_ADMITTED]: [UPSTREAM_CANCELLED] } : {};
  return StringEnum(values, { ...options, ...also });
}

/** An object whose content Kubernetes must keep as given (Job templates, rollback actions). */
export function OpaqueObject(options: ObjectOptions = {}) {
  return Type.Record(Type.String(), Type.Unknown(), { ...options, 'x-kubernetes-preserve-unknown-fields': true });
}

/** Object metadata as the hooks read it; the API server owns the rest, so let it through. */
export const ObjectMeta = Type.Object(
  {
    name: Type.String(),
    namespace: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
    generation: Type.Optional(Type.Integer()),
    resourceVersion: Type.Optional(Type.String()),
    creationTimestamp: Type.Optional(Type.String()),
    deletionTimestamp: Type.Optional(Type.String()),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
    finalizers: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);

/** A DR custom resource: the Kubernetes envelope around its spec and status schemas. */
export function CustomResource<K extends string, S extends TObject, T extends TObject>(kind: K, spec: S, status: T) {
  return Type.Object({
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal(kind),
    metadata: ObjectMeta,
    spec,
    status: Type.Optional(status),
  });
}
