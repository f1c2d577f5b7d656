import type { ActionOutputs } from '../api/execution.js';
import { LABEL_PLAN, LABEL_RUNNER } from '../k8s/labels.js';
import { mappedAlongLists } from '../shared/along-lists.js';
import { inNamespacedNameOrder, objectsInRequestOrder, type KubeObject, type ObjectMap } from '../k8s/metacontroller.js';
import type { ActionType } from '../api/workflow.js';
import type { Run, RunAction } from '../api/run.js';

/** Runner Jobs' Pods carry it, so the plan relates exactly those Pods and no others. */

export interface RunnerDefaults {
  image: string;
  serviceAccountName: string;
}

export const DEFAULT_RUNNER: RunnerDefaults = {
  image: 'ghcr.io/drplan-hooks/drplan-hooks:0.1.0',
  serviceAccountName: 'drplan-runner',
};

/** Which runner command runs an action type; `Job` actions run their own template. */
export function runnerKind(type: ActionType): 'http' | 'resource' | undefined {
  if (type === 'Job') return undefined;
  return type === 'HTTP' ? 'http' : 'resource';
}

/** Where an action type's result goes in `outputs`. */
const OUTPUT_KEYS: Record<Exclude<ActionType, 'Job'>, keyof ActionOutputs> = {
  HTTP: 'httpResponse',
  KubernetesResource: 'resourceRef',
  Localization: 'localizationRef',
  Subscription: 'subscriptionRef',
  Globalization: 'globalizationRef',
  HelmChart: 'helmChartRef',
};

export function outputKey(type: Exclude<ActionType, 'Job'>): keyof ActionOutputs {
  return OUTPUT_KEYS[type];
}

/**
 * The pod of a runner Job: this project's image running `run <kind>` with the rendered action
 * in its environment. `backoffLimit: 0` because a non-idempotent call must never be repeated
 * behind the user's back; the deadline is the action's timeout.
 */
export function runnerJobSpec(
  run: Pick<Run, 'runner'>,
  action: RunAction,
  podLabels: Record<string, string>,
  namespace: string,
): Record<string, unknown> {
  const runner = action.runner;
  if (runner === undefined) throw new Error(`action ${action.id} has no runner`);
  const { image, serviceAccountName } = run.runner ?? DEFAULT_RUNNER;
  return {
    backoffLimit: 0,
    activeDeadlineSeconds: action.timeoutSeconds,
    template: {
      metadata: { labels: { ...podLabels, [LABEL_RUNNER]: 'true' } },
      spec: {
        restartPolicy: 'Never',
        serviceAccountName,
        containers: [
          {
            name: 'runner',
            image,
            // Spelled out rather than left to the image's entrypoint, so the Job says what runs.
            command: ['node'],
            args: ['dist/cli.js', 'run', runner.kind],
            env: [
              { name: 'DRPLAN_ACTION', value: JSON.stringify(runner.action) },
              { name: 'DRPLAN_NAMESPACE', value: namespace },
            ],
            terminationMessagePolicy: 'File',
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            securityContext: {
              runAsNonRoot: true,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    },
  };
}

/** The plan's runner Pods by the name of their Job, each Job's by namespace and name. */
export function runnerPodsByJob(related: ObjectMap | undefined, planLabel: string): Map<string, KubeObject[]> {
  const byJob = new Map<string, KubeObject[]>();
  // Grouped first and ordered within each group: a runner Job has one Pod, a long run a thousand Jobs.
  const pods = objectsInRequestOrder(related, 'Pod', 'v1');
  runnerLabels(pods).forEach((runner, index) => {
    if (runner === undefined || runner.plan !== planLabel) return;
    const pod = pods[index] as KubeObject;
    const group = byJob.get(runner.job);
    if (group === undefined) byJob.set(runner.job, [pod]);
    else group.push(pod);
  });
  for (const [job, group] of byJob) if (group.length > 1) byJob.set(job, [...inNamespacedNameOrder(group)]);
  return byJob;
}

/**
 * A runner Pod's plan and Job, as its labels say; undefined for any other Pod. Carried from one
 * request's list of Pods to the next (docs/design.md, "Carried across syncs").
 */
const runnerLabels = mappedAlongLists((pod: KubeObject): { plan: string | undefined; job: string } | undefined => {
  const labels = pod.metadata.labels ?? {};
  const job = labels['batch.kubernetes.io/job-name'] ?? labels['job-name'];
  return labels[LABEL_RUNNER] !== 'true' || job === undefined ? undefined : { plan: labels[LABEL_PLAN], job };
});

export type RunnerReport =
  { state: 'none' } | { state: 'unreadable'; detail: string } | { state: 'result'; value: Record<string, unknown> };

/** The last runner container's termination message, parsed; never throws. */
export function runnerReport(pods: readonly KubeObject[] | undefined): RunnerReport {
  const message = lastTerminationMessage(pods ?? []);
  if (message === undefined || message.trim() === '') return { state: 'none' };
  try {
    const value: unknown = JSON.parse(message);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return { state: 'result', value: value as Record<string, unknown> };
  } catch {
    // reported below
  }
  return { state: 'unreadable', detail: message.length > 200 ? `${message.slice(0, 200)}…` : message };
}

function lastTerminationMessage(pods: readonly KubeObject[]): string | undefined {
  let message: string | undefined;
  for (const pod of pods) {
    const statuses = (pod as { status?: { containerStatuses?: unknown } }).status?.containerStatuses;
    for (const status of Array.isArray(statuses) ? statuses : []) {
      const terminated = (status as { state?: { terminated?: { message?: unknown } } } | null)?.state?.terminated;
      if (terminated !== undefined && typeof terminated.message === 'string') message = terminated.message;
    }
  }
  return message;
}

export interface RunnerOutcome {
  outputs: ActionOutputs;
  message: string;
  clusterStatuses?: Record<string, unknown>[];
}

/** Turns a successful runner result into the action's outputs and message. */
export function successFrom(action: RunAction, result: Record<string, unknown>, revert: boolean): RunnerOutcome | { error: string } {
  const type = action.type;
  if (type === 'Job') return { error: 'a Job action has no runner result' };
  const prefix = revert ? 'Rolled back: ' : '';
  return type === 'HTTP' ? httpSuccess(action, result, prefix) : objectSuccess(action, type, result, prefix);
}

function httpSuccess(action: RunAction, result: Record<string, unknown>, prefix: string): RunnerOutcome | { error: string } {
  const statusCode = result['statusCode'];
  if (typeof statusCode !== 'number') return { error: 'result has no statusCode' };
  const http = (action.runner?.action['http'] ?? {}) as { method?: unknown; url?: unknown };
  const method = typeof http.method === 'string' ? http.method : 'GET';
  return {
    outputs: { httpResponse: { statusCode, body: typeof result['body'] === 'string' ? result['body'] : '' } },
    message: `${prefix}HTTP ${method} ${redactUrl(typeof http.url === 'string' ? http.url : '')} succeeded with status ${statusCode}`,
  };
}

/** A resource action's result: the reference of the object it acted on, and per-cluster statuses where it has them. */
function objectSuccess(
  action: RunAction,
  type: Exclude<RunAction['type'], 'Job'>,
  result: Record<string, unknown>,
  prefix: string,
): RunnerOutcome | { error: string } {
  const { apiVersion, kind, namespace, name, uid } = result;
  if (typeof kind !== 'string' || typeof name !== 'string') return { error: 'result names no object' };
  const optional = (key: string, value: unknown) => (typeof value === 'string' ? { [key]: value } : {});
  const ref = { kind, ...optional('apiVersion', apiVersion), ...optional('namespace', namespace), name, ...optional('uid', uid) };
  const statuses = Array.isArray(result['clusterStatuses'])
    ? result['clusterStatuses'].filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null)
    : undefined;
  return {
    outputs: { [outputKey(type)]: ref },
    message: `${prefix}${kind} ${typeof namespace === 'string' && namespace !== '' ? `${namespace}/` : ''}${name} ${VERBS[action.operation ?? 'Create'] ?? 'done'}`,
    ...(statuses ? { clusterStatuses: statuses } : {}),
  };
}

const VERBS: Record<string, string> = { Create: 'created', Apply: 'applied', Patch: 'patched', Delete: 'deleted', Replace: 'replaced' };

/** The URL as messages and logs show it: no credentials, query or fragment, which may hold secrets. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
