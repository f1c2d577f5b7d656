import { hasDefinition } from '../engine/definitions.js';
import { desiredJob, isBeingDeleted, jobOutcome, keepObserved } from '../engine/jobs.js';
import { keptConfigMap, type KubeObject } from '../k8s/metacontroller.js';
import { actionsOf, type RunAction } from '../api/run.js';
import type { Ledger, Observed } from './state.js';

/**
 * Jobs to keep or create: the current run's running Jobs, plus every observed finished Job
 * (the last run's, kept for `kubectl logs` until the next run starts). A Job that a Revert
 * deletes or a cancelled or timed-out action leaves running is left out, which deletes it.
 * New Jobs only once the observed lock names the run (`locked`); observed ones are kept.
 * An action without its definition (kept apart, its ConfigMap not observed) can describe no
 * Job: its observed Job is kept as it is, and none is created.
 */
export function desiredJobs(ledger: Ledger, { jobs, plan }: Observed, locked: boolean): KubeObject[] {
  const context = { planName: plan.metadata.name, namespace: plan.metadata.namespace ?? '' };
  const run = ledger.run;
  const actions = run === undefined ? [] : actionsOf(run);
  const desired = keptJobs(jobs, actions, run !== undefined);
  if (run !== undefined) {
    for (const action of actions) {
      if (action.jobName === undefined) continue;
      const wanted =
        (action.phase === 'Running' && (locked || jobs.has(action.jobName))) || (desired.has(action.jobName) && action.phase !== 'Pending');
      if (!wanted) continue;
      const observed = jobs.get(action.jobName);
      if (hasDefinition(action)) desired.set(action.jobName, desiredJob(run, action, context));
      else if (observed !== undefined && !isBeingDeleted(observed)) desired.set(action.jobName, keepObserved(observed));
    }
  }
  // Names only, in code unit order: the default sort, without a comparator to call a thousand times.
  return [...desired.keys()].sort().map((name) => desired.get(name) as KubeObject);
}

/** The observed Jobs to keep as they are: finished ones, and those a rollback still has to delete. */
function keptJobs(jobs: ReadonlyMap<string, KubeObject>, actions: readonly RunAction[], running: boolean): Map<string, KubeObject> {
  const runJobs = new Set<string>();
  const deleted = new Set<string>();
  const awaitingRollback = new Set<string>();
  for (const { jobName, deleteJob, phase } of actions) {
    if (jobName) runJobs.add(jobName);
    if (deleteJob && phase === 'Succeeded') deleted.add(deleteJob);
    if (deleteJob && phase === 'Pending') awaitingRollback.add(deleteJob);
  }
  const kept = new Map<string, KubeObject>();
  for (const [name, job] of jobs) {
    if (isBeingDeleted(job) || deleted.has(name)) continue;
    // A new run drops the last run's Jobs, except those its rollbacks will delete in order.
    if (running && !runJobs.has(name) && !awaitingRollback.has(name)) continue;
    if (jobOutcome(job).state !== 'active' || awaitingRollback.has(name)) kept.set(name, keepObserved(job));
  }
  return kept;
}

/**
 * Every child as the request showed it, without the server's fields: the answer of a sync that
 * must move nothing. ConfigMaps (usage, lock, run definitions) are kept whatever they hold.
 */
export function childrenAsObserved(jobs: ReadonlyMap<string, KubeObject>, configMaps: readonly KubeObject[]): KubeObject[] {
  return [...[...jobs.values()].map(keepObserved), ...configMaps.map(keptConfigMap)];
}
