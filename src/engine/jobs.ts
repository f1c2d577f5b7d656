import { rememberedWhenFrozen } from '../shared/frozen.js';
import { isRecord } from '../k8s/json.js';
import { ANNOTATION_ACTION_ID, LABEL_ACTION, LABEL_EXECUTION, LABEL_PLAN } from '../k8s/labels.js';
import type { KubeObject } from '../k8s/metacontroller.js';
import { hashedName, labelValue } from '../k8s/names.js';
import { runnerJobSpec } from './runner.js';
import type { Run, RunAction } from '../api/run.js';

export type JobOutcome = { state: 'active' } | { state: 'succeeded'; at?: string } | { state: 'failed'; message: string; at?: string };

interface JobCondition {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  message?: unknown;
  lastTransitionTime?: unknown;
}

/**
 * Reads a Job's outcome from its conditions, as `kubectl wait --for=condition=…` does. A plan
 * sync asks this of every Job of the run, several times: a frozen Job's is worked out once.
 */
export const jobOutcome: (job: KubeObject) => JobOutcome = rememberedWhenFrozen(outcomeOf);

function outcomeOf(job: KubeObject): JobOutcome {
  const status = (job as { status?: { conditions?: unknown; completionTime?: unknown } }).status;
  const conditions = Array.isArray(status?.conditions) ? (status.conditions as JobCondition[]) : [];
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const complete = isTrue('Complete');
  if (complete) return { state: 'succeeded', ...optional('at', text(status?.completionTime) ?? text(complete.lastTransitionTime)) };
  const failed = isTrue('Failed');
  if (failed) {
    const reason = text(failed.reason);
    const detail = text(failed.message);
    const message = [reason, detail].filter((part) => part !== undefined && part !== '').join(': ') || 'Job failed';
    return { state: 'failed', message, ...optional('at', text(failed.lastTransitionTime)) };
  }
  return { state: 'active' };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function isBeingDeleted(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined;
}

/** Deterministic per (execution, action); a re-created execution of the same name gets new names. */
export function jobNameFor(run: Pick<Run, 'execution'>, action: RunAction): string {
  return hashedName([run.execution.name, action.name], `${run.execution.uid}/${action.id}/0`);
}

export interface JobContext {
  planName: string;
  namespace: string;
}

/**
 * The Job an action runs, exactly as the plan returns it on every sync while it is wanted: a
 * long run keeps all its finished Jobs, so a frozen action's Job is made once per run.
 */
export function desiredJob(run: Run, action: RunAction, context: JobContext): KubeObject {
  if (!Object.isFrozen(action)) return jobOf(run, action, context);
  const made = jobsMade.get(action);
  const { execution, runner } = run;
  const { planName, namespace } = context;
  if (made?.execution === execution && made.runner === runner && made.planName === planName && made.namespace === namespace)
    return made.job;
  const job = jobOf(run, action, context);
  jobsMade.set(action, { execution, runner, planName, namespace, job });
  return job;
}

/** Per frozen action, its Job and what it was made from besides the action (compared by identity). */
const jobsMade = new WeakMap<RunAction, Pick<Run, 'execution' | 'runner'> & JobContext & { job: KubeObject }>();

function jobOf(run: Pick<Run, 'execution' | 'runner'>, action: RunAction, context: JobContext): KubeObject {
  const template = action.job ?? { spec: {} };
  const labels: Record<string, string> = {
    [LABEL_PLAN]: labelValue(context.planName),
    [LABEL_EXECUTION]: labelValue(run.execution.name),
    [LABEL_ACTION]: labelValue(action.name),
  };
  const templateMetadata = template.metadata ?? {};
  const spec = action.runner === undefined ? { ...template.spec } : runnerJobSpec(run, action, labels, context.namespace);
  const podTemplate = isRecord(spec['template']) ? spec['template'] : {};
  const podMetadata = isRecord(podTemplate['metadata']) ? podTemplate['metadata'] : {};
  spec['template'] = {
    ...podTemplate,
    metadata: { ...podMetadata, labels: { ...stringRecord(podMetadata['labels']), ...labels } },
  };
  // The hook enforces the timeout too (a Job that never starts has no deadline running).
  const deadline = typeof spec['activeDeadlineSeconds'] === 'number' ? spec['activeDeadlineSeconds'] : Infinity;
  spec['activeDeadlineSeconds'] = Math.min(deadline, action.timeoutSeconds);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: action.jobName ?? jobNameFor(run, action),
      namespace: context.namespace,
      labels: { ...stringRecord(templateMetadata['labels']), ...labels },
      annotations: { ...stringRecord(templateMetadata['annotations']), [ANNOTATION_ACTION_ID]: action.id },
    },
    spec,
  };
}

/**
 * Keeps an observed Job as it is (Metacontroller never updates OnDelete children); a frozen
 * Job's is made once, as every sync of a long run keeps all its finished Jobs.
 */
export const keepObserved: (job: KubeObject) => KubeObject = rememberedWhenFrozen(keptJob);

function keptJob(job: KubeObject): KubeObject {
  const labels = job.metadata.labels;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: job.metadata.name,
      ...(job.metadata.namespace === undefined ? {} : { namespace: job.metadata.namespace }),
      ...(labels === undefined ? {} : { labels }),
    },
    spec: (job as { spec?: unknown }).spec ?? {},
  };
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
