import type { FastifyInstance } from 'fastify';
import type { DRPlanExecution } from '../../../src/api/execution.js';
import type { Action, DRWorkflow, Parameter } from '../../../src/api/workflow.js';
import type { DRPlan, ExecutionRecord } from '../../../src/api/plan.js';
import type { KubeObject } from '../../../src/k8s/metacontroller.js';
import { canonicalJson } from '../../../src/k8s/json.js';
import { API_VERSION } from '../../../src/k8s/schema.js';
import { NAMESPACE, T0 } from '../../fixtures/objects.js';

/**
 * Objects as a user with `edit` rights can store them, built to hurt: prototype property names
 * wherever a key or a name is the user's, nesting as deep as the API server accepts, lists
 * and strings as long as a request allows. Every object here is one the API server stores.
 */

/** Names that are properties of every plain object. */
export const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
] as const;

/** Those that are also valid Kubernetes label keys and object names where lower-cased. */
const LABEL_KEYS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty'];

export const KEYS = {
  workflow: `DRWorkflow.${API_VERSION}`,
  plan: `DRPlan.${API_VERSION}`,
  execution: `DRPlanExecution.${API_VERSION}`,
  job: 'Job.batch/v1',
};

/** What a hostile world is made of; the generator draws these numbers, the builders do the rest. */
export interface Shape {
  /** The prototype name used for every user-chosen name and key. */
  name: string;
  actions: number;
  stages: number;
  /** Parameters declared, passed by the plan, by each stage and by the execution. */
  params: number;
  /** Placeholders in one string of each Job template. */
  placeholders: number;
  /** Nesting of the object placed in Job templates, rollbacks, valueFrom and statuses. */
  depth: number;
  /** Length of one string in each Job template. */
  stringLength: number;
  /** Actions with the same name: one validation problem each. */
  duplicates: number;
  /** Finished executions in the plan's history, and as related objects. */
  history: number;
  historyLimit: number;
  /** A queued Execute that the plan sync elects. */
  queued: boolean;
  timeout: string;
  /** Without it, parameters also use valueFrom and wrong types: the run fails before starting. */
  valid: boolean;
}

/** `{ name: { name: … } }`, `depth` levels, with arrays every other level: built in a loop. */
export function nested(depth: number, key: string, leaf: unknown = 'leaf'): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? { [key]: value, [`k${level % 7}`]: level } : [value];
  return value;
}

/** A JSON object with an own property named `key`, even `__proto__`. */
export function record(entries: readonly [string, unknown][]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  return result;
}

/** `count` parameters; the first is named after the shape, and an invalid shape breaks two more. */
function parameters(shape: Shape, count: number, prefix: string, value: string): Parameter[] {
  return Array.from({ length: count }, (_, index) => {
    const param: Parameter = { name: index === 0 ? shape.name : `${prefix}${index}`, value, default: value };
    if (!shape.valid && index === 1) param.type = 'number';
    if (!shape.valid && index === 2) param.valueFrom = record([[shape.name, nested(shape.depth, shape.name)]]);
    return param;
  });
}

/** An action; the first one carries the long string, the placeholders and the deep object. */
function action(shape: Shape, index: number): Action {
  const first = index === 0;
  const placeholders = first ? shape.placeholders : 1;
  const names = Array.from({ length: placeholders }, (_, n) => `$(params.${n === 0 ? shape.name : `p${n}`})`).join(' ');
  const deep = first ? nested(shape.depth, shape.name) : shape.name;
  const labels = record([[shape.name, 'x'], ...LABEL_KEYS.map((key): [string, unknown] => [key, 'y'])]);
  const name = !shape.valid && index < shape.duplicates ? shape.name : `${shape.name}-${index}`;
  return {
    name,
    type: 'Job',
    timeout: shape.timeout,
    job: {
      template: {
        metadata: { labels, annotations: labels },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: 'Never',
              containers: [
                {
                  name: 'main',
                  image: 'busybox:1.36',
                  command: ['sh', '-c', `echo ${names}`, first ? 'x'.repeat(shape.stringLength) : 'x'],
                  env: [{ name: shape.name, value: `{{ .params.${shape.name} }}` }],
                },
              ],
            },
          },
          [shape.name]: deep,
        },
      },
    },
    rollback: record([
      ['type', 'HTTP'],
      ['http', { url: 'http://example/undo', headers: record([[shape.name, 'h']]) }],
      [shape.name, deep],
    ]),
    ...(index > 0 && index % 3 === 0 ? { dependsOn: [`${shape.name}-${index - 1}`] } : {}),
  };
}

function meta(name: string, uid: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    namespace: NAMESPACE,
    uid,
    generation: 1,
    creationTimestamp: T0,
    labels: record(LABEL_KEYS.map((key) => [key, 'v'])) as Record<string, string>,
    annotations: record(LABEL_KEYS.map((key) => [key, 'v'])) as Record<string, string>,
    ...extra,
  };
}

export function workflowOf(shape: Shape): DRWorkflow {
  return {
    apiVersion: API_VERSION,
    kind: 'DRWorkflow',
    metadata: meta('constructor', 'uid-wf'),
    spec: {
      parameters: parameters(shape, shape.params, 'p', 'not a number'),
      actions: Array.from({ length: Math.max(1, shape.actions) }, (_, index) => action(shape, index)),
    },
  };
}

const accepted = { type: 'Accepted', status: 'True', reason: 'Admitted', message: 'admitted', lastTransitionTime: T0 } as const;

function finished(index: number, shape: Shape): DRPlanExecution {
  return {
    apiVersion: API_VERSION,
    kind: 'DRPlanExecution',
    metadata: meta(`old-${index}`, `uid-old-${index}`),
    spec: { planRef: 'valueof', operationType: 'Execute' },
    status: {
      phase: 'Succeeded',
      conditions: [accepted],
      stageStatuses: [
        {
          name: shape.name,
          phase: 'Succeeded',
          workflowExecutions: [
            {
              workflowRef: { name: 'constructor', namespace: NAMESPACE },
              phase: 'Succeeded',
              actionStatuses: [
                {
                  name: shape.name,
                  phase: 'Succeeded',
                  rollback: record([[shape.name, index === 0 ? nested(shape.depth, shape.name) : 'x']]),
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

export function executionsOf(shape: Shape): DRPlanExecution[] {
  const old = Array.from({ length: shape.history }, (_, index) => finished(index, shape));
  if (!shape.queued) return old;
  const queued: DRPlanExecution = {
    apiVersion: API_VERSION,
    kind: 'DRPlanExecution',
    metadata: meta('queued', 'uid-queued', { creationTimestamp: '2026-01-01T00:00:01Z' }),
    spec: { planRef: 'valueof', operationType: 'Execute', mode: 'Install', params: parameters(shape, shape.params, 'e', 'v') },
    status: { phase: 'Pending', conditions: [accepted] },
  };
  return [...old, queued];
}

export function historyOf(shape: Shape): ExecutionRecord[] {
  return Array.from({ length: shape.history }, (_, index) => ({
    name: `old-${index}`,
    namespace: NAMESPACE,
    uid: `uid-old-${index}`,
    operationType: 'Execute',
    phase: 'Succeeded',
    startTime: T0,
    completionTime: T0,
    message: `record of ${shape.name}`,
  }));
}

export function planOf(shape: Shape): DRPlan {
  return {
    apiVersion: API_VERSION,
    kind: 'DRPlan',
    metadata: meta('valueof', 'uid-plan'),
    spec: {
      historyLimit: shape.historyLimit,
      globalParams: parameters(shape, shape.params, 'g', '7'),
      stages: Array.from({ length: Math.max(1, shape.stages) }, (_, index) => ({
        name: index === 0 ? shape.name : `${shape.name}-${index}`,
        ...(index > 0 ? { dependsOn: [index === 1 ? shape.name : `${shape.name}-${index - 1}`] } : {}),
        workflows: [{ workflowRef: { name: 'constructor' }, params: parameters(shape, index === 0 ? shape.params : 1, 's', '8') }],
      })),
    },
    status: { phase: 'Ready', executionHistory: historyOf(shape) },
  };
}

const mapOf = (objects: readonly KubeObject[]) =>
  Object.fromEntries(objects.map((object) => [`${object.metadata.namespace}/${object.metadata.name}`, object]));

/** The nine hook requests of one world, as Metacontroller would send them. */
export function requestsOf(shape: Shape): { path: string; body: Record<string, unknown> }[] {
  const workflow = workflowOf(shape);
  const plan = planOf(shape);
  const executions = executionsOf(shape);
  const target = executions[executions.length - 1] ?? finished(0, shape);
  const controller = record([[shape.name, nested(shape.depth, shape.name)]]);
  const planRelated = { [KEYS.workflow]: mapOf([workflow]), [KEYS.execution]: mapOf(executions) };
  const executionRelated = { [KEYS.plan]: mapOf([plan]), [KEYS.execution]: mapOf(executions) };
  const decorator = (object: KubeObject, related: Record<string, unknown>, finalizing: boolean) => ({
    controller,
    object,
    attachments: {},
    related,
    finalizing,
  });
  return [
    { path: '/drworkflow/customize', body: { controller, parent: workflow } },
    { path: '/drworkflow/sync', body: decorator(workflow, { [KEYS.plan]: mapOf([plan]) }, false) },
    { path: '/drworkflow/finalize', body: decorator(workflow, { [KEYS.plan]: mapOf([plan]) }, true) },
    { path: '/drplan/customize', body: { controller, parent: plan } },
    { path: '/drplan/sync', body: { controller, parent: plan, children: { [KEYS.job]: {} }, related: planRelated, finalizing: false } },
    { path: '/drplan/finalize', body: { controller, parent: plan, children: { [KEYS.job]: {} }, related: planRelated, finalizing: true } },
    { path: '/drplanexecution/customize', body: { controller, parent: target } },
    { path: '/drplanexecution/sync', body: decorator(target, executionRelated, false) },
    { path: '/drplanexecution/finalize', body: decorator(target, executionRelated, true) },
  ];
}

export interface Answer {
  status: number;
  text: string;
  /** CPU time of the process while the request was served: parse, hook, serialisation. */
  cpuMs: number;
  requestBytes: number;
}

/** Sends one request as Metacontroller does and measures the CPU time it cost. */
export async function send(app: FastifyInstance, path: string, body: unknown): Promise<Answer> {
  // Not JSON.stringify: its recursion does not survive the nesting the API server accepts.
  const payload = canonicalJson(body);
  const before = process.cpuUsage();
  const response = await app.inject({ method: 'POST', url: path, payload, headers: { 'content-type': 'application/json' } });
  const used = process.cpuUsage(before);
  return {
    status: response.statusCode,
    text: response.body,
    cpuMs: (used.user + used.system) / 1000,
    requestBytes: Buffer.byteLength(payload),
  };
}

/**
 * CPU time allowed for a request: linear in its size. The goal is a 16 MiB request in under a
 * second; the allowance is several times that, so that a loaded machine stays green while a
 * quadratic step (seconds at these sizes) still fails.
 */
export function budgetMs(requestBytes: number): number {
  return 250 + 250 * (requestBytes / (1024 * 1024));
}

/** Every status a response writes, serialised, must stay under 1 MiB. */
export const STATUS_LIMIT_BYTES = 1024 * 1024;

export function statusBytes(text: string): number {
  const parsed = JSON.parse(text) as { status?: unknown };
  return parsed.status === undefined || parsed.status === null ? 0 : Buffer.byteLength(canonicalJson(parsed.status));
}
