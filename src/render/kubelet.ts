import type { JobPolicy, RunnerExecutor } from '../harness/index.js';
import { isRecord } from '../harness/index.js';
import { LABEL_ACTION } from '../k8s/labels.js';
import { labelValue } from '../k8s/names.js';
import { ActionFailure } from '../runner/result.js';
import { targetOf } from '../runner/target.js';
import { checkObject } from '../k8s/validate.js';
import { Action } from '../api/workflow.js';
import { InputError } from '../cli/input-error.js';
import type { Sourced } from './load.js';

const FAIL_MESSAGE = 'failed by --fail';

/**
 * Every Job succeeds, except those whose action label names one of `actions`. A Revert's
 * rollback Job carries its forward action's name, so `--fail X` fails X's rollback too.
 */
export function failActions(actions: readonly string[]): JobPolicy {
  // Long or unusual names are hashed in the label; compare like with like.
  const labels = new Set(actions.map(labelValue));
  return (job) => {
    const action = job.metadata.labels?.[LABEL_ACTION];
    return action !== undefined && labels.has(action) ? { outcome: 'fail', message: FAIL_MESSAGE } : { outcome: 'succeed' };
  };
}

/**
 * A rehearsal must not call endpoints or touch a cluster: runner Jobs report what the runner
 * would on success (HTTP 200 with an empty body; the reference of the object the action names,
 * without a uid since nothing was created), or fail under `--fail` like any Job.
 */
export function simulatedRunner(actions: readonly string[]): RunnerExecutor {
  const labels = new Set(actions.map(labelValue));
  return async ({ job, kind, env }) => {
    const action = job.metadata.labels?.[LABEL_ACTION];
    if (action !== undefined && labels.has(action)) return { exitCode: 1, message: JSON.stringify({ message: FAIL_MESSAGE }) };
    const checked = checkObject(Action, JSON.parse(env['DRPLAN_ACTION'] ?? 'null') as unknown);
    if (!checked.ok) return { exitCode: 2, message: JSON.stringify({ message: `not an action: ${checked.problems.join('; ')}` }) };
    if (kind === 'http') return { exitCode: 0, message: JSON.stringify({ statusCode: 200, body: '' }) };
    try {
      const { object } = targetOf(checked.value, env['DRPLAN_NAMESPACE'] ?? 'default');
      const namespace = object.metadata.namespace ?? (object.kind === 'Globalization' ? undefined : env['DRPLAN_NAMESPACE']);
      return {
        exitCode: 0,
        message: JSON.stringify({
          apiVersion: object.apiVersion,
          kind: object.kind,
          ...(namespace ? { namespace } : {}),
          name: object.metadata.name,
        }),
      };
    } catch (error) {
      if (error instanceof ActionFailure) return { exitCode: 1, message: JSON.stringify({ message: error.message }) };
      throw error;
    }
  };
}

/** A `--fail` that matches no action would rehearse a success by mistake: refuse it. */
export function checkFailActions(actions: readonly string[], workflows: readonly Sourced[]): void {
  const known = new Set(workflows.flatMap(({ object }) => actionNames(object.spec)));
  const unknown = actions.filter((action) => !known.has(action));
  if (unknown.length === 0) return;
  const choices = known.size === 0 ? 'the workflows given have no actions' : `actions: ${[...known].sort().join(', ')}`;
  throw new InputError(`--fail ${unknown.join(', ')}: no action of that name in the workflows given (${choices})`);
}

function actionNames(spec: unknown): string[] {
  const actions = isRecord(spec) && Array.isArray(spec.actions) ? spec.actions : [];
  return actions.flatMap((action) => (isRecord(action) && typeof action.name === 'string' ? [action.name] : []));
}
