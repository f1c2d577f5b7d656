import { hasDefinition } from '../engine/definitions.js';
import { desiredJob, isBeingDeleted, jobOutcome, keepObserved, type JobContext } from '../engine/jobs.js';
import { keptConfigMap, type KubeObject } from '../k8s/metacontroller.js';
import type { Run, RunAction } from '../api/run.js';
import { DELETES_JOB, eachActionWith, HAS_JOB } from '../engine/action-facts.js';
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
  if (run === undefined) {
    const kept = new Map<string, KubeObject>();
    for (const [name, job] of jobs) if (!isBeingDeleted(job) && jobOutcome(job).state !== 'active') kept.set(name, keepObserved(job));
    return inNameOrder(kept);
  }
  const reading = { run, jobs, locked, context: { planName: plan.metadata.name, namespace: plan.metadata.namespace ?? '' } };
  // Read as a run that deletes no Job (an Execute's), and once more with what its rollbacks delete when it does (a Revert's).
  const first = jobsOfRun(reading, NO_DELETIONS);
  return inNameOrder(first.deletions.found ? jobsOfRun(reading, first.deletions).desired : first.desired);
}

/** The Jobs a run's rollbacks delete: those deleted already, and those still to be deleted. */
interface Deletions {
  found: boolean;
  deleted: Set<string>;
  awaiting: Set<string>;
}

const NO_DELETIONS: Deletions = { found: false, deleted: new Set(), awaiting: new Set() };

/**
 * The desired Jobs of a run, given what its rollbacks delete (`known`), in one pass over its
 * actions, each Job looked up once: a long run's plan decides on a Job per action every sync.
 * Also returns what the rollbacks delete as read on the way.
 */
function jobsOfRun(
  { run, jobs, locked, context }: { run: Run; jobs: ReadonlyMap<string, KubeObject>; locked: boolean; context: JobContext },
  known: Deletions,
): { desired: Map<string, KubeObject>; deletions: Deletions } {
  const desired = new Map<string, KubeObject>();
  const deletions: Deletions = { found: false, deleted: new Set(), awaiting: new Set() };
  // An observed Job is kept as it is when it has ended, or while a rollback still has to delete it.
  const keeps = (name: string, job: KubeObject) =>
    !isBeingDeleted(job) && !known.deleted.has(name) && (known.awaiting.has(name) || jobOutcome(job).state !== 'active');
  const awaitingNamed = new Set<string>();
  // The actions with a Job or a rollback that deletes one, found by their facts: a long run's pending actions have neither.
  eachActionWith(run, HAS_JOB | DELETES_JOB, (action) => {
    noteDeletion(action, deletions);
    const name = action.jobName;
    if (name === undefined) return;
    const observed = jobs.get(name);
    const asked = { action, observed, desiredBefore: desired.has(name), locked };
    const keptAsObserved = observed !== undefined && !asked.desiredBefore && keeps(name, observed);
    const job = jobOfAction(asked, keptAsObserved, () => desiredJob(run, action, context));
    if (job !== undefined) desired.set(name, job);
    if (known.awaiting.has(name)) awaitingNamed.add(name);
  });
  // Of the Jobs no action of the run names, only those its rollbacks will delete in order stay.
  for (const name of known.awaiting) {
    const observed = jobs.get(name);
    if (observed !== undefined && !awaitingNamed.has(name) && keeps(name, observed)) desired.set(name, keepObserved(observed));
  }
  return { desired, deletions };
}

function noteDeletion({ deleteJob, phase }: RunAction, deletions: Deletions): void {
  if (!deleteJob) return;
  if (phase === 'Succeeded') deletions.deleted.add(deleteJob);
  if (phase === 'Pending') deletions.awaiting.add(deleteJob);
  deletions.found ||= phase === 'Succeeded' || phase === 'Pending';
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
