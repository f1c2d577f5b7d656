import type { KubeObject } from '../k8s/metacontroller.js';
import { formatDuration, parseTime } from '../k8s/time.js';
import { jobNameFor, jobOutcome, type JobOutcome } from './jobs.js';
import { keptResult, resultBudget } from './results.js';
import { runnerKind, runnerReport, successFrom, type RunnerReport } from './runner.js';
import type { Run, RunAction } from '../api/run.js';
import type { GivenActions, WritableAction } from './step-copies.js';
import { finish, skip, start } from './steps.js';

/**
 * One action of a running run: how it starts (a Job to create, or a Job a Revert deletes) and
 * how it ends (its Job's outcome, a runner's reported result, or its timeout).
 */

export interface ObservedJobs {
  /** Observed child Jobs by name. */
  jobs: ReadonlyMap<string, KubeObject>;
  /** Observed runner Pods by the name of their Job; their termination messages carry results. */
  pods?: ReadonlyMap<string, readonly KubeObject[]>;
  namespace: string;
}

/** What one call of `advanceRun` works with. */
export interface Context {
  run: Run;
  observed: ObservedJobs;
  now: Date;
  at: string;
  /** An action must be taken through this before it is changed: the run shares the others. */
  writable: WritableAction;
  /** A list of actions as the run before the edit held it, while unchanged (`editSteps`). */
  given: GivenActions;
}

export function observeAction(action: RunAction, context: Context): boolean {
  if (action.phase !== 'Running' || action.jobName === undefined) return false;
  const job = context.observed.jobs.get(action.jobName);
  if (job !== undefined && observeJob(action, job, context)) return true;
  return timedOut(action, job, context);
}

/** Reads a Job's outcome into its action; returns whether the action ended. */
function observeJob(action: RunAction, job: KubeObject, { run, observed, at }: Context): boolean {
  const uid = job.metadata.uid;
  if (uid !== undefined && action.outputs?.jobRef?.uid !== uid) action.outputs = { jobRef: { ...action.outputs?.jobRef, uid } };
  const outcome = jobOutcome(job);
  if (runnerKind(action.type) !== undefined) {
    if (observeRunner(run, action, outcome, observed, at)) return true;
  } else if (outcome.state === 'succeeded') {
    finish(action, 'Succeeded', successMessage(run, action), outcome.at ?? at);
    return true;
  }
  if (outcome.state !== 'failed') return false;
  finish(action, 'Failed', `Job ${observed.namespace}/${action.jobName ?? ''} failed: ${outcome.message}`, outcome.at ?? at);
  return true;
}

/** Fails an action whose timeout has passed, saying how far its Job got. */
function timedOut(action: RunAction, job: KubeObject | undefined, { observed, now, at }: Context): boolean {
  const started = parseTime(action.startTime) ?? now.getTime();
  if (now.getTime() - started < action.timeoutSeconds * 1000) return false;
  const state =
    job === undefined
      ? 'was never observed'
      : jobOutcome(job).state === 'succeeded'
        ? 'completed, but its Pod with the result was never observed'
        : 'did not complete';
  finish(
    action,
    'Failed',
    `timed out after ${formatDuration(action.timeoutSeconds * 1000)}: Job ${observed.namespace}/${action.jobName ?? ''} ${state}`,
    at,
  );
  return true;
}

/**
 * A runner Job's outcome is what its Pod's termination message says. Returns whether the
 * action ended; a completed Job whose Pod is not observed yet waits for it (within the timeout).
 */
function observeRunner(run: Run, action: RunAction, outcome: JobOutcome, observed: ObservedJobs, at: string): boolean {
  if (outcome.state === 'active') return false;
  const pods = observed.pods?.get(action.jobName ?? '');
  const report = runnerReport(pods);
  const job = `runner Job ${observed.namespace}/${action.jobName ?? ''}`;
  const when = outcome.at ?? at;
  if (outcome.state === 'failed') {
    finish(action, 'Failed', runnerFailure(job, outcome.message, pods !== undefined, report), when);
    return true;
  }
  if (pods === undefined) return false;
  if (report.state !== 'result') {
    const detail = report.state === 'none' ? 'no termination message' : `a termination message that is not JSON: ${report.detail}`;
    finish(action, 'Failed', `${job} completed, but its Pod left ${detail}`, when);
    return true;
  }
  const read = successFrom(action, report.value, run.operationType === 'Revert' && action.hookType === undefined);
  const success = 'error' in read ? read : keptResult(read, resultBudget(run, action, observed.namespace));
  if ('error' in success) {
    finish(action, 'Failed', `${job} completed, but its result is unusable: ${success.error}`, when);
    return true;
  }
  action.outputs = { ...action.outputs, ...success.outputs };
  if (success.clusterStatuses) action.clusterStatuses = success.clusterStatuses;
  finish(action, 'Succeeded', success.message, when);
  return true;
}

/** What the runner said of its failure, or what the Job says when the runner could not say. */
function runnerFailure(job: string, jobMessage: string, podObserved: boolean, report: RunnerReport): string {
  if (report.state === 'result' && typeof report.value['message'] === 'string') return report.value['message'];
  const why = !podObserved ? ' (its Pod was not observed)' : report.state === 'result' ? '' : ' (its Pod reported no readable result)';
  return `${job} failed: ${jobMessage}${why}`;
}

function successMessage(run: Run, action: RunAction): string {
  const what = `Job ${action.outputs?.jobRef?.namespace ?? ''}/${action.jobName ?? ''}`;
  return run.operationType === 'Revert' ? `Rolled back: ${what} completed` : `${what} completed`;
}

export function startAction(action: RunAction, { run, observed, at }: Context): void {
  if (action.deleteJob !== undefined) {
    const ref = `${observed.namespace}/${action.deleteJob}`;
    action.startTime = at;
    if (observed.jobs.has(action.deleteJob)) {
      // Leaving the Job out of the desired children is what deletes it.
      finish(action, 'Succeeded', `Rolled back: deleted Job ${ref}`, at);
    } else {
      skip(action, 'NothingToRevert', `No Job to roll back: ${ref} no longer exists`, at);
    }
    return;
  }
  start(action, at);
  action.jobName = jobNameFor(run, action);
  action.outputs = { jobRef: { kind: 'Job', apiVersion: 'batch/v1', namespace: observed.namespace, name: action.jobName } };
}
