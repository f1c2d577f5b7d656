import { mappedAlongLists } from '../shared/along-lists.js';
import type { Run, RunAction, RunStage } from '../api/run.js';
import { rememberedWhenFrozen } from '../shared/frozen.js';
import { isDone } from './steps.js';
import { hasDefinition } from './definitions.js';

/**
 * What the passes of a sync ask of every action, as bits of one small integer per action. The
 * integers of a list sit side by side, and are carried from one sync's list to the next
 * (`mappedAlongLists`, docs/design.md, "Carried across syncs"): a pass over a long run reads them,
 * and visits only the actions whose bits say it has something to do there.
 */
export const RUNNING = 1;
export const SUCCEEDED = 2;
export const FAILED = 4;
/** Succeeded, Failed or Skipped (`isDone`). */
export const DONE = 8;
export const HAS_DEPENDS_ON = 16;
/** A Job asked for (`jobName`) and not yet seen stored (`jobSeen`). */
export const JOB_UNSEEN = 32;
/** A Job asked for (`jobName`). */
export const HAS_JOB = 64;
/** A rollback that deletes a Job (`deleteJob`). */
export const DELETES_JOB = 128;
/** Its Job template or runner work in the action itself (`hasDefinition`). */
export const HAS_DEFINITION = 256;

export const actionFacts: (actions: readonly RunAction[]) => readonly number[] = mappedAlongLists(factsOf);

function factsOf(action: RunAction): number {
  return (
    (action.phase === 'Running' ? RUNNING : 0) |
    (action.phase === 'Succeeded' ? SUCCEEDED : 0) |
    (action.phase === 'Failed' ? FAILED : 0) |
    (isDone(action) ? DONE : 0) |
    ((action.dependsOn ?? []).length > 0 ? HAS_DEPENDS_ON : 0) |
    (action.jobName !== undefined && action.jobSeen !== true ? JOB_UNSEEN : 0) |
    (action.jobName !== undefined ? HAS_JOB : 0) |
    (action.deleteJob !== undefined ? DELETES_JOB : 0) |
    (hasDefinition(action) ? HAS_DEFINITION : 0)
  );
}

/** How many of the actions have `bit`. */
export function countWith(facts: readonly number[], bit: number): number {
  let count = 0;
  for (const fact of facts) if ((fact & bit) !== 0) count += 1;
  return count;
}

/** The first action without `bit`, or the number of actions when all have it. */
export function firstWithout(facts: readonly number[], bit: number): number {
  const found = facts.findIndex((fact) => (fact & bit) === 0);
  return found < 0 ? facts.length : found;
}

/** Visits the actions of a run that have one of `bits`, in `actionsOf` order, found by their facts. */
export function eachActionWith(run: Run, bits: number, visit: (action: RunAction) => void): void {
  for (const stage of run.stages) {
    if (!mayHave(stage, bits)) continue;
    for (const { actions } of stage.workflows) {
      actionFacts(actions).forEach((fact, index) => {
        if ((fact & bits) !== 0) visit(actions[index] as RunAction);
      });
    }
  }
}

/**
 * Whether an action of the stage may have one of `bits`: false only for a frozen stage whose
 * actions' facts, all taken together, have none (worked out once per frozen stage). A run of
 * many stages is read by several passes per sync, each looking for the few actions that are
 * running or not yet seen.
 */
export function mayHave(stage: RunStage, bits: number): boolean {
  return !Object.isFrozen(stage) || (stageFacts(stage) & bits) !== 0;
}

const stageFacts = rememberedWhenFrozen((stage: RunStage) => {
  let facts = 0;
  for (const { actions } of stage.workflows) for (const fact of actionFacts(actions)) facts |= fact;
  return facts;
});
