import { secondsUntilNextTimeout } from '../engine/timeouts.js';
import { jobOutcome } from '../engine/jobs.js';
import { DEFAULT_RUNNER, type RunnerDefaults } from '../engine/runner.js';
import { listed } from '../k8s/bounds.js';
import { keptConfigMap, type CompositeRequest, type CompositeResponse, type HookResult, type KubeObject } from '../k8s/metacontroller.js';
import { formatTime } from '../k8s/time.js';
import { childrenAsObserved, desiredJobs } from './children.js';
import { definitionConfigMaps } from './definitions.js';
import { LOCK_GRACE_SECONDS, lockConfigMap, lockSettled, nextLock, reconcileHolder, type PlanLock } from './lock.js';
import { ledgerOf, observePlan, type PlanView, type UnreadableStatus } from './observe.js';
import { usageOfSpec } from './references.js';
import type { Ledger } from './state.js';
import { planStatus } from './status.js';
import { advanceCurrent } from './steps/advance.js';
import { cancelForPlanDeletion, cancelOrphans, cancelRequested, failQueued } from './steps/cancel.js';
import { elect } from './steps/elect.js';
import { recordNewExecutions } from './steps/record.js';
import { release, releaseForeignLock } from './steps/release.js';
import { trimLedger } from './steps/trim.js';
import { withUnreadableStatusCondition } from './unreadable.js';
import { adoptUpstreamRecords } from './upstream.js';

/** While a finished run waits for its execution to copy it, look again at least this often. */
const RELEASE_RESYNC_SECONDS = 10;

/** A stale view is asked about again this soon: informer caches catch up within moments. */
const STALE_VIEW_RETRY_SECONDS = 1;

/**
 * The DRPlan hook (docs/design.md, "Architecture") as a pipeline: observe the request, move the
 * ledger forward one step at a time, then answer with the children and the status.
 * `finalizing` is true for the finalize hook: the run is cancelled and deletion completes
 * once none of its Jobs is still running.
 */
export function reconcilePlan(
  request: CompositeRequest,
  now: Date,
  runner: RunnerDefaults = DEFAULT_RUNNER,
): HookResult<CompositeResponse> {
  const at = formatTime(now);
  const observation = observePlan(request, runner);
  if ('unreadable' in observation) return keepUnreadable(observation.unreadable, at);
  const { view } = observation;
  const ledger = ledgerOf(view.previous, view.configMaps);
  const stale = staleView(view, ledger.lockRevision, now);
  if (stale !== undefined) return stale;
  const held = moveLedger(ledger, view, now);
  const lock = desiredLock(ledger, view, held, now);
  // A lock kept as a lagging cache shows it may be older than the status: the status's revision never goes back.
  ledger.lockRevision = Math.max(ledger.lockRevision, lock.revision);
  const locked = ledger.current !== undefined && view.lock?.holder === ledger.current.uid;
  const response: CompositeResponse = {
    status: planStatus(
      ledger,
      view.previous,
      view.problems.length === 0,
      view.problems,
      view.observed.plan,
      at,
      view.observed.unreadable.condition,
    ),
    children: [
      ...desiredJobs(ledger, view.observed, locked),
      ...desiredUsage(view),
      lockConfigMap(identityOf(view), lock),
      ...definitionConfigMaps(ledger.run, view.configMaps, identityOf(view)),
    ],
  };
  const resync = resyncSeconds(ledger, now);
  if (resync !== undefined) response.resyncAfterSeconds = resync;
  if (view.finalizing) response.finalized = finalized(ledger, view);
  const summary =
    view.problems.length === 0 ? (ledger.current ? `running ${ledger.current.name}` : 'idle') : `Invalid (${view.problems.length})`;
  return { response, decision: [summary, ...ledger.notes].join('; ') };
}

/**
 * A lock newer than the status, while the lock is young: the plan's cache has not caught up with
 * the last sync's status write. Answering from the older status could undo that sync, so the call
 * is deferred (Metacontroller writes nothing and asks again shortly). A status newer than the lock
 * needs no wait: the lock write was refused or lags, and the lock alone decides who may run.
 */
function staleView(view: PlanView, statusRevision: number, now: Date): HookResult<CompositeResponse> | undefined {
  const lock = view.lock;
  if (lock === undefined || lock.revision <= statusRevision || lockSettled(lock, now)) return undefined;
  return {
    response: { status: view.previous, children: childrenAsObserved(view.observed.jobs, view.configMaps) },
    decision: `stale view: lock revision ${lock.revision}, status revision ${statusRevision}`,
    deferSeconds: STALE_VIEW_RETRY_SECONDS,
  };
}

/** The lock's holder after this sync: the one the lock keeps, else the current execution. */
function desiredLock(ledger: Ledger, view: PlanView, held: string | undefined, now: Date): PlanLock {
  const holder =
    held !== undefined && held !== '' && held !== ledger.current?.uid
      ? { uid: held, name: view.lock?.holderName ?? '' }
      : { uid: ledger.current?.uid ?? '', name: ledger.current?.name ?? '' };
  return nextLock(view.lock, ledger.lockRevision, holder, now);
}

function identityOf(view: PlanView): { namespace: string; name: string } {
  const plan = view.observed.plan.metadata;
  return { namespace: plan.namespace ?? '', name: plan.name };
}

/** The ledger steps of one sync, in the order their rules depend on; returns the holder the lock keeps, if any. */
function moveLedger(ledger: Ledger, view: PlanView, now: Date): string | undefined {
  const { observed, problems, deleting } = view;
  const at = formatTime(now);
  const valid = problems.length === 0;
  ledger.notes.push(...adoptUpstreamRecords(ledger.history, observed.executions, at));
  releaseForeignLock(ledger);
  recordNewExecutions(ledger, observed);
  const held = reconcileHolder(ledger, view.lock, observed, now);
  cancelRequested(ledger, observed, at);
  cancelOrphans(ledger, observed, at);
  if (deleting) cancelForPlanDeletion(ledger, at);
  advanceCurrent(ledger, observed, now);
  release(ledger, observed, now);
  if (!valid) failQueued(ledger, problems, at);
  if (valid && !deleting) elect(ledger, observed, now, held);
  trimLedger(ledger, observed, view.historyLimit);
  return held;
}

/** Rewriting a status we cannot read could lose history records: keep it and the children as they are, and say why nothing moves. */
function keepUnreadable({ raw, problems, children }: UnreadableStatus, at: string): HookResult<CompositeResponse> {
  return {
    response: { status: withUnreadableStatusCondition(raw, problems, at), children },
    decision: `status unreadable, left unchanged: ${listed(problems)}`,
  };
}

/**
 * Deleting: the usage ConfigMap goes first, so workflows stop counting this plan as a user.
 * Unreadable spec: the references are unknown, so the last known ones keep protecting.
 */
function desiredUsage({ deleting, spec, usage, observed }: PlanView): KubeObject[] {
  if (deleting) return [];
  if (!spec.ok) return usage.map(keptConfigMap);
  const plan = observed.plan.metadata;
  const namespace = plan.namespace ?? '';
  return [usageOfSpec(spec.value, { namespace, name: plan.name })];
}

function finalized(ledger: Ledger, { observed }: PlanView): boolean {
  const running = [...observed.jobs.values()].filter((job) => jobOutcome(job).state === 'active');
  ledger.notes.push(running.length === 0 ? 'finalized' : `waiting for ${running.length} running Job(s)`);
  return running.length === 0;
}

function resyncSeconds(ledger: Ledger, now: Date): number | undefined {
  if (ledger.current === undefined) return undefined;
  // Definitions that do not show up within the grace are gone: look again once it has passed.
  if (ledger.run?.phase === 'Running' && ledger.run.definitionsMissingSince !== undefined) return LOCK_GRACE_SECONDS;
  if (ledger.run?.phase === 'Running') return secondsUntilNextTimeout(ledger.run, now);
  return RELEASE_RESYNC_SECONDS;
}
