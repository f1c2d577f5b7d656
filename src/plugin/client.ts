import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ApiException, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import type { TSchema, Static } from '@sinclair/typebox';
import { DRPlanExecution, type DRPlanExecutionSpec } from '../api/execution.js';
import { ANNOTATION_CANCEL } from '../k8s/labels.js';
import { API_GROUP, API_VERSION } from '../k8s/schema.js';
import { checkObject } from '../k8s/validate.js';
import { DRPlan } from '../api/plan.js';
import { InputError } from '../cli/input-error.js';
import type { Connection } from './options.js';

const VERSION = 'v1alpha1';
const PLURALS = { DRPlan: 'drplans', DRPlanExecution: 'drplanexecutions' } as const;
const EXECUTIONS_PATH = (namespace: string) =>
  `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURALS.DRPlanExecution}`;

export type Env = Readonly<Record<string, string | undefined>>;

/** What the commands need of the API server, in the namespace chosen. */
export interface DrClient {
  readonly namespace: string;
  getPlan(name: string): Promise<DRPlan | undefined>;
  getExecution(name: string): Promise<DRPlanExecution | undefined>;
  /** Creates an execution named by the API server after its plan (`generateName: PLAN-`). */
  createExecution(spec: DRPlanExecutionSpec): Promise<DRPlanExecution>;
  requestCancel(name: string): Promise<DRPlanExecution>;
  /**
   * Lists the execution, then watches it from that list's resourceVersion (and lists again
   * when the server closes the watch), calling `onChange` with each state, undefined once it is
   * deleted, until `signal` aborts.
   */
  watchExecution(name: string, onChange: (execution: DRPlanExecution | undefined) => void, signal: AbortSignal): Promise<void>;
}

/** Loads the kubeconfig as kubectl does: --kubeconfig, else $KUBECONFIG (merged), else ~/.kube/config, else in-cluster. */
export function loadKubeConfig(connection: Connection, env: Env): KubeConfig {
  const config = new KubeConfig();
  const files =
    connection.kubeconfig !== undefined
      ? [connection.kubeconfig]
      : (env['KUBECONFIG'] ?? '').split(delimiter).filter((file) => file !== '');
  const home = env['HOME'] === undefined ? undefined : join(env['HOME'], '.kube', 'config');
  try {
    if (files.length > 0) {
      const [first, ...rest] = files as [string, ...string[]];
      config.loadFromFile(first);
      for (const file of rest) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        // The first file that sets current-context wins, as in kubectl.
        config.mergeConfig(more, true);
      }
    } else if (home !== undefined && existsSync(home)) {
      config.loadFromFile(home);
    } else {
      config.loadFromCluster();
    }
  } catch (error) {
    throw new InputError(`cannot load the kubeconfig: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (connection.context !== undefined) {
    if (config.getContextObject(connection.context) === null)
      throw new InputError(`context "${connection.context}" is not in the kubeconfig`);
    config.setCurrentContext(connection.context);
  }
  if (config.getCurrentCluster() === null) throw new InputError('the kubeconfig has no current context; pass --context');
  return config;
}

/**
 * How long one watch connection may stay open before the plugin lists and watches again, as
 * kubectl's own watches do every few minutes: a connection a proxy or load balancer silently
 * dropped is found out within this time. `KUBECTL_DRPLAN_WATCH_SECONDS` overrides it.
 */
const WATCH_SECONDS = 300;

export function connect(connection: Connection, env: Env): DrClient {
  const config = loadKubeConfig(connection, env);
  const namespace = connection.namespace ?? config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
  return new KubeDrClient(config, namespace, watchSeconds(env['KUBECTL_DRPLAN_WATCH_SECONDS']));
}

function watchSeconds(value: string | undefined): number {
  if (value === undefined) return WATCH_SECONDS;
  if (!/^[1-9]\d*$/.test(value))
    throw new InputError(`KUBECTL_DRPLAN_WATCH_SECONDS must be a whole number of seconds above 0, not ${value}`);
  return Number(value);
}

/**
 * The custom objects API answers plain JSON; the typed object API would turn timestamps into
 * Date objects, which the schemas of the DR kinds do not read.
 */
class KubeDrClient implements DrClient {
  readonly namespace: string;
  readonly #objects: CustomObjectsApi;
  readonly #watch: Watch;
  readonly #watchSeconds: number;

  constructor(config: KubeConfig, namespace: string, watchSeconds: number) {
    this.namespace = namespace;
    this.#watchSeconds = watchSeconds;
    this.#objects = config.makeApiClient(CustomObjectsApi);
    this.#watch = new Watch(config);
  }

  #where(kind: keyof typeof PLURALS) {
    return { group: API_GROUP, version: VERSION, namespace: this.namespace, plural: PLURALS[kind] };
  }

  getPlan(name: string): Promise<DRPlan | undefined> {
    return this.#read(DRPlan, 'DRPlan', name);
  }

  getExecution(name: string): Promise<DRPlanExecution | undefined> {
    return this.#read(DRPlanExecution, 'DRPlanExecution', name);
  }

  async createExecution(spec: DRPlanExecutionSpec): Promise<DRPlanExecution> {
    const body = {
      apiVersion: API_VERSION,
      kind: 'DRPlanExecution',
      metadata: { generateName: `${spec.planRef}-`, namespace: this.namespace },
      spec,
    };
    const created: unknown = await api(`create a DRPlanExecution of plan ${this.namespace}/${spec.planRef}`, () =>
      this.#objects.createNamespacedCustomObject({ ...this.#where('DRPlanExecution'), body }),
    );
    return readAs(DRPlanExecution, created);
  }

  async requestCancel(name: string): Promise<DRPlanExecution> {
    const body = { metadata: { annotations: { [ANNOTATION_CANCEL]: 'true' } } };
    const patched: unknown = await api(`annotate DRPlanExecution ${this.namespace}/${name}`, () =>
      this.#objects.patchNamespacedCustomObject(
        { ...this.#where('DRPlanExecution'), name, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    return readAs(DRPlanExecution, patched);
  }

  async watchExecution(name: string, onChange: (execution: DRPlanExecution | undefined) => void, signal: AbortSignal): Promise<void> {
    const fieldSelector = `metadata.name=${name}`;
    while (!signal.aborted) {
      const list: unknown = await api(`list DRPlanExecution ${this.namespace}/${name}`, () =>
        this.#objects.listNamespacedCustomObject({ ...this.#where('DRPlanExecution'), fieldSelector }),
      );
      const { items, resourceVersion } = listOf(list);
      const [item] = items;
      onChange(item === undefined ? undefined : readAs(DRPlanExecution, item));
      // The listed state may be the last one wanted (a finished run).
      if (signal.aborted) return;
      await this.#watchFrom(fieldSelector, resourceVersion, onChange, signal);
    }
  }

  /** One watch connection, until the server ends it or `signal` aborts. */
  #watchFrom(
    fieldSelector: string,
    resourceVersion: string | undefined,
    onChange: (execution: DRPlanExecution | undefined) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const query = { fieldSelector, timeoutSeconds: this.#watchSeconds, ...(resourceVersion ? { resourceVersion } : {}) };
      const event = (type: string, object: unknown) => {
        if (type === 'ADDED' || type === 'MODIFIED') onChange(readAs(DRPlanExecution, object));
        else if (type === 'DELETED') onChange(undefined);
      };
      const done = (error: unknown) => {
        signal.removeEventListener('abort', stop);
        // An aborted watch ends with an AbortError: that is the stop asked for, not a failure.
        if (error && !signal.aborted)
          reject(
            new InputError(
              `cannot watch DRPlanExecutions in ${this.namespace}: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
            ),
          );
        else resolve();
      };
      const connection = this.#watch.watch(EXECUTIONS_PATH(this.namespace), query, event, done);
      const stop = () => void connection.then((controller) => controller.abort());
      signal.addEventListener('abort', stop, { once: true });
    });
  }

  async #read<T extends TSchema>(schema: T, kind: keyof typeof PLURALS, name: string): Promise<Static<T> | undefined> {
    try {
      const object: unknown = await this.#objects.getNamespacedCustomObject({ ...this.#where(kind), name });
      return readAs(schema, object);
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw apiError(`get ${kind} ${this.namespace}/${name}`, error);
    }
  }
}

function listOf(list: unknown): { items: unknown[]; resourceVersion: string | undefined } {
  if (typeof list !== 'object' || list === null) return { items: [], resourceVersion: undefined };
  const { items, metadata } = list as { items?: unknown; metadata?: { resourceVersion?: unknown } };
  return {
    items: Array.isArray(items) ? items : [],
    resourceVersion: typeof metadata?.resourceVersion === 'string' ? metadata.resourceVersion : undefined,
  };
}

function readAs<T extends TSchema>(schema: T, object: unknown): Static<T> {
  const checked = checkObject(schema, object);
  if (!checked.ok) throw new InputError(`cannot read the object the API server returned: ${checked.problems.join('; ')}`);
  return checked.value;
}

async function api<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw apiError(what, error);
  }
}

/** The API server's own message (its Status), which says what to fix (RBAC, a missing CRD, …). */
function apiError(what: string, error: unknown): InputError {
  if (error instanceof ApiException) {
    const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    const message = typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : `HTTP ${error.code}`;
    return new InputError(`cannot ${what}: ${message}`);
  }
  return new InputError(`cannot ${what}: ${error instanceof Error ? error.message : String(error)}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
