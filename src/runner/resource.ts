import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { Action } from '../api/workflow.js';
import { readiness } from './readiness.js';
import { ActionFailure, type ObjectReference, type ResourceResult } from './result.js';
import { targetOf, type ManifestObject } from './target.js';

const FIELD_MANAGER = 'drplan';

/** The generic object client, told which namespace a manifest without one lands in. */
export class ObjectClient extends KubernetesObjectApi {
  static fromKubeConfig(kubeConfig: KubeConfig, namespace: string): ObjectClient {
    const client = kubeConfig.makeApiClient(ObjectClient);
    client.defaultNamespace = namespace;
    return client;
  }

  /** Fills in or drops the namespace by what discovery says of the kind. */
  async place(object: ManifestObject): Promise<ManifestObject> {
    const resource = await this.resource(object.apiVersion, object.kind).catch((error: unknown) => {
      throw new ActionFailure(`discovery of ${object.apiVersion} ${object.kind} failed: ${errorText(error)}`);
    });
    if (resource === undefined) throw new ActionFailure(`the API server does not serve ${object.kind} in ${object.apiVersion}`);
    const metadata = { ...object.metadata };
    if (resource.namespaced) metadata.namespace = metadata.namespace || this.defaultNamespace;
    else delete metadata.namespace;
    return { ...object, metadata };
  }
}

export interface ResourceOptions {
  deadline: number;
  log: (line: string) => void;
  pollMs?: number;
  now?: () => number;
}

/**
 * Runs a KubernetesResource, Localization, Subscription, Globalization or HelmChart action and
 * returns the reference of the object it touched, with the uid the API server gave it.
 */
export async function runResource(
  action: Action,
  client: ObjectClient,
  namespace: string,
  options: ResourceOptions,
): Promise<ResourceResult> {
  const target = targetOf(action, namespace);
  const object = await client.place(target.object);
  const what = describe(object);
  const wait = waiter(options);
  let live: KubernetesObject;
  switch (target.operation) {
    case 'Create':
      live = await call(`create ${what}`, () => client.create(strip(object)));
      break;
    case 'Apply':
      live = await call(`apply ${what}`, () =>
        client.patch(strip(object), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
      );
      break;
    case 'Patch':
      live = await call(`patch ${what}`, () =>
        client.patch(strip(object), undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch),
      );
      break;
    case 'Delete':
      return deleteObject(client, object, options.log);
    case 'Replace': {
      const existing = await read(client, object);
      if (existing !== undefined) {
        await call(`delete ${what}`, () => client.delete(object));
        options.log(`deleted ${what} to replace it`);
        await wait(`${what} to be gone`, async () =>
          (await read(client, object)) === undefined ? { done: true } : { done: false, message: 'still exists' },
        );
      }
      live = await call(`create ${what}`, () => client.create(strip(object)));
      break;
    }
  }
  options.log(`${target.operation} ${what}: done`);
  const result: ResourceResult = referenceOf(object, live);
  if (action.waitReady === true) {
    const perCluster = action.clusterExecutionMode === 'PerCluster';
    let last: ReturnType<typeof readiness> | undefined;
    await wait(`${what} to be ready`, async () => {
      const current = await read(client, object);
      if (current === undefined) throw new ActionFailure(`waitReady: ${what} disappeared`);
      last = readiness(current, { perCluster });
      if (last.state === 'failed') throw new ActionFailure(`waitReady: ${what} failed: ${last.message}`);
      return last.state === 'ready' ? { done: true } : { done: false, message: last.message };
    });
    if (last?.clusterStatuses) result.clusterStatuses = last.clusterStatuses;
    options.log(`${what} is ready`);
  }
  return result;
}

async function deleteObject(client: ObjectClient, object: ManifestObject, log: (line: string) => void): Promise<ResourceResult> {
  const what = describe(object);
  const uid = object.metadata.uid;
  const existing = await read(client, object);
  if (existing === undefined) {
    log(`${what} is already gone`);
    return referenceOf(object, undefined);
  }
  // A recorded uid deletes exactly the object that was created, never a successor of the same name.
  const body = uid ? { preconditions: { uid } } : undefined;
  await call(`delete ${what}`, () => client.delete(object, undefined, undefined, undefined, undefined, 'Background', body)).catch(
    (error: unknown) => {
      if (error instanceof NotFound) return undefined;
      throw error;
    },
  );
  log(`deleted ${what}`);
  return referenceOf(object, existing);
}

class NotFound extends ActionFailure {}

async function read(client: ObjectClient, object: ManifestObject): Promise<KubernetesObject | undefined> {
  return call(`get ${describe(object)}`, () =>
    client.read({ apiVersion: object.apiVersion, kind: object.kind, metadata: header(object) }),
  ).catch((error: unknown) => {
    if (error instanceof NotFound) return undefined;
    throw error;
  });
}

type Check = () => Promise<{ done: true } | { done: false; message: string }>;

function waiter(options: ResourceOptions) {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 500;
  return async (what: string, check: Check): Promise<void> => {
    for (;;) {
      const outcome = await check();
      if (outcome.done) return;
      const remaining = options.deadline - now();
      if (remaining <= 0) throw new ActionFailure(`timed out waiting for ${what}: ${outcome.message}`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, remaining)));
    }
  };
}

/** Turns API errors into one readable line: the server's own Status message and reason. */
async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof ActionFailure) throw error;
    const message = `${what}: ${errorText(error)}`;
    if (error instanceof ApiException && error.code === 404) throw new NotFound(message);
    throw new ActionFailure(message);
  }
}

function failureStatusOf(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 200) };
    }
  }
  if (typeof value !== 'object' || value === null) return {};
  const { reason, message } = value as Record<string, unknown>;
  return { ...(typeof reason === 'string' && reason !== '' ? { reason } : {}), ...(typeof message === 'string' ? { message } : {}) };
}

function errorText(error: unknown): string {
  // Its own message repeats the response headers: keep to the code and the Status.
  if (error instanceof ApiException) {
    const status = failureStatusOf(error.body);
    return `HTTP ${error.code}${status.reason ? ` ${status.reason}` : ''}: ${status.message ?? 'no message'}`;
  }
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

/** What goes on the wire: no uid (the API server owns it; Delete uses it as a precondition). */
function strip(object: ManifestObject): ManifestObject {
  const { uid: _uid, ...metadata } = object.metadata;
  return { ...object, metadata: { ...metadata, name: object.metadata.name } };
}

function header(object: ManifestObject): { name: string; namespace?: string } {
  return object.metadata.namespace ? { name: object.metadata.name, namespace: object.metadata.namespace } : { name: object.metadata.name };
}

function referenceOf(object: ManifestObject, live: KubernetesObject | undefined): ObjectReference {
  const ref: ObjectReference = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
  const uid = live?.metadata?.uid ?? object.metadata.uid;
  if (uid) ref.uid = uid;
  return ref;
}

function describe(object: ManifestObject): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}
