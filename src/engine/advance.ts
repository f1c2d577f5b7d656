import { capText, MAX_MESSAGE_CHARS } from '../k8s/bounds.js';
import { formatTime } from '../k8s/time.js';
import { actionsOf, type Run, type RunAction, type RunStage, type RunWorkflow, type SkipReason } from '../api/run.js';
import { observeAction, startAction, type Context, type ObservedJobs } from './actions.js';
import { Dependencies } from './dependencies.js';
import { IndexQueue } from './queue.js';
import { editSteps, type WritableAction } from './step-copies.js';
import { isDone, isRunning, isUnderWay, rollUp, skip, start } from './steps.js';
import { actionFacts, DONE, FAILED, firstWithout, HAS_DEPENDS_ON, RUNNING } from './action-facts.js';

/**
 * Moves a run forward as far as the observed Jobs allow at `now`: records finished,
 * failed and timed-out actions, then starts whatever may start, until nothing changes.
 * Returns a new run that shares the steps it left unchanged; the input is not modified.
 *
 * Linear in the run: each running stage, then each stage started after it, is settled once,
 * its workflows in one pass and each workflow's actions in rounds that only look at what the
 * previous round changed. Stages and actions with `dependsOn` go through a `Dependencies`
 * tracker, so no step is searched for in a loop over the others.
 */
export function advanceRun(previous: Run, observed: ObservedJobs, now: Date): Run {
  if (previous.phase !== 'Running') return previous;
  return editSteps(
    previous,
    (run, writable, given) => {
      const context: Context = { run, observed, now, at: formatTime(now), writable, given };
      for (const stage of run.stages) if (stage.phase === 'Running') settleStage(stage, context);
      startStages(context);
      if (run.stages.every(isDone)) finishRun(run, context.at);
      return run;
    },
    isUnderWay,
  );
}

/** Settles a running stage: its workflows in order, each as far as it goes, then the stage itself. */
function settleStage(stage: RunStage, context: Context): void {
  const { at } = context;
  let failed: RunWorkflow | undefined;
  let allBeforeDone = true;
  let halted = false;
  for (const workflow of stage.workflows) {
    if (workflow.phase === 'Running') settleWorkflow(workflow, context);
    else if (workflow.phase === 'Pending' && !halted) {
      // Sequential stages start one workflow at a time and stop after a failure; parallel ones start all.
      if (stage.parallel) startWorkflow(workflow, context);
      else if (failed !== undefined)
        skipWorkflow(workflow, 'FailFast', `not run: workflow ${workflowLabel(failed)} failed`, at, context.writable);
      else if (allBeforeDone) startWorkflow(workflow, context);
      else halted = true;
    }
    if (workflow.phase === 'Failed') failed ??= workflow;
    if (!isDone(workflow)) allBeforeDone = false;
  }
  if (stage.workflows.every(isDone)) rollUp(stage, stage.workflows, () => stageFailure(stage), stageSuccess(stage, context.run), at);
}

function startWorkflow(workflow: RunWorkflow, context: Context): void {
  start(workflow, context.at);
  settleWorkflow(workflow, context);
}

/**
 * Settles a running workflow. Each round observes the Jobs of the actions that have started
 * since the last one, then starts what may start: in list order, or along `dependsOn` when any
 * action has one; after a failure under FailFast, nothing new starts.
 */
function settleWorkflow(workflow: RunWorkflow, context: Context): void {
  const { actions } = workflow;
  const failFast = workflow.failurePolicy !== 'Continue';
  const start = startingPoint(actionFacts(context.given(actions)));
  const { ordered, firstNotDone } = start;
  let { failed, fresh } = start;
  const dependencies = ordered ? undefined : new Dependencies(actions);
  const queue = new IndexQueue();
  for (const index of dependencies?.decidable() ?? []) queue.push(index);
  let cursor = firstNotDone;
  let deferred: number[] = [];
  const settled = (index: number): void => {
    const action = actions[index] as RunAction;
    if (action.phase === 'Failed' && (failed < 0 || index < failed)) failed = index;
    dependencies?.update(index, (dependant) => queue.push(dependant));
  };

  for (;;) {
    for (const index of fresh) if (observeAction(context.writable(actions, index), context)) settled(index);
    if (failFast && failed >= 0) {
      skipRemaining(actions, actions[failed] as RunAction, context);
      break;
    }
    if (dependencies === undefined) {
      const round = startInOrder(actions, cursor, context);
      ({ started: fresh, cursor } = round);
    } else {
      ({ started: fresh, deferred } = startAlongDependencies(actions, dependencies, queue, deferred, context, settled));
    }
    if (fresh.length === 0 && deferred.length === 0) break;
  }
  if (actions.slice(firstNotDone).every(isDone)) finishWorkflow(workflow, context.run, context.at);
}

/**
 * Where settling a workflow starts, read from its actions' facts, carried from the last sync: a
 * long run's workflow is settled on every sync of its plan. Done actions stay done, so the
 * first one that is not (or the end) is where starting and finishing look from.
 */
function startingPoint(facts: readonly number[]): { ordered: boolean; failed: number; fresh: number[]; firstNotDone: number } {
  const fresh: number[] = [];
  facts.forEach((fact, index) => {
    if ((fact & RUNNING) !== 0) fresh.push(index);
  });
  return {
    ordered: facts.every((fact) => (fact & HAS_DEPENDS_ON) === 0),
    failed: facts.findIndex((fact) => (fact & FAILED) !== 0),
    fresh,
    firstNotDone: firstWithout(facts, DONE),
  };
}

function skipRemaining(actions: RunAction[], failed: RunAction, { at, writable }: Context): void {
  skipPending(actions, 'FailFast', `not run: action ${failed.name} failed`, at, writable);
}

function skipPending(actions: RunAction[], reason: SkipReason, message: string, at: string, writable: WritableAction): void {
  actions.forEach((action, index) => {
    if (action.phase === 'Pending') skip(writable(actions, index), reason, message, at);
  });
}

/** Starts the first action not done yet, and the next ones while each is done at once (a Revert's Job deletions). */
function startInOrder(actions: RunAction[], from: number, context: Context): { started: number[]; cursor: number } {
  let cursor = from;
  while (cursor < actions.length) {
    const next = actions[cursor] as RunAction;
    if (!isDone(next)) {
      if (next.phase !== 'Pending') break;
      const action = context.writable(actions, cursor);
      startAction(action, context);
      if (isRunning(action)) return { started: [cursor], cursor };
    }
    cursor += 1;
  }
  return { started: [], cursor };
}

/**
 * One pass over the actions whose dependencies are decided, in list order: a blocked one is
 * skipped, a ready one starts. What this pass decides about actions it has already passed is
 * left for the next pass, as a pass reads the list once, front to back.
 */
function startAlongDependencies(
  actions: RunAction[],
  dependencies: Dependencies<RunAction>,
  queue: IndexQueue,
  carried: readonly number[],
  context: Context,
  settled: (index: number) => void,
): { started: number[]; deferred: number[] } {
  for (const index of carried) queue.push(index);
  const started: number[] = [];
  const deferred = dependencies.pass(queue, {
    blocked: (index, blocker) => {
      skip(context.writable(actions, index), 'DependencyFailed', `not run: dependency ${blocker.name} did not succeed`, context.at);
      settled(index);
    },
    ready: (index) => {
      const action = context.writable(actions, index);
      startAction(action, context);
      if (isRunning(action)) started.push(index);
      else settled(index);
      return true;
    },
  });
  return { started, deferred };
}

/** Reads the Job of a running action; true when the action finished. */
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

/**
 * Starts the next stages, one at a time: the first in plan order whose dependencies are
 * satisfied, skipping on the way those that can no longer run. Each started stage is settled
 * before the next is chosen. A pass reads the stages front to back once, as the scheduling rule
 * does; what it decides about stages it has passed waits for the next pass.
 */
function startStages(context: Context): void {
  const { run, at } = context;
  if (run.stages.some((stage) => stage.phase === 'Running')) return;
  if (stopAfterFailure(context)) return;
  const dependencies = new Dependencies(run.stages);
  const queue = new IndexQueue();
  for (const index of dependencies.decidable()) queue.push(index);
  const changed = (dependant: number) => queue.push(dependant);
  for (;;) {
    const { next, deferred } = nextStage(context, dependencies, queue, changed);
    for (const index of deferred) queue.push(index);
    const stage = next === undefined ? undefined : run.stages[next];
    if (next === undefined || stage === undefined) {
      if (deferred.length > 0) continue;
      return;
    }
    start(stage, at);
    settleStage(stage, context);
    if (stage.phase === 'Running' || (stage.phase === 'Failed' && stopAfterFailure(context))) return;
    dependencies.update(next, changed);
  }
}

/**
 * One pass front to back: the first Pending stage ready to start, skipping on the way those a
 * failed dependency blocks. Stages queued behind the pass's position wait for the next pass.
 */
function nextStage(
  { run, at, writable }: Context,
  dependencies: Dependencies<RunStage>,
  queue: IndexQueue,
  changed: (index: number) => void,
): { next?: number; deferred: number[] } {
  let next: number | undefined;
  const deferred = dependencies.pass(queue, {
    blocked: (index, blocker) => {
      skipStage(run.stages[index] as RunStage, 'DependencyFailed', `not run: stage ${blocker.name} did not succeed`, at, writable);
      dependencies.update(index, changed);
    },
    ready: (index) => {
      next = index;
      return false;
    },
  });
  return next === undefined ? { deferred } : { next, deferred };
}

/** Under failurePolicy Stop, a failed stage means no other stage will run: they all say so. */
function stopAfterFailure({ run, at, writable }: Context): boolean {
  if (run.failurePolicy !== 'Stop') return false;
  const failed = run.stages.find((stage) => stage.phase === 'Failed');
  if (failed === undefined) return false;
  const message = `not run: stage ${failed.name} failed and the plan's failurePolicy is Stop`;
  for (const stage of run.stages) if (stage.phase === 'Pending') skipStage(stage, 'PlanStopped', message, at, writable);
  return true;
}

/** A step that will never run says so all the way down, not only at its own level. */
function skipStage(stage: RunStage, reason: SkipReason, message: string, at: string, writable: WritableAction): void {
  skip(stage, reason, message, at);
  for (const workflow of stage.workflows) if (workflow.phase === 'Pending') skipWorkflow(workflow, reason, message, at, writable);
}

function skipWorkflow(workflow: RunWorkflow, reason: SkipReason, message: string, at: string, writable: WritableAction): void {
  skip(workflow, reason, message, at);
  skipPending(workflow.actions, reason, message, at, writable);
}

function finishRun(run: Run, at: string): void {
  const failed = run.stages.find((stage) => stage.phase === 'Failed');
  run.completionTime = at;
  if (failed !== undefined) {
    run.phase = 'Failed';
    run.message = capText(`stage ${failed.name} failed: ${failed.message ?? ''}`, MAX_MESSAGE_CHARS);
    return;
  }
  run.phase = 'Succeeded';
  if (run.operationType === 'Revert') {
    const undone = actionsOf(run).filter((action) => action.phase === 'Succeeded').length;
    run.message = `Plan reverted successfully: ${undone} action(s) rolled back`;
  } else {
    run.message = 'All stages completed successfully';
  }
}
