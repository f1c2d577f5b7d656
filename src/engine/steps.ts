import type { StepPhase } from '../api/execution.js';
import { capText, MAX_STEP_MESSAGE_CHARS } from '../k8s/bounds.js';
import { rememberedWhenFrozen } from '../shared/frozen.js';
import { everyOf } from '../shared/frozen-lists.js';
import { actionsOf, type Run, type RunAction, type RunStage, type SkipReason } from '../api/run.js';

/** The state every stage, workflow and action carries. */
export interface Step {
  phase: StepPhase;
  reason?: SkipReason;
  startTime?: string;
  completionTime?: string;
  message?: string;
}

/** Skipped for these reasons means "not done because something went wrong". */
const BLOCKING: readonly SkipReason[] = ['FailFast', 'DependencyFailed', 'PlanStopped', 'Cancelled'];

export function isDone(step: Step): boolean {
  return step.phase === 'Succeeded' || step.phase === 'Failed' || step.phase === 'Skipped';
}

/**
 * Whether something in a stage may still change: the stage, or one of its workflows or actions,
 * is not done. Advancing or stopping a run changes only those; a status edited by hand may hold a
 * running action in a stage that ended. Worked out once per frozen stage: a long run is edited
 * several times per sync, and most of its stages have ended or not begun.
 */
export const isUnderWay: (stage: RunStage) => boolean = rememberedWhenFrozen(
  (stage: RunStage) => !isDone(stage) || stage.workflows.some((workflow) => !isDone(workflow) || !everyOf(workflow.actions, isDone)),
);

/** A function rather than a comparison, so that it is read again after `start` changed the phase. */
export function isRunning(step: Step): boolean {
  return step.phase === 'Running';
}

/** A finished step whose dependants may run: it succeeded or had nothing to do. */
export function isSatisfied(step: Step): boolean {
  return step.phase === 'Succeeded' || (step.phase === 'Skipped' && !BLOCKING.includes(step.reason ?? 'Cancelled'));
}

/** A finished step whose dependants must not run. */
export function isBlocking(step: Step): boolean {
  return isDone(step) && !isSatisfied(step);
}

export function start(step: Step, at: string): void {
  step.phase = 'Running';
  step.startTime = at;
}

export function skip(step: Step, reason: SkipReason, message: string, at: string): void {
  step.phase = 'Skipped';
  step.reason = reason;
  step.message = capText(message, MAX_STEP_MESSAGE_CHARS);
  step.completionTime = at;
}

export function finish(step: Step, phase: 'Succeeded' | 'Failed', message: string, at: string): void {
  step.phase = phase;
  step.message = capText(message, MAX_STEP_MESSAGE_CHARS);
  step.completionTime = at;
}

/**
 * Cuts the messages of `stages` and their workflows, and of `actions` (by default every stage and
 * every action) to the run's own limit, when it has one (a very large run). A sync passes only
 * the steps it could change: the others were cut when they changed.
 */
export function capStepMessages(run: Run, actions: Iterable<RunAction> = actionsOf(run), stages: readonly RunStage[] = run.stages): Run {
  const chars = run.stepMessageChars;
  if (chars === undefined) return run;
  const cap = (step: Step) => {
    if (step.message !== undefined) step.message = capText(step.message, chars);
  };
  for (const stage of stages) {
    cap(stage);
    stage.workflows.forEach(cap);
  }
  for (const action of actions) cap(action);
  return run;
}

/**
 * The outcome of a parent whose children are all done: Failed if any failed; Succeeded
 * if all are satisfied and at least one succeeded; otherwise Skipped, with the reason of
 * the first blocking child (a cancel) or of the first child (nothing to do).
 */
export function rollUp(step: Step, children: readonly Step[], describeFailure: () => string, success: string, at: string): void {
  if (children.some((child) => child.phase === 'Failed')) {
    finish(step, 'Failed', describeFailure(), at);
    return;
  }
  const satisfied = children.every(isSatisfied);
  if (satisfied && children.some((child) => child.phase === 'Succeeded')) {
    finish(step, 'Succeeded', success, at);
    return;
  }
  const first = children.find(isBlocking) ?? children[0];
  skip(step, first?.reason ?? 'NothingToRevert', first?.message ?? 'nothing to do', at);
}
