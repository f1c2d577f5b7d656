import type { Run } from '../api/run.js';
import { editSteps, type WritableAction } from './step-copies.js';
import { finish, isUnderWay, rollUp, skip, type Step } from './steps.js';

/**
 * Stops a run: nothing new starts, running actions are interrupted (their Jobs are
 * dropped from the children), finished actions stay as they are.
 */
export function cancelRun(previous: Run, message: string, at: string, phase: 'Cancelled' | 'Failed' = 'Cancelled'): Run {
  if (previous.phase !== 'Running') return previous;
  return editSteps(previous, (run, writable) => stopped(run, writable, message, at, phase), isUnderWay);
}

function stopped(run: Run, writable: WritableAction, message: string, at: string, phase: 'Cancelled' | 'Failed'): Run {
  const notRun = `not run: ${message}`;
  const close = (step: Step, children: readonly Step[], failure: () => string) => {
    if (step.phase === 'Pending') skip(step, 'Cancelled', notRun, at);
    else if (step.phase === 'Running') rollUp(step, children, failure, `completed before: ${message}`, at);
  };
  for (const stage of run.stages) {
    for (const workflow of stage.workflows) {
      const { actions } = workflow;
      actions.forEach((action, index) => {
        if (action.phase === 'Running') finish(writable(actions, index), 'Failed', `interrupted: ${message}`, at);
        else if (action.phase === 'Pending') skip(writable(actions, index), 'Cancelled', notRun, at);
      });
      close(workflow, workflow.actions, () => `interrupted: ${message}`);
    }
    close(stage, stage.workflows, () => `interrupted: ${message}`);
  }
  run.phase = phase;
  run.completionTime = at;
  run.message = message;
  return run;
}
