import type { KubeObject } from '../k8s/metacontroller.js';
import { parseTime } from '../k8s/time.js';
import { editSteps } from './step-copies.js';
import { jobOutcome } from './jobs.js';
import { someAction, type Run, type RunAction } from '../api/run.js';
import { actionFacts, JOB_UNSEEN, mayHave } from './action-facts.js';

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
  // Only the actions whose facts say their Job is not seen yet are looked at: a long run has a few.
  const newlySeen = (actions: readonly RunAction[]): number[] => {
    const found: number[] = [];
    actionFacts(actions).forEach((fact, index) => {
      const jobName = (fact & JOB_UNSEEN) === 0 ? undefined : (actions[index] as RunAction).jobName;
      if (jobName !== undefined && jobs.get(jobName)?.metadata.uid !== undefined) found.push(index);
    });
    return found;
  };
  // The stages with a Job seen now, found once: the edit copies only these.
  const seenIn = new Set(
    run.stages.filter((stage) => mayHave(stage, JOB_UNSEEN) && stage.workflows.some(({ actions }) => newlySeen(actions).length > 0)),
  );
  if (seenIn.size === 0) return run;
  return editSteps(
    run,
    (next, writable, given) => {
      for (const stage of next.stages) {
        if (!mayHave(stage, JOB_UNSEEN)) continue;
        for (const { actions } of stage.workflows) for (const index of newlySeen(given(actions))) writable(actions, index).jobSeen = true;
      }
      return next;
    },
    (stage) => seenIn.has(stage),
  );
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
