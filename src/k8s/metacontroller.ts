import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { rememberedWhenFrozen } from '../shared/frozen.js';
import { everyOf } from '../shared/frozen-lists.js';
import { isRecord } from './json.js';
import { ObjectMeta } from './schema.js';

/**
 * Request and response shapes of Metacontroller hooks (version v2, also accepting v1).
 * Only the envelope is checked here; the objects inside are the hooks' business and
 * every unknown field passes through untouched.
 */

/** Any Kubernetes object: the envelope is typed, every other field is carried along. */
export const KubeObject = Type.Intersect([
  Type.Object({
    apiVersion: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    metadata: ObjectMeta,
  }),
  Type.Record(Type.String(), Type.Unknown()),
]);
export type KubeObject = Static<typeof KubeObject>;

/** `{ "<Kind>.<apiVersion>": { "<key>": object } }`; inner keys differ between v1 and v2. */
export const ObjectMap = Type.Record(Type.String(), Type.Record(Type.String(), KubeObject));
export type ObjectMap = Static<typeof ObjectMap>;

/**
 * The three request envelopes, with `object` the schema of each Kubernetes object in them and
 * `map` that of each object map (children, attachments, related): by default a map of maps of
 * `object`s.
 */
function envelopes<O extends TSchema, M extends TSchema>(object: O, map: M) {
  const controller = Type.Optional(Type.Unknown());
  const finalizing = Type.Optional(Type.Boolean());
  const maps = Type.Optional(map);
  return {
    composite: Type.Object({ controller, parent: object, children: maps, related: maps, finalizing }),
    decorator: Type.Object({ controller, object, attachments: maps, related: maps, finalizing }),
    customize: Type.Object({ controller, parent: object }),
  };
}

const requests = envelopes(KubeObject, ObjectMap);

export const CompositeRequest = requests.composite;
export type CompositeRequest = Static<typeof CompositeRequest>;

export const DecoratorRequest = requests.decorator;
export type DecoratorRequest = Static<typeof DecoratorRequest>;

export const CustomizeRequest = requests.customize;
export type CustomizeRequest = Static<typeof CustomizeRequest>;

/**
 * The same envelopes with their objects and object maps left unchecked. A request passes its
 * envelope when it passes this and `everyRequestObject` finds its maps well formed and each of its
 * objects passing KubeObject: the objects can then be checked one by one, and an object already
 * checked (a rehearsal hands the hooks its store's frozen objects, the same ones call after call)
 * is not checked again.
 */
const shapes = envelopes(Type.Unknown(), Type.Unknown());
export const ENVELOPE_SHAPES: ReadonlyMap<TSchema, TSchema> = new Map<TSchema, TSchema>([
  [CompositeRequest, shapes.composite],
  [DecoratorRequest, shapes.decorator],
  [CustomizeRequest, shapes.customize],
]);

/**
 * Whether every object of a request (its parent or object, and each member of its object maps)
 * passes `test`, and each object map present is a map of maps, as the envelope's schema reads
 * them (no list, Date or byte array). Walked by hand: a long run's plan request holds thousands
 * of objects, and the compiled check of a map tests a pattern on every key. `test` is given the
 * objects of one map at a time, as a frozen list, so that it can carry its verdicts from one
 * request to the next (docs/design.md, "Carried across syncs").
 */
export function everyRequestObject(request: Record<string, unknown>, test: (objects: readonly unknown[]) => boolean): boolean {
  for (const key of ['parent', 'object']) if (key in request && !test([request[key]])) return false;
  for (const key of ['children', 'attachments', 'related']) {
    const map = request[key];
    if (map === undefined) continue;
    if (!isMapLike(map)) return false;
    for (const group of Object.values(map)) {
      if (!isMapLike(group) || !test(valuesOf(group))) return false;
    }
  }
  return true;
}

function isMapLike(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

export interface CompositeResponse {
  status: Record<string, unknown> | null;
  children: KubeObject[];
  resyncAfterSeconds?: number;
  finalized?: boolean;
}

export interface DecoratorResponse {
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
  status: Record<string, unknown> | null;
  attachments: KubeObject[];
  resyncAfterSeconds?: number;
  finalized?: boolean;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export interface RelatedResourceRule {
  apiVersion: string;
  resource: string;
  namespace?: string;
  names?: string[];
  labelSelector?: LabelSelector;
}

export interface CustomizeResponse {
  relatedResources: RelatedResourceRule[];
}

/** What every hook returns: the response body and a one-line decision for the log. */
export interface HookResult<Response> {
  response: Response;
  decision: string;
  /**
   * Set when the request must not be answered: the server replies 429 with this Retry-After,
   * which Metacontroller takes as "sync again later" and writes nothing (neither children nor
   * status). `response` is then what the request already shows.
   */
  deferSeconds?: number;
}

/**
 * The objects of one kind in a request map, whatever the inner key format, sorted by
 * namespace then name so that the input's key order never shows in the output.
 */
export function objectsOfKind(map: ObjectMap | undefined, kind: string, apiVersion: string): readonly KubeObject[] {
  return inNamespacedNameOrder(objectsInRequestOrder(map, kind, apiVersion));
}

/** Objects sorted by namespace then name (`objects` itself when they already are). */
export function inNamespacedNameOrder(objects: readonly KubeObject[]): readonly KubeObject[] {
  // No sort when the map came in order (a long run's plan has a Job per action), and each key
  // made once, not once per comparison, when it did not.
  if (everyOf(objects, (object, index) => index === 0 || !sortsBefore(object, objects[index - 1] as KubeObject))) return objects;
  return objects
    .map((object) => ({ key: namespacedName(object), object }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ object }) => object);
}

/** The objects of one kind in a request map as the request lists them: for a caller that puts them in its own order. */
export function objectsInRequestOrder(map: ObjectMap | undefined, kind: string, apiVersion: string): readonly KubeObject[] {
  const group = map?.[`${kind}.${apiVersion}`];
  return group === undefined ? [] : valuesOf(group);
}

/**
 * A map's objects as one frozen list, made once per frozen map (a rehearsal's): the envelope
 * check and the hook both read the maps of a long run's plan, each with a thousand objects.
 */
const valuesOf = rememberedWhenFrozen(<T>(map: Record<string, T>): readonly T[] => Object.freeze(Object.values(map)));

/** Whether `a`'s `namespace/name` sorts before `b`'s; without making the keys when the namespaces are the same. */
function sortsBefore(a: KubeObject, b: KubeObject): boolean {
  const namespace = a.metadata.namespace ?? '';
  if (namespace === (b.metadata.namespace ?? '')) return a.metadata.name < b.metadata.name;
  return namespacedName(a) < namespacedName(b);
}

/** `namespace/name`. */
export function namespacedName(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** The first object of each uid, for lookups inside loops over other lists (a find there is quadratic). */
export function firstByUid<T extends { metadata: { uid?: string | undefined } }>(objects: readonly T[]): Map<string | undefined, T> {
  const byUid = new Map<string | undefined, T>();
  for (const object of objects) if (!byUid.has(object.metadata.uid)) byUid.set(object.metadata.uid, object);
  return byUid;
}

/**
 * A child ConfigMap as observed, without the server's fields: kept as it is. A frozen one's is
 * made once: a large run's definitions are kept on every sync of its plan.
 */
export const keptConfigMap: (observed: KubeObject) => KubeObject = rememberedWhenFrozen(keptConfigMapOf);

function keptConfigMapOf(observed: KubeObject): KubeObject {
  const { name, namespace, labels } = observed.metadata;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }), ...(labels === undefined ? {} : { labels }) },
    data: (observed as { data?: unknown }).data ?? {},
  };
}
