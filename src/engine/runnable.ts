import { parse as parseYaml } from 'yaml';
import type { RunAction } from '../api/run.js';
import type { Action } from '../api/workflow.js';
import { listed } from '../k8s/bounds.js';
import { parseDuration, timeoutProblem } from '../k8s/time.js';
import { runnerKind } from './runner.js';
import { renderDeep, type Params, type RenderBudget } from './template.js';

/**
 * What an action starts, as the run records it: its own Job, or the runner's work with its
 * parameters rendered; and its timeout. Shared by the Execute snapshot and the Revert.
 */

export const DEFAULT_TIMEOUT_SECONDS = 300;

/** Where an action sits in the run, for messages, and where its problems go. */
export interface Placement {
  where: string;
  namespace: string;
  errors: string[];
  budget?: RenderBudget;
}

/**
 * The part of a run action that says what to start: the action's own Job, or a runner Job for
 * every other type. `params` is undefined for a recorded rollback or hook, which was rendered
 * when its action ran.
 */
export function runnable(action: Action, params: Params | undefined, placement: Placement): Partial<RunAction> {
  const kind = runnerKind(action.type);
  if (kind !== undefined) return runnerAction(action, kind, params, placement);
  const { where, namespace, errors, budget } = placement;
  if (action.job === undefined) {
    errors.push(`${where}: job is required for Job actions`);
    return {};
  }
  const job = params === undefined ? { value: action.job, missing: [] } : renderDeep(action.job, params, budget);
  if (job.missing.length > 0) errors.push(`${where}: undefined parameter(s) ${listed(job.missing, ', ')}`);
  const jobNamespace = job.value.namespace;
  if (jobNamespace !== undefined && jobNamespace !== '' && jobNamespace !== namespace) {
    errors.push(`${where}: job.namespace ${jobNamespace} differs from the plan's namespace ${namespace}; Jobs run in the plan's namespace`);
  }
  const spec = { ...job.value.template.spec };
  if (job.value.ttlSecondsAfterFinished !== undefined) spec['ttlSecondsAfterFinished'] = job.value.ttlSecondsAfterFinished;
  return {
    job: { ...(job.value.template.metadata ? { metadata: job.value.template.metadata } : {}), spec },
  };
}

/** What the runner gets: the action with its parameters substituted, minus what only the plan uses. */
function runnerAction(
  action: Action,
  kind: 'http' | 'resource',
  params: Params | undefined,
  { where, errors, budget }: Placement,
): Partial<RunAction> {
  const { rollback: _rollback, when: _when, dependsOn: _dependsOn, hookType: _hookType, hookCleanup: _hookCleanup, ...work } = action;
  const rendered = params === undefined ? { value: work, missing: [] } : renderDeep(work, params, budget);
  if (rendered.missing.length > 0) errors.push(`${where}: undefined parameter(s) ${listed(rendered.missing, ', ')}`);
  const value = rendered.value;
  const block = BLOCKS[value.type];
  if (block === undefined || value[block] === undefined) {
    errors.push(`${where}: ${block ?? 'a block'} is required for ${value.type} actions`);
    return {};
  }
  if (value.type === 'KubernetesResource' && value.resource !== undefined) {
    const problem = manifestProblem(value.resource.manifest);
    if (problem !== undefined) errors.push(`${where}: resource.manifest ${problem}`);
  }
  const operation = kind === 'resource' ? operationOf(value) : undefined;
  return { runner: { kind, action: value }, ...(operation === undefined ? {} : { operation }) };
}

const BLOCKS: Partial<Record<Action['type'], 'http' | 'resource' | 'localization' | 'subscription' | 'globalization' | 'helmChart'>> = {
  HTTP: 'http',
  KubernetesResource: 'resource',
  Localization: 'localization',
  Subscription: 'subscription',
  Globalization: 'globalization',
  HelmChart: 'helmChart',
};

function operationOf(action: Action): string {
  const block = action.resource ?? action.localization ?? action.subscription ?? action.globalization ?? action.helmChart;
  return block?.operation ?? 'Create';
}

/** A manifest the runner could not use: not YAML, or without the fields that name the object. */
function manifestProblem(manifest: string): string | undefined {
  let value: unknown;
  try {
    value = parseYaml(manifest);
  } catch (error) {
    return `is not valid YAML: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be one YAML object';
  const object = value as Record<string, unknown>;
  const metadata = object['metadata'];
  const name = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)['name'] : undefined;
  if (typeof object['apiVersion'] !== 'string' || typeof object['kind'] !== 'string' || typeof name !== 'string') {
    return 'needs apiVersion, kind and metadata.name';
  }
  return undefined;
}

export function timeoutSeconds(timeout: string | undefined, where: string, errors: string[]): number {
  if (timeout === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const problem = timeoutProblem(timeout);
  if (problem !== undefined) {
    errors.push(`${where}: ${problem}`);
    return DEFAULT_TIMEOUT_SECONDS;
  }
  return Math.ceil((parseDuration(timeout) ?? 0) / 1000);
}
