import { secondsUntilNextTimeout } from '../engine/advance.js';
import { jobOutcome, keepObserved } from '../engine/jobs.js';
import { DEFAULT_RUNNER, type RunnerDefaults } from '../engine/runner.js';
import { keptUsageConfigMap, usageConfigMap } from '../api/usage.js';
import { listed } from '../k8s/bounds.js';
import type { CompositeRequest, CompositeResponse, HookResult, KubeObject } from '../k8s/metacontroller.js';
import { formatTime } from '../k8s/time.js';
import { desiredJobs } from './children.js';
import { ledgerOf, observePlan, type PlanView, type UnreadableStatus } from './observe.js';
import { workflowKeysOf } from './references.js';
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
  const ledger = ledgerOf(view.previous);
  moveLedger(ledger, view, now);
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
    children: [...desiredJobs(ledger, view.observed), ...desiredUsage(view)],
  };
  const resync = resyncSeconds(ledger, now);
  if (resync !== undefined) response.resyncAfterSeconds = resync;
  if (view.finalizing) response.finalized = finalized(ledger, view);
  const summary =
    view.problems.length === 0 ? (ledger.current ? `running ${ledger.current.name}` : 'idle') : `Invalid (${view.problems.length})`;
  return { response, decision: [summary, ...ledger.notes].join('; ') };
}

/** The ledger steps of one sync, in the order their rules depend on. */
function moveLedger(ledger: Ledger, view: PlanView, now: Date): void {
  const { observed, problems, deleting } = view;
  const at = formatTime(now);
  const valid = problems.length === 0;
  ledger.notes.push(...adoptUpstreamRecords(ledger.history, observed.executions, at));
  releaseForeignLock(ledger);
  recordNewExecutions(ledger, observed);
  cancelRequested(ledger, observed, at);
  cancelOrphans(ledger, observed, at);
  if (deleting) cancelForPlanDeletion(ledger, at);
  advanceCurrent(ledger, observed, now);
  release(ledger, observed, now);
  if (!valid) failQueued(ledger, problems, at);
  if (valid && !deleting) elect(ledger, observed, now);
  trimLedger(ledger, observed, view.historyLimit);
}

/** Rewriting a status we cannot read could lose history records: keep it and the children as they are, and say why nothing moves. */
function keepUnreadable({ raw, problems, jobs, usage }: UnreadableStatus, at: string): HookResult<CompositeResponse> {
  return {
    response: {
      status: withUnreadableStatusCondition(raw, problems, at),
      children: [...[...jobs.values()].map(keepObserved), ...usage.map(keptUsageConfigMap)],
    },
    decision: `status unreadable, left unchanged: ${listed(problems)}`,
  };
}

/**
 * Deleting: the usage ConfigMap goes first, so workflows stop counting this plan as a user.
 * Unreadable spec: the references are unknown, so the last known ones keep protecting.
 */
function desiredUsage({ deleting, spec, usage, observed }: PlanView): KubeObject[] {
  if (deleting) return [];
  if (!spec.ok) return usage.map(keptUsageConfigMap);
  const plan = observed.plan.metadata;
  const namespace = plan.namespace ?? '';
  return [usageConfigMap({ namespace, name: plan.name }, workflowKeysOf(spec.value, namespace))];
}

function finalized(ledger: Ledger, { observed }: PlanView): boolean {
  const running = [...observed.jobs.values()].filter((job) => jobOutcome(job).state === 'active');
  ledger.notes.push(running.length === 0 ? 'finalized' : `waiting for ${running.length} running Job(s)`);
  return running.length === 0;
}

function resyncSeconds(ledger: Ledger, now: Date): number | undefined {
  if (ledger.current === undefined) return undefined;
  if (ledger.run?.phase === 'Running') return secondsUntilNextTimeout(ledger.run, now);
  return RELEASE_RESYNC_SECONDS;
}
