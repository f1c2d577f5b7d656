import type { Run } from '../api/run.js';
import { copySteps } from './advance.js';
import { capStepMessages, finish, rollUp, skip, type Step } from './steps.js';

/**
 * Stops a run: nothing new starts, running actions are interrupted (their Jobs are
 * dropped from the children), finished actions stay as they are.
 */
export function cancelRun(previous: Run, message: string, at: string, phase: 'Cancelled' | 'Failed' = 'Cancelled'): Run {
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
        if (action.phase === 'Running') finish(action, 'Failed', `interrupted: ${message}`, at);
        else if (action.phase === 'Pending') skip(action, 'Cancelled', notRun, at);
      }
      close(workflow, workflow.actions, () => `interrupted: ${message}`);
    }
    close(stage, stage.workflows, () => `interrupted: ${message}`);
  }
  run.phase = phase;
  run.completionTime = at;
  run.message = message;
  return capStepMessages(run);
}
