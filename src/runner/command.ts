import { parseDuration } from '../k8s/time.js';
import { checkObject } from '../k8s/validate.js';
import { Action } from '../api/workflow.js';
import { runHttp } from './http.js';
import { ActionFailure, DEFAULT_TERMINATION_LOG, failure, writeReport, type RunnerReport } from './result.js';

const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;

export interface RunnerIo {
  env: Readonly<Record<string, string | undefined>>;
  /** Progress lines, for `kubectl logs`. */
  log: (line: string) => void;
}

/**
 * `run http` / `run resource`: reads the rendered action, does the work, writes one JSON line to
 * the termination log and returns the exit code (0 done, 1 the action failed, 2 bad usage).
 */
export async function runRunner(args: readonly string[], io: RunnerIo): Promise<number> {
  const path = io.env['DRPLAN_TERMINATION_LOG'] || DEFAULT_TERMINATION_LOG;
  const kind = args[0];
  let report: RunnerReport;
  let code = 0;
  try {
    if (kind !== 'http' && kind !== 'resource') throw new UsageError('usage: run http|resource');
    const action = actionFrom(io.env['DRPLAN_ACTION']);
    const deadline = Date.now() + workBudgetMs(action);
    if (kind === 'http') {
      if (action.type !== 'HTTP') throw new UsageError(`run http cannot run a ${action.type} action`);
      report = await runHttp(action, { deadline, log: io.log });
    } else {
      if (action.type === 'HTTP' || action.type === 'Job') throw new UsageError(`run resource cannot run a ${action.type} action`);
      const namespace = io.env['DRPLAN_NAMESPACE'] || 'default';
      const { KubeConfig } = await import('@kubernetes/client-node');
      const { ObjectClient, runResource } = await import('./resource.js');
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromDefault();
      report = await runResource(action, ObjectClient.fromKubeConfig(kubeConfig, namespace), namespace, { deadline, log: io.log });
    }
  } catch (error) {
    // Even a runner bug must reach the plan as a message, not as a bare exit code.
    const known = error instanceof ActionFailure || error instanceof UsageError;
    const text = error instanceof Error ? error.message : String(error);
    report = failure(known ? text : `runner error: ${text}`);
    code = error instanceof UsageError ? 2 : 1;
    io.log(`failed: ${report.message}`);
  }
  writeReport(path, report);
  return code;
}

class UsageError extends Error {}

function actionFrom(text: string | undefined): Action {
  if (text === undefined || text === '') throw new UsageError('env DRPLAN_ACTION is empty: it must hold the action as JSON');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError('env DRPLAN_ACTION is not valid JSON');
  }
  const checked = checkObject(Action, value);
  if (!checked.ok) throw new UsageError(`env DRPLAN_ACTION is not an action: ${checked.problems.join('; ')}`);
  return checked.value;
}

/**
 * The Job's deadline is the action's timeout counted from the Job's start, so the runner stops
 * a little earlier: a failure it reports itself says more than DeadlineExceeded.
 */
function workBudgetMs(action: Action): number {
  const timeout = action.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(action.timeout);
  if (timeout === undefined || timeout <= 0) throw new ActionFailure(`timeout "${action.timeout ?? ''}" is not a positive duration`);
  return timeout - Math.min(5000, timeout / 10);
}
