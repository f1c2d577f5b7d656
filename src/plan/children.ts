import { hasDefinition } from '../engine/definitions.js';
import { desiredJob, isBeingDeleted, jobOutcome, keepObserved } from '../engine/jobs.js';
import { keptConfigMap, type KubeObject } from '../k8s/metacontroller.js';
import { eachAction, type Run, type RunAction } from '../api/run.js';
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
  const run = ledger.run;
  const desired = new Map<string, KubeObject>();
  if (run === undefined) {
    for (const [name, job] of jobs) if (!isBeingDeleted(job) && jobOutcome(job).state !== 'active') desired.set(name, keepObserved(job));
    return inNameOrder(desired);
  }
  const context = { planName: plan.metadata.name, namespace: plan.metadata.namespace ?? '' };
  const rollbacks = rollbackDeletions(run);
  // Each action once, each of its Jobs looked up once: a long run's plan decides on a Job per action every sync.
  const awaitingNamed = new Set<string>();
  eachAction(run, (action) => {
    const name = action.jobName;
    if (name === undefined) return;
    const observed = jobs.get(name);
    const asked = { action, observed, desiredBefore: desired.has(name), locked };
    const keptAsObserved = observed !== undefined && !asked.desiredBefore && rollbacks.keeps(name, observed);
    const job = jobOfAction(asked, keptAsObserved, () => desiredJob(run, action, context));
    if (job !== undefined) desired.set(name, job);
    if (rollbacks.awaiting.has(name)) awaitingNamed.add(name);
  });
  // Of the Jobs no action of the run names, only those its rollbacks will delete in order stay.
  for (const name of rollbacks.awaiting) {
    const observed = jobs.get(name);
    if (observed !== undefined && !awaitingNamed.has(name) && rollbacks.keeps(name, observed)) desired.set(name, keepObserved(observed));
  }
  return inNameOrder(desired);
}

/**
 * The Job one action asks for: its own, made from its definition (`make`), while it runs or once
 * it has ended with its Job kept; else its observed Job as it is, when kept or still wanted.
 */
function jobOfAction(
  {
    action,
    observed,
    desiredBefore,
    locked,
  }: { action: RunAction; observed: KubeObject | undefined; desiredBefore: boolean; locked: boolean },
  keptAsObserved: boolean,
  make: () => KubeObject,
): KubeObject | undefined {
  const wanted =
    (action.phase === 'Running' && (locked || observed !== undefined)) || ((keptAsObserved || desiredBefore) && action.phase !== 'Pending');
  if (wanted && hasDefinition(action)) return make();
  if (observed !== undefined && (keptAsObserved || (wanted && !isBeingDeleted(observed)))) return keepObserved(observed);
  return undefined;
}

/**
 * What a run's rollbacks do with the Jobs they delete: those deleted already are not kept, and
 * those still to be deleted are kept even while running.
 */
function rollbackDeletions(run: Run): { awaiting: Set<string>; keeps: (name: string, job: KubeObject) => boolean } {
  const deleted = new Set<string>();
  const awaiting = new Set<string>();
  eachAction(run, ({ deleteJob, phase }) => {
    if (deleteJob && phase === 'Succeeded') deleted.add(deleteJob);
    if (deleteJob && phase === 'Pending') awaiting.add(deleteJob);
  });
  return {
    awaiting,
    keeps: (name, job) => !isBeingDeleted(job) && !deleted.has(name) && (awaiting.has(name) || jobOutcome(job).state !== 'active'),
  };
}

/** Names only, in code unit order: the default sort, without a comparator to call a thousand times. */
function inNameOrder(jobs: ReadonlyMap<string, KubeObject>): KubeObject[] {
  return [...jobs.keys()].sort().map((name) => jobs.get(name) as KubeObject);
}

/**
 * Every child as the request showed it, without the server's fields: the answer of a sync that
 * must move nothing. ConfigMaps (usage, lock, run definitions) are kept whatever they hold.
 */
export function childrenAsObserved(jobs: ReadonlyMap<string, KubeObject>, configMaps: readonly KubeObject[]): KubeObject[] {
  return [...[...jobs.values()].map(keepObserved), ...configMaps.map(keptConfigMap)];
}
