import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../errors.js';
import type { Store } from '../store.js';
import { clone, isRecord, type KubeObject, type ObjectRef } from '../types.js';
import { parseApplyBody, parseBody, parseJson, type Reply } from './body.js';
import { applyPatch, jsonPatch, mergePatch } from './patch.js';
import { successStatus } from './status.js';
import { strategicMergePatch } from './strategic.js';
import { includeObjectOf, toTable, wantsTable } from './table.js';
import { groupOf, matcher, notFound, qualifiedPlural, type Target } from './target.js';
import { streamWatch, type ChangeLog } from './watch.js';

/** One request to a resource path: what the handlers need of it. */
export interface ResourceRequest {
  method: string;
  target: Target;
  query: URLSearchParams;
  text: string;
  request: IncomingMessage;
  response: ServerResponse;
}

/** The verbs on objects: get, list, watch, create, update, patch, delete, deletecollection. */
export class ResourceHandlers {
  readonly #store: Store;
  readonly #log: ChangeLog;
  #generated = 0;

  constructor(store: Store, log: ChangeLog) {
    this.#store = store;
    this.#log = log;
  }

  handle({ method, target, query, text, request, response }: ResourceRequest): Reply | 'answered' {
    const { path } = target;
    const table = wantsTable(request.headers.accept);
    if (path.name === undefined) {
      if (method === 'GET' && isTrue(query.get('watch'))) {
        streamWatch(this.#store, this.#log, target, query, response, (object, first) =>
          table ? this.#table(target, [object], query, first) : object,
        );
        return 'answered';
      }
      if (method === 'GET') {
        const list = this.#list(target, query);
        return { code: 200, body: table ? this.#table(target, list.items, query, true) : list };
      }
      if (method === 'POST') return { code: 201, body: this.#create(target, parseBody(text, request)) };
      if (method === 'DELETE') return { code: 200, body: this.#deleteCollection(target, query) };
      throw new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    const ref: ObjectRef = { apiVersion: target.type.apiVersion, kind: target.type.kind, namespace: target.namespace, name: path.name };
    switch (method) {
      case 'GET': {
        const object = this.#require(target, ref);
        return { code: 200, body: table ? this.#table(target, [object], query, true) : object };
      }
      case 'PUT':
        return { code: 200, body: this.#update(target, ref, parseBody(text, request)) };
      case 'PATCH':
        return this.#patch(target, ref, text, request, query);
      case 'DELETE':
        return { code: 200, body: this.#delete(target, ref, text) };
      default:
        throw new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
  }

  #table(target: Target, objects: readonly KubeObject[], query: URLSearchParams, headers: boolean): Record<string, unknown> {
    return toTable(target.type, objects, {
      resourceVersion: this.#store.resourceVersion,
      include: includeObjectOf(query),
      nowMs: this.#store.nowMs(),
      headers,
    });
  }

  #list(
    target: Target,
    query: URLSearchParams,
  ): { kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: KubeObject[] } {
    const matches = matcher(target, query);
    const items = this.#store.list(target.type, target.namespace === '' ? undefined : target.namespace).filter(matches);
    return {
      kind: `${target.type.kind}List`,
      apiVersion: target.type.apiVersion,
      metadata: { resourceVersion: this.#store.resourceVersion },
      items,
    };
  }

  #create(target: Target, body: unknown): KubeObject {
    const input = checkBody(target, body);
    const metadata = input.metadata;
    if (typeof metadata.name !== 'string' || metadata.name === '') {
      if (typeof metadata['generateName'] !== 'string' || metadata['generateName'] === '') {
        throw new ApiError('Invalid', `${target.type.kind} is invalid: metadata.name: Required value: name or generateName is required`);
      }
      this.#generated += 1;
      metadata.name = `${metadata['generateName']}${this.#generated.toString(36).padStart(5, '0')}`;
    }
    return this.#store.create(input);
  }

  #update(target: Target, ref: ObjectRef, body: unknown): KubeObject {
    const input = checkBody(target, body);
    if (input.metadata.name !== ref.name) {
      throw new ApiError('BadRequest', `the name of the object (${input.metadata.name}) does not match the name on the URL (${ref.name})`);
    }
    const current = this.#require(target, ref);
    checkResourceVersion(target, current, input.metadata.resourceVersion);
    if (target.path.subresource === 'status') return this.#store.updateStatus(ref, input.status);
    return this.#store.update({ ...input, metadata: { ...input.metadata, uid: current.metadata.uid } });
  }

  #patch(target: Target, ref: ObjectRef, text: string, request: IncomingMessage, query: URLSearchParams): Reply {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const current = this.#store.get(ref);
    if (contentType === 'application/apply-patch+yaml') {
      if (!query.get('fieldManager')) throw new ApiError('BadRequest', 'PATCH /apply requires a non-empty fieldManager');
      const applied = parseApplyBody(text);
      if (current === undefined) {
        if (target.path.subresource === 'status') throw notFound(target, ref);
        return { code: 201, body: this.#create(target, applied) };
      }
      checkBody(target, applied);
      return { code: 200, body: this.#write(target, ref, current, applyPatch(current, applied)) };
    }
    if (current === undefined) throw notFound(target, ref);
    const patch = parseBody(text, request);
    const patched = patchWith(contentType, current, patch);
    const givenVersion = isRecord(patch) && isRecord(patch['metadata']) ? patch['metadata']['resourceVersion'] : undefined;
    checkResourceVersion(target, current, typeof givenVersion === 'string' ? givenVersion : undefined);
    return { code: 200, body: this.#write(target, ref, current, patched) };
  }

  /** The patched object replaces the stored one; identity and server-owned metadata stay. */
  #write(target: Target, ref: ObjectRef, current: KubeObject, patched: unknown): KubeObject {
    if (!isRecord(patched) || !isRecord(patched['metadata'])) throw new ApiError('BadRequest', 'the patch removed the object metadata');
    if (target.path.subresource === 'status') return this.#store.updateStatus(ref, patched['status']);
    const metadata = { ...clone(current.metadata), ...patched['metadata'], name: current.metadata.name, uid: current.metadata.uid };
    if (current.metadata.namespace !== undefined) metadata.namespace = current.metadata.namespace;
    return this.#store.update({ ...patched, apiVersion: current.apiVersion, kind: current.kind, metadata });
  }

  #delete(target: Target, ref: ObjectRef, text: string): unknown {
    const current = this.#require(target, ref);
    const options = text.trim() === '' ? {} : parseJson(text);
    const preconditions = isRecord(options) && isRecord(options['preconditions']) ? options['preconditions'] : {};
    const uid = preconditions['uid'];
    if (typeof uid === 'string' && uid !== current.metadata.uid) {
      throw new ApiError('Conflict', `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
    }
    const version = preconditions['resourceVersion'];
    if (typeof version === 'string' && version !== current.metadata.resourceVersion) {
      throw new ApiError(
        'Conflict',
        `Precondition failed: ResourceVersion in precondition: ${version}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`,
      );
    }
    this.#store.delete(ref);
    const remaining = this.#store.get(ref);
    if (remaining !== undefined) return remaining;
    return successStatus({ name: ref.name, group: groupOf(target.type), kind: target.type.plural, uid: current.metadata.uid ?? '' });
  }

  #deleteCollection(target: Target, query: URLSearchParams): Record<string, unknown> {
    const list = this.#list(target, query);
    for (const item of list.items) {
      this.#store.delete({
        apiVersion: item.apiVersion,
        kind: item.kind,
        namespace: item.metadata.namespace ?? '',
        name: item.metadata.name,
      });
    }
    return list;
  }

  #require(target: Target, ref: ObjectRef): KubeObject {
    const obj = this.#store.get(ref);
    if (obj === undefined) throw notFound(target, ref);
    return obj;
  }
}

function patchWith(contentType: string, current: KubeObject, patch: unknown): unknown {
  try {
    switch (contentType) {
      case 'application/merge-patch+json':
        return mergePatch(current, patch);
      case 'application/strategic-merge-patch+json':
        return strategicMergePatch(current, patch);
      case 'application/json-patch+json':
        return jsonPatch(current, patch);
      default:
        throw new ApiError(
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
        );
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('BadRequest', error instanceof Error ? error.message : String(error));
  }
}

/** The body must be an object of the URL's type, in the URL's namespace. */
function checkBody(target: Target, body: unknown): KubeObject {
  if (!isRecord(body)) throw new ApiError('BadRequest', 'the request body must be an object');
  const apiVersion = body['apiVersion'] ?? target.type.apiVersion;
  const kind = body['kind'] ?? target.type.kind;
  if (apiVersion !== target.type.apiVersion || kind !== target.type.kind) {
    throw new ApiError(
      'BadRequest',
      `the API version in the data (${JSON.stringify(apiVersion)}) and kind (${JSON.stringify(kind)}) do not match the URL (${target.type.apiVersion} ${target.type.plural})`,
    );
  }
  const metadata = isRecord(body['metadata']) ? clone(body['metadata']) : {};
  if (target.type.namespaced) {
    const given = metadata['namespace'];
    if (typeof given === 'string' && given !== '' && given !== target.namespace) {
      throw new ApiError('BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    }
    if (target.namespace === '') throw new ApiError('MethodNotAllowed', 'a namespaced object must be written under its namespace');
    metadata['namespace'] = target.namespace;
  } else {
    delete metadata['namespace'];
  }
  return { ...clone(body), apiVersion: target.type.apiVersion, kind: target.type.kind, metadata: metadata as KubeObject['metadata'] };
}

function checkResourceVersion(target: Target, current: KubeObject, given: string | undefined): void {
  if (given === undefined || given === '' || given === current.metadata.resourceVersion) return;
  throw new ApiError(
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedPlural(target.type)} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
  );
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}
