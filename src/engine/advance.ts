import type { KubeObject } from '../k8s/metacontroller.js';
import { formatDuration, formatTime, parseTime } from '../k8s/time.js';
import { jobNameFor, jobOutcome } from './jobs.js';
import type { Run, RunAction, RunStage, RunWorkflow, SkipReason } from './schema.js';
import { isBlocking, isDone, isSatisfied, rollUp, skip, start, type Step } from './steps.js';

export interface Observed {
  /** Observed child Jobs by name. */
  jobs: ReadonlyMap<string, KubeObject>;
  namespace: string;
}

/**
 * Moves a run forward as far as the observed Jobs allow at `now`: records finished,
 * failed and timed-out actions, then starts whatever may start, until nothing changes.
 * Returns a new run; the input is not modified.
 */
export function advanceRun(previous: Run, observed: Observed, now: Date): Run {
  const run = copySteps(previous);
  if (run.phase !== 'Running') return run;
  const at = formatTime(now);
  for (let changed = true; changed; ) {
    changed = false;
    for (const stage of run.stages) {
      if (stage.phase !== 'Running') continue;
      for (const workflow of stage.workflows) {
        if (workflow.phase !== 'Running') continue;
        changed = observeActions(run, workflow, observed, now) || changed;
        changed = startActions(run, workflow, observed, at) || changed;
        if (workflow.actions.every(isDone)) {
          finishWorkflow(workflow, run, at);
          changed = true;
        }
      }
      changed = startWorkflows(stage, at) || changed;
      if (stage.workflows.every(isDone)) {
        rollUp(stage, stage.workflows, () => stageFailure(stage), stageSuccess(stage, run), at);
        changed = true;
      }
    }
    changed = startStages(run, at) || changed;
  }
  if (run.stages.every(isDone)) finishRun(run, at);
  return run;
}

/**
 * A copy of the run's steps, the only parts a sync changes. Job templates and rollbacks are
 * shared, not cloned: they are never modified, and may be nested deeper than a recursive
 * clone survives.
 */
function copySteps(run: Run): Run {
  return {
    ...run,
    stages: run.stages.map((stage) => ({
      ...stage,
      workflows: stage.workflows.map((workflow) => ({ ...workflow, actions: workflow.actions.map((action) => ({ ...action })) })),
    })),
  };
}

function observeActions(run: Run, workflow: RunWorkflow, observed: Observed, now: Date): boolean {
  let changed = false;
  const at = formatTime(now);
  for (const action of workflow.actions) {
    if (action.phase !== 'Running' || action.jobName === undefined) continue;
    const job = observed.jobs.get(action.jobName);
    if (job !== undefined) {
      const uid = job.metadata.uid;
      if (uid !== undefined && action.outputs?.jobRef?.uid !== uid) {
        action.outputs = { jobRef: { ...action.outputs?.jobRef, uid } };
        changed = true;
      }
      const outcome = jobOutcome(job);
      if (outcome.state === 'succeeded') {
        completeAction(action, 'Succeeded', successMessage(run, action), outcome.at ?? at);
        changed = true;
        continue;
      }
      if (outcome.state === 'failed') {
        completeAction(action, 'Failed', `Job ${observed.namespace}/${action.jobName} failed: ${outcome.message}`, outcome.at ?? at);
        changed = true;
        continue;
      }
    }
    const started = parseTime(action.startTime) ?? now.getTime();
    if (now.getTime() - started >= action.timeoutSeconds * 1000) {
      const state = job === undefined ? 'was never observed' : 'did not complete';
      completeAction(action, 'Failed', `timed out after ${formatDuration(action.timeoutSeconds * 1000)}: Job ${observed.namespace}/${action.jobName} ${state}`, at);
      changed = true;
    }
  }
  return changed;
}

function successMessage(run: Run, action: RunAction): string {
  const what = `Job ${action.outputs?.jobRef?.namespace ?? ''}/${action.jobName ?? ''}`;
  return run.operationType === 'Revert' ? `Rolled back: ${what} completed` : `${what} completed`;
}

function completeAction(action: RunAction, phase: 'Succeeded' | 'Failed', message: string, at: string): void {
  action.phase = phase;
  action.message = message;
  action.completionTime = at;
}

/** Starts the actions whose turn has come; skips those that can no longer run. */
function startActions(run: Run, workflow: RunWorkflow, observed: Observed, at: string): boolean {
  const failFast = workflow.failurePolicy !== 'Continue';
  const failed = workflow.actions.find((action) => action.phase === 'Failed');
  const dag = workflow.actions.some((action) => (action.dependsOn ?? []).length > 0);
  let changed = false;
  for (const [index, action] of workflow.actions.entries()) {
    if (action.phase !== 'Pending') continue;
    if (failFast && failed !== undefined) {
      skip(action, 'FailFast', `not run: action ${failed.name} failed`, at);
      changed = true;
      continue;
    }
    const before = dag
      ? workflow.actions.filter((other) => (action.dependsOn ?? []).includes(other.name))
      : workflow.actions.slice(0, index);
    const blocker = before.find(isBlocking);
    if (dag && blocker !== undefined) {
      skip(action, 'DependencyFailed', `not run: dependency ${blocker.name} did not succeed`, at);
      changed = true;
      continue;
    }
    if (!before.every(isDone)) {
      if (dag) continue;
      break;
    }
    startAction(run, action, observed, at);
    changed = true;
  }
  return changed;
}

function startAction(run: Run, action: RunAction, observed: Observed, at: string): void {
  if (action.deleteJob !== undefined) {
    const ref = `${observed.namespace}/${action.deleteJob}`;
    action.startTime = at;
    if (observed.jobs.has(action.deleteJob)) {
      // Leaving the Job out of the desired children is what deletes it.
      completeAction(action, 'Succeeded', `Rolled back: deleted Job ${ref}`, at);
    } else {
      skip(action, 'NothingToRevert', `No Job to roll back: ${ref} no longer exists`, at);
    }
    return;
  }
  start(action, at);
  action.jobName = jobNameFor(run, action);
  action.outputs = { jobRef: { kind: 'Job', apiVersion: 'batch/v1', namespace: observed.namespace, name: action.jobName } };
}

function finishWorkflow(workflow: RunWorkflow, run: Run, at: string): void {
  const verb = run.operationType === 'Revert' ? 'rolled back' : 'completed';
  rollUp(
    workflow,
    workflow.actions,
    () => {
      const failed = workflow.actions.find((action) => action.phase === 'Failed');
      return `action ${failed?.name ?? '?'} failed: ${failed?.message ?? ''}`;
    },
    `All actions ${verb} successfully`,
    at,
  );
}

function workflowLabel(workflow: RunWorkflow): string {
  return `${workflow.workflowRef.namespace}/${workflow.workflowRef.name}`;
}

function stageFailure(stage: RunStage): string {
  const failed = stage.workflows.find((workflow) => workflow.phase === 'Failed');
  return failed === undefined ? 'a workflow failed' : `workflow ${workflowLabel(failed)} failed: ${failed.message ?? ''}`;
}

function stageSuccess(stage: RunStage, run: Run): string {
  const count = stage.workflows.filter((workflow) => workflow.phase === 'Succeeded').length;
  return run.operationType === 'Revert'
    ? `Stage reverted successfully: ${count} workflow(s) rolled back`
    : `Stage completed: ${count} workflow(s) succeeded`;
}

/** Sequential stages start one workflow at a time and stop after a failure; parallel ones start all. */
function startWorkflows(stage: RunStage, at: string): boolean {
  let changed = false;
  for (const [index, workflow] of stage.workflows.entries()) {
    if (workflow.phase !== 'Pending') continue;
    if (!stage.parallel) {
      const before = stage.workflows.slice(0, index);
      const failed = before.find((other) => other.phase === 'Failed');
      if (failed !== undefined) {
        skipWorkflow(workflow, 'FailFast', `not run: workflow ${workflowLabel(failed)} failed`, at);
        changed = true;
        continue;
      }
      if (!before.every(isDone)) break;
    }
    start(workflow, at);
    changed = true;
  }
  return changed;
}

/** One stage at a time, the first in plan order whose dependencies are satisfied. */
function startStages(run: Run, at: string): boolean {
  if (run.stages.some((stage) => stage.phase === 'Running')) return false;
  let changed = false;
  const failedStage = run.stages.find((stage) => stage.phase === 'Failed');
  for (const stage of run.stages) {
    if (stage.phase !== 'Pending') continue;
    if (failedStage !== undefined && run.failurePolicy === 'Stop') {
      skipStage(stage, 'PlanStopped', `not run: stage ${failedStage.name} failed and the plan's failurePolicy is Stop`, at);
      changed = true;
      continue;
    }
    const dependencies = run.stages.filter((other) => (stage.dependsOn ?? []).includes(other.name));
    const blocker = dependencies.find(isBlocking);
    if (blocker !== undefined) {
      skipStage(stage, 'DependencyFailed', `not run: stage ${blocker.name} did not succeed`, at);
      changed = true;
      continue;
    }
    if (dependencies.every(isSatisfied)) {
      start(stage, at);
      return true;
    }
  }
  return changed;
}

/** A step that will never run says so all the way down, not only at its own level. */
function skipStage(stage: RunStage, reason: SkipReason, message: string, at: string): void {
  skip(stage, reason, message, at);
  for (const workflow of stage.workflows) if (workflow.phase === 'Pending') skipWorkflow(workflow, reason, message, at);
}

function skipWorkflow(workflow: RunWorkflow, reason: SkipReason, message: string, at: string): void {
  skip(workflow, reason, message, at);
  for (const action of workflow.actions) if (action.phase === 'Pending') skip(action, reason, message, at);
}

function finishRun(run: Run, at: string): void {
  const failed = run.stages.find((stage) => stage.phase === 'Failed');
  run.completionTime = at;
  if (failed !== undefined) {
    run.phase = 'Failed';
    run.message = `stage ${failed.name} failed: ${failed.message ?? ''}`;
    return;
  }
  run.phase = 'Succeeded';
  if (run.operationType === 'Revert') {
    const actions = run.stages.flatMap((stage) => stage.workflows.flatMap((workflow) => workflow.actions));
    const undone = actions.filter((action) => action.phase === 'Succeeded').length;
    run.message = `Plan reverted successfully: ${undone} action(s) rolled back`;
  } else {
    run.message = 'All stages completed successfully';
  }
}

/**
 * Stops a run: nothing new starts, running actions are interrupted (their Jobs are
 * dropped from the children), finished actions stay as they are.
 */
export function cancelRun(previous: Run, message: string, at: string): Run {
  const run = copySteps(previous);
  if (run.phase !== 'Running') return run;
  const notRun = `not run: ${message}`;
  const close = (step: Step, children: readonly Step[], failure: () => string) => {
    if (step.phase === 'Pending') skip(step, 'Cancelled', notRun, at);
    else if (step.phase === 'Running') rollUp(step, children, failure, `completed before: ${message}`, at);
  };
  for (const stage of run.stages) {
    for (const workflow of stage.workflows) {
      for (const action of workflow.actions) {
        if (action.phase === 'Running') {
          action.phase = 'Failed';
          action.message = `interrupted: ${message}`;
          action.completionTime = at;
        } else if (action.phase === 'Pending') {
          skip(action, 'Cancelled', notRun, at);
        }
      }
      close(workflow, workflow.actions, () => `interrupted: ${message}`);
    }
    close(stage, stage.workflows, () => `interrupted: ${message}`);
  }
  run.phase = 'Cancelled';
  run.completionTime = at;
  run.message = message;
  return run;
}

/** Seconds until the earliest running action times out, for `resyncAfterSeconds`. */
export function secondsUntilNextTimeout(run: Run, now: Date): number | undefined {
  let earliest: number | undefined;
  for (const stage of run.stages) {
    for (const workflow of stage.workflows) {
      for (const action of workflow.actions) {
        if (action.phase !== 'Running') continue;
        const started = parseTime(action.startTime) ?? now.getTime();
        const remaining = Math.ceil((started + action.timeoutSeconds * 1000 - now.getTime()) / 1000);
        earliest = Math.min(earliest ?? Infinity, Math.max(1, remaining));
      }
    }
  }
  return earliest;
}
