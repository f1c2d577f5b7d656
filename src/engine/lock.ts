import type { KubeObject } from '../k8s/metacontroller.js';
import { parseTime } from '../k8s/time.js';
import { editSteps } from './step-copies.js';
import { jobOutcome } from './jobs.js';
import { someAction, type Run, type RunAction } from '../api/run.js';

/**
 * When the plan may let go of an ended run (docs/design.md, "Release"). Metacontroller's Job
 * informer lags the plan's: a Job asked for in one answer may still be missing from the next
 * request's children, and a child that was never observed is never deleted. So the run remembers
 * which of its Jobs it has seen, and the lock waits until every Job it asked for was seen and is
 * no longer running, or until the action's timeout has passed (by then the Job's own
 * activeDeadlineSeconds has stopped it).
 */

/**
 * Marks the Jobs of the run that the children show now; returns the same run when nothing is
 * new. Only a Job the API server has stored (it has a uid) counts as seen.
 */
export function noteObservedJobs(run: Run, jobs: ReadonlyMap<string, KubeObject>): Run {
  const stored = (action: RunAction) => action.jobName !== undefined && jobs.get(action.jobName)?.metadata.uid !== undefined;
  if (!someAction(run, (action) => action.jobSeen !== true && stored(action))) return run;
  return editSteps(run, (next, writable) => {
    for (const stage of next.stages) {
      for (const { actions } of stage.workflows) {
        actions.forEach((action, index) => {
          if (action.jobSeen !== true && stored(action)) writable(actions, index).jobSeen = true;
        });
      }
    }
    return next;
  });
}

/** Whether no Job of the run can still be running, as far as the children and the timeouts tell. */
export function runJobsAtRest(run: Run, jobs: ReadonlyMap<string, KubeObject>, now: Date): boolean {
  return !someAction(run, (action) => {
    if (action.jobName === undefined) return false;
    const job = jobs.get(action.jobName);
    if (job !== undefined) return jobOutcome(job).state === 'active';
    if (action.jobSeen === true) return false;
    const started = parseTime(action.startTime);
    return started !== undefined && now.getTime() < started + action.timeoutSeconds * 1000;
  });
}
