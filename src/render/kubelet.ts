import type { JobPolicy } from '../harness/index.js';
import { isRecord } from '../harness/types.js';
import { LABEL_ACTION } from '../k8s/labels.js';
import { labelValue } from '../k8s/names.js';
import { InputError } from './input-error.js';
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
