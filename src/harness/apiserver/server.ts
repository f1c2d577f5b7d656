import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../errors.js';
import type { ResourceTable, ResourceType } from '../manifests.js';
import { matchesSelector, type LabelSelector } from '../selectors.js';
import type { Store, StoreChange } from '../store.js';
import { clone, isRecord, type KubeObject, type ObjectRef } from '../types.js';
import { group, groupList, legacyVersions, resourceList } from './discovery.js';
import { applyPatch, jsonPatch, mergePatch } from './patch.js';
import { parsePath, type ResourcePath } from './paths.js';
import { parseFieldSelector, parseLabelSelector } from './query.js';
import { failureStatus, successStatus } from './status.js';

const MAX_BODY_BYTES = 3 * 1024 * 1024;

interface Target {
  type: ResourceType;
  path: ResourcePath;
  /** '' for cluster-scoped types and for lists across all namespaces. */
  namespace: string;
}

interface Reply {
  code: number;
  body: unknown;
}

/**
 * The harness's object store behind the Kubernetes REST protocol on loopback: discovery,
 * get/list/watch, create, update, merge/JSON/apply patches, delete, the status subresource and
 * Status errors in the real shape. Real clients (client libraries, kubectl) talk to it; every
 * write goes through the same store the fake Metacontroller and kubelet watch.
 */
export class ApiServer {
  readonly url: string;
  readonly #server: Server;
  readonly #store: Store;
  readonly #resources: ResourceTable;
  #generated = 0;

  private constructor(server: Server, url: string, store: Store, resources: ResourceTable) {
    this.#server = server;
    this.url = url;
    this.#store = store;
    this.#resources = resources;
  }

  static async start(store: Store, resources: ResourceTable): Promise<ApiServer> {
    const ready: { api?: ApiServer } = {};
    const server = createServer((request, response) => {
      if (ready.api === undefined) response.writeHead(503).end();
      else ready.api.#handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // A harness that is never closed must not keep its process alive.
    server.unref();
    const { port } = server.address() as AddressInfo;
    ready.api = new ApiServer(server, `http://127.0.0.1:${port}`, store, resources);
    return ready.api;
  }

  /** A kubeconfig for this server; client libraries need the TLS check off to speak plain HTTP. */
  kubeconfig(namespace = 'default'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: harness',
      `    cluster: { server: "${this.url}", insecure-skip-tls-verify: true }`,
      'users:',
      '  - name: harness',
      '    user: {}',
      'contexts:',
      '  - name: harness',
      `    context: { cluster: harness, user: harness, namespace: "${namespace}" }`,
      'current-context: harness',
      '',
    ].join('\n');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      const url = new URL(request.url ?? '/', this.url);
      let reply: Reply | 'streaming';
      try {
        if (size > MAX_BODY_BYTES) throw new ApiError('BadRequest', 'request entity too large');
        reply = this.#route(request, response, url, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        reply = errorReply(error);
      }
      if (reply === 'streaming') return;
      response.writeHead(reply.code, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(reply.body));
    });
  }

  #route(request: IncomingMessage, response: ServerResponse, url: URL, text: string): Reply | 'streaming' {
    const parsed = parsePath(url.pathname);
    const method = request.method ?? 'GET';
    const found = (body: unknown): Reply => {
      if (body === undefined) throw new ApiError('NotFound', 'the server could not find the requested resource');
      return { code: 200, body };
    };
    switch (parsed.kind) {
      case 'root':
        return found({ paths: ['/api', '/api/v1', '/apis', '/version', '/healthz'] });
      case 'version':
        return found({ major: '1', minor: '31', gitVersion: 'v1.31.0-harness', platform: 'linux/amd64' });
      case 'health':
        return found('ok');
      case 'legacy-versions':
        return found(legacyVersions());
      case 'groups':
        return found(groupList(this.#resources));
      case 'group':
        return found(group(this.#resources, parsed.group));
      case 'resources':
        return found(resourceList(this.#resources, parsed.apiVersion));
      case 'unknown':
        return found(undefined);
      case 'resource':
        return this.#resource(method, this.#target(parsed.path), url.searchParams, text, request, response);
    }
  }

  #target(path: ResourcePath): Target {
    const type = this.#resources.byResource(path.apiVersion, path.plural);
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

  #resource(method: string, target: Target, query: URLSearchParams, text: string, request: IncomingMessage, response: ServerResponse): Reply | 'streaming' {
    const { path } = target;
    if (path.name === undefined) {
      if (method === 'GET' && isTrue(query.get('watch'))) return this.#watch(target, query, response);
      if (method === 'GET') return { code: 200, body: this.#list(target, query) };
      if (method === 'POST') return { code: 201, body: this.#create(target, parseBody(text, request)) };
      if (method === 'DELETE') return { code: 200, body: this.#deleteCollection(target, query) };
      throw new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    const ref: ObjectRef = { apiVersion: target.type.apiVersion, kind: target.type.kind, namespace: target.namespace, name: path.name };
    switch (method) {
      case 'GET':
        return { code: 200, body: this.#require(target, ref) };
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

  #list(target: Target, query: URLSearchParams): Record<string, unknown> {
    const matches = matcher(target, query);
    const items = this.#store.list(target.type, target.namespace === '' ? undefined : target.namespace).filter(matches);
    return { kind: `${target.type.kind}List`, apiVersion: target.type.apiVersion, metadata: { resourceVersion: this.#store.resourceVersion }, items };
  }

  #watch(target: Target, query: URLSearchParams, response: ServerResponse): 'streaming' {
    const matches = matcher(target, query);
    const mine = (obj: KubeObject | undefined): obj is KubeObject =>
      obj !== undefined && obj.apiVersion === target.type.apiVersion && obj.kind === target.type.kind && matches(obj);
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    response.flushHeaders();
    const send = (type: string, object: KubeObject) => response.write(`${JSON.stringify({ type, object })}\n`);
    // Without a resourceVersion the watch starts with the current state, as a real server's does.
    const from = query.get('resourceVersion');
    if (from === null || from === '' || from === '0') {
      for (const obj of this.#store.list(target.type, target.namespace === '' ? undefined : target.namespace).filter(matches)) send('ADDED', obj);
    }
    const stop = this.#store.subscribe(({ before, after }: StoreChange) => {
      const was = mine(before);
      const is = mine(after);
      if (is && after !== undefined) send(was ? 'MODIFIED' : 'ADDED', after);
      else if (was && before !== undefined) send('DELETED', after ?? before);
    });
    const seconds = Number(query.get('timeoutSeconds') ?? '');
    const timer = Number.isFinite(seconds) && seconds > 0 ? setTimeout(() => response.end(), seconds * 1000) : undefined;
    timer?.unref();
    const end = () => {
      stop();
      if (timer) clearTimeout(timer);
    };
    // The request's own 'close' fires once its (empty) body is read; the response's when the client leaves.
    response.on('close', end);
    return 'streaming';
  }

  #create(target: Target, body: unknown): KubeObject {
    const input = this.#checkBody(target, body);
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
    const input = this.#checkBody(target, body);
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
      this.#checkBody(target, applied);
      return { code: 200, body: this.#write(target, ref, current, applyPatch(current, applied)) };
    }
    if (current === undefined) throw notFound(target, ref);
    const patch = parseBody(text, request);
    let patched: unknown;
    try {
      if (contentType === 'application/merge-patch+json' || contentType === 'application/strategic-merge-patch+json') {
        patched = mergePatch(current, patch);
      } else if (contentType === 'application/json-patch+json') {
        patched = jsonPatch(current, patch);
      } else {
        throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
      }
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError('BadRequest', error instanceof Error ? error.message : String(error));
    }
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
    return this.#store.update({ ...patched, apiVersion: current.apiVersion, kind: current.kind, metadata } as KubeObject);
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
      throw new ApiError('Conflict', `Precondition failed: ResourceVersion in precondition: ${version}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`);
    }
    this.#store.delete(ref);
    const remaining = this.#store.get(ref);
    if (remaining !== undefined) return remaining;
    return successStatus({ name: ref.name, group: groupOf(target.type), kind: target.type.plural, uid: current.metadata.uid ?? '' });
  }

  #deleteCollection(target: Target, query: URLSearchParams): Record<string, unknown> {
    const list = this.#list(target, query);
    for (const item of list['items'] as KubeObject[]) {
      this.#store.delete({ apiVersion: item.apiVersion, kind: item.kind, namespace: item.metadata.namespace ?? '', name: item.metadata.name });
    }
    return list;
  }

  #require(target: Target, ref: ObjectRef): KubeObject {
    const obj = this.#store.get(ref);
    if (obj === undefined) throw notFound(target, ref);
    return obj;
  }

  /** The body must be an object of the URL's type, in the URL's namespace. */
  #checkBody(target: Target, body: unknown): KubeObject {
    if (!isRecord(body)) throw new ApiError('BadRequest', 'the request body must be an object');
    const apiVersion = body['apiVersion'] ?? target.type.apiVersion;
    const kind = body['kind'] ?? target.type.kind;
    if (apiVersion !== target.type.apiVersion || kind !== target.type.kind) {
      throw new ApiError('BadRequest', `the API version in the data (${String(apiVersion)}) and kind (${String(kind)}) do not match the URL (${target.type.apiVersion} ${target.type.plural})`);
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
}

function matcher(target: Target, query: URLSearchParams): (obj: KubeObject) => boolean {
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

function checkResourceVersion(target: Target, current: KubeObject, given: string | undefined): void {
  if (given === undefined || given === '' || given === current.metadata.resourceVersion) return;
  throw new ApiError(
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedPlural(target.type)} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
  );
}

function notFound(target: Target, ref: ObjectRef): ApiError {
  return new ApiError('NotFound', `${qualifiedPlural(target.type)} "${ref.name}" not found`);
}

function groupOf(type: ResourceType): string {
  const slash = type.apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : type.apiVersion.slice(0, slash);
}

function qualifiedPlural(type: ResourceType): string {
  const groupName = groupOf(type);
  return groupName === '' ? type.plural : `${type.plural}.${groupName}`;
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function parseBody(text: string, request: IncomingMessage): unknown {
  const contentType = request.headers['content-type'] ?? 'application/json';
  if (contentType.includes('yaml')) return parseApplyBody(text);
  return parseJson(text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('BadRequest', 'the request body is not valid JSON');
  }
}

function parseApplyBody(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    throw new ApiError('BadRequest', 'the request body is not valid YAML');
  }
}

function errorReply(error: unknown): Reply {
  if (error instanceof ApiError) {
    const { code, body } = failureStatus(error);
    return { code, body };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 } };
}
