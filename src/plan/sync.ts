import { advanceRun, cancelRun, secondsUntilNextTimeout } from '../engine/advance.js';
import { isBeingDeleted, jobOutcome, keepObserved } from '../engine/jobs.js';
import { DEFAULT_RUNNER, runnerPodsByJob, type RunnerDefaults } from '../engine/runner.js';
import type { Run } from '../engine/schema.js';
import { noteObservedJobs, runJobsAtRest } from '../engine/lock.js';
import { snapshotRevert } from '../engine/revert.js';
import { newRun, snapshotExecute } from '../engine/snapshot.js';
import { isAdmitted } from '../execution/conditions.js';
import { DRPlanExecution, isTerminal } from '../execution/schema.js';
import { listed } from '../k8s/bounds.js';
import { findCondition } from '../k8s/conditions.js';
import { ANNOTATION_CANCEL } from '../k8s/labels.js';
import {
  firstByUid,
  objectsOfKind,
  type CompositeRequest,
  type CompositeResponse,
  type HookResult,
} from '../k8s/metacontroller.js';
import { labelValue } from '../k8s/names.js';
import { API_VERSION } from '../k8s/schema.js';
import { formatTime, parseTime } from '../k8s/time.js';
import { checkObject, validObjectsOfKind } from '../k8s/validate.js';
import { endRecord, followRun, recordFor, trimHistory } from './ledger.js';
import { DEFAULT_HISTORY_LIMIT, DRPlan, DRPlanSpec, DRPlanStatus, type ExecutionRecord } from './schema.js';
import { workflowKeysOf } from './references.js';
import { historyLimitOfUnreadable, unreadableExecutions, withUnreadableStatusCondition } from './unreadable.js';
import { adoptUpstreamRecords, withUpstreamUndo } from './upstream.js';
import { validatePlanSpec } from './validate.js';
import { desiredJobs } from './children.js';
import type { Ledger, Observed } from './state.js';
import { statusOf } from './status.js';
import { isUsageConfigMap, usageConfigMap } from '../api/usage.js';
import { usableWorkflows, workflowVerdicts } from './workflows.js';

/** While a finished run waits for its execution to copy it, look again at least this often. */
const RELEASE_RESYNC_SECONDS = 10;

/**
 * The DRPlan hook (docs/design.md, "Architecture"): validation, the ledger, election, the run and its Jobs.
 * `finalizing` is true for the finalize hook: the run is cancelled and deletion completes
 * once none of its Jobs is still running.
 */
export function reconcilePlan(request: CompositeRequest, now: Date, runner: RunnerDefaults = DEFAULT_RUNNER): HookResult<CompositeResponse> {
  const at = formatTime(now);
  const parent = request.parent;
  const namespace = parent.metadata.namespace ?? '';
  const jobs = new Map(objectsOfKind(request.children, 'Job', 'batch/v1').map((job) => [job.metadata.name, job]));
  const identity = { namespace, name: parent.metadata.name };
  const observedUsage = objectsOfKind(request.children, 'ConfigMap', 'v1').filter((configMap) => isUsageConfigMap(configMap, identity));
  const rawStatus = parent['status'];
  const previous = rawStatus === undefined ? { ok: true as const, value: {} } : checkObject(DRPlanStatus, rawStatus);
  if (!previous.ok) {
    // Rewriting a status we cannot read could lose history records: keep it and the Jobs as they
    // are, and say why nothing moves.
    return {
      response: { status: withUnreadableStatusCondition(rawStatus, previous.problems, at), children: [...jobs.values(), ...observedUsage].map(keepObserved) },
      decision: `status unreadable, left unchanged: ${listed(previous.problems)}`,
    };
  }
  const spec = checkObject(DRPlanSpec, parent['spec']);
  const plan: DRPlan = {
    apiVersion: API_VERSION,
    kind: 'DRPlan',
    metadata: parent.metadata,
    spec: spec.ok ? spec.value : { stages: [] },
    status: previous.value,
  };
  const verdicts = workflowVerdicts(request.related, spec.ok ? workflowKeysOf(spec.value, namespace) : []);
  const observed: Observed = {
    plan,
    executions: executionsOf(request, plan),
    workflows: usableWorkflows(verdicts),
    jobs,
    pods: runnerPodsByJob(request.related, labelValue(parent.metadata.name)),
    runner,
    unreadable: unreadableExecutions(request.related, identity),
  };
  const problems = spec.ok
    ? validatePlanSpec(spec.value, namespace, verdicts)
    : spec.problems.map((problem) => `spec${problem}`);
  const valid = problems.length === 0;
  const finalizing = request.finalizing === true;
  const deleting = finalizing || parent.metadata.deletionTimestamp !== undefined;

  const status = previous.value;
  const ledger: Ledger = {
    history: structuredClone(status.executionHistory ?? []),
    current: status.currentExecution,
    run: status.run,
    lastExecutionRef: status.lastExecutionRef,
    lastExecutionTime: status.lastExecutionTime,
    executed: wasExecuted(status),
    notes: [],
  };

  ledger.notes.push(...adoptUpstreamRecords(ledger.history, observed.executions, at));
  releaseForeignLock(ledger);
  recordNewExecutions(ledger, observed);
  cancelRequested(ledger, observed, at);
  cancelOrphans(ledger, observed, at);
  if (deleting) cancelCurrent(ledger, 'PlanDeleted', 'plan deleted', at);
  advanceCurrent(ledger, observed, now);
  release(ledger, observed, now);
  if (!valid) failQueued(ledger, problems, at);
  if (valid && !deleting) elect(ledger, observed, now);
  const historyLimit = spec.ok ? (plan.spec.historyLimit ?? DEFAULT_HISTORY_LIMIT) : historyLimitOfUnreadable(parent['spec']);
  const revertTargets = new Set(ledger.history.filter((record) => record.operationType === 'Revert' && isOpen(record)).map((record) => record.revertExecutionRef));
  const executionsByUid = firstByUid(observed.executions);
  ledger.history = trimHistory(ledger.history, historyLimit, (record) => {
    if (record.uid !== undefined && record.uid === ledger.current?.uid) return true;
    // A queued Revert reads its target's outcome from the execution, which stays related while recorded.
    if (record.operationType === 'Execute' && revertTargets.has(record.name)) return true;
    if (record.uid !== undefined && observed.unreadable.uids.has(record.uid)) return true;
    const execution = executionsByUid.get(record.uid);
    return execution !== undefined && !isTerminal(execution.status?.phase);
  });

  // Deleting: the usage ConfigMap goes first, so workflows stop counting this plan as a user.
  // Unreadable spec: the references are unknown, so the last known ones keep protecting.
  const usage = deleting ? [] : spec.ok ? [usageConfigMap(identity, workflowKeysOf(spec.value, namespace))] : observedUsage.map(keepObserved);
  const children = [...desiredJobs(ledger, observed), ...usage];
  const response: CompositeResponse = {
    status: statusOf(ledger, status, valid, problems, plan, at, observed.unreadable.condition),
    children,
  };
  const resync = resyncSeconds(ledger, now);
  if (resync !== undefined) response.resyncAfterSeconds = resync;
  if (finalizing) {
    const running = [...jobs.values()].filter((job) => jobOutcome(job).state === 'active');
    response.finalized = running.length === 0;
    ledger.notes.push(response.finalized ? 'finalized' : `waiting for ${running.length} running Job(s)`);
  }
  const summary = valid ? (ledger.current ? `running ${ledger.current.name}` : 'idle') : `Invalid (${problems.length})`;
  return { response, decision: [summary, ...ledger.notes].join('; ') };
}

function executionsOf(request: CompositeRequest, plan: DRPlan): DRPlanExecution[] {
  return validObjectsOfKind(request.related, 'DRPlanExecution', API_VERSION, DRPlanExecution)
    .filter(
      (execution) =>
        execution.spec.planRef === plan.metadata.name && execution.metadata.namespace === plan.metadata.namespace,
    )
    .sort(byCreation);
}

function byCreation(a: DRPlanExecution, b: DRPlanExecution): number {
  const left = parseTime(a.metadata.creationTimestamp) ?? 0;
  const right = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (left !== right) return left - right;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function wasExecuted(status: DRPlanStatus): boolean {
  const condition = findCondition(status.conditions, 'Executed');
  return condition === undefined ? status.phase === 'Executed' : condition.status === 'True';
}

function cancelAnnotated(execution: DRPlanExecution): boolean {
  return execution.metadata.annotations?.[ANNOTATION_CANCEL] === 'true';
}

/**
 * A lock without a uid was taken by the Go controller, whose run state this hook cannot
 * continue (and which it left behind on deletion): release it rather than block the plan.
 */
function releaseForeignLock(ledger: Ledger): void {
  if (ledger.current === undefined || ledger.current.uid !== undefined) return;
  ledger.notes.push(`released ${ledger.current.name}: lock taken by an older controller`);
  ledger.current = undefined;
  ledger.run = undefined;
}

/** An admitted execution gets its record the first time the plan sees it, newest first. */
function recordNewExecutions(ledger: Ledger, { executions }: Observed): void {
  const known = new Set(ledger.history.map((record) => record.uid));
  for (const execution of executions) {
    if (!isAdmitted(execution) || execution.status?.phase !== 'Pending') continue;
    if (known.has(execution.metadata.uid)) continue;
    ledger.history.unshift(recordFor(execution));
    ledger.notes.push(`recorded ${execution.metadata.name}`);
  }
}

function isOpen(record: ExecutionRecord): boolean {
  return record.phase === 'Pending' || record.phase === 'Running';
}

/** Deletion or the cancel annotation on a queued or running execution cancels it. */
function cancelRequested(ledger: Ledger, { executions }: Observed, at: string): void {
  const executionsByUid = firstByUid(executions);
  for (const record of ledger.history) {
    if (!isOpen(record)) continue;
    const execution = executionsByUid.get(record.uid);
    if (execution === undefined) continue;
    const deletedAt = execution.metadata.deletionTimestamp;
    if (deletedAt !== undefined) endOpen(ledger, record, 'Deleted', 'execution deleted', deletedAt);
    else if (cancelAnnotated(execution)) endOpen(ledger, record, 'Cancelled', `cancelled by annotation ${ANNOTATION_CANCEL}`, at);
  }
}

/** No record may stay open without a live execution (one force-deleted past its finalizer). */
function cancelOrphans(ledger: Ledger, { executions, unreadable }: Observed, at: string): void {
  const live = new Set([...executions.map((execution) => execution.metadata.uid), ...unreadable.uids]);
  for (const record of ledger.history) {
    if (!isOpen(record) || live.has(record.uid)) continue;
    endOpen(ledger, record, 'Deleted', 'execution deleted before its finalizer ran', at);
  }
}

function cancelCurrent(ledger: Ledger, reason: 'PlanDeleted', message: string, at: string): void {
  const record = ledger.history.find((candidate) => candidate.uid === ledger.current?.uid);
  if (record !== undefined && isOpen(record)) endOpen(ledger, record, reason, message, at);
}

function endOpen(ledger: Ledger, record: ExecutionRecord, reason: 'Deleted' | 'Cancelled' | 'PlanDeleted', message: string, at: string): void {
  endRecord(record, reason, message, at);
  ledger.notes.push(`cancelled ${record.name}: ${message}`);
  if (ledger.current?.uid === record.uid && ledger.run?.phase === 'Running') {
    ledger.run = cancelRun(ledger.run, message, at);
  }
}

function advanceCurrent(ledger: Ledger, observed: Observed, now: Date): void {
  if (ledger.current === undefined) return;
  if (ledger.run === undefined) {
    // A lock without its run (a hand-edited or migrated status) can never finish: fail it so
    // the execution ends and the lock is released, instead of blocking the plan forever.
    const uid = ledger.current.uid;
    const record = ledger.history.find((candidate) => candidate.uid === uid);
    if (record !== undefined && isOpen(record)) {
      endRecord(record, 'RunLost', 'the plan lost the state of this run (status.run is missing)', formatTime(now));
      ledger.notes.push(`failed ${record.name}: run state missing`);
    }
    return;
  }
  const advanced = advanceRun(ledger.run, { jobs: observed.jobs, pods: observed.pods, namespace: observed.plan.metadata.namespace ?? '' }, now);
  ledger.run = noteObservedJobs(advanced, observed.jobs);
  settleRecord(ledger);
}

/**
 * Copies the current run into its record; the first time the run ends well, moves the
 * plan's last successful operation (and marks a reverted Execute).
 */
function settleRecord(ledger: Ledger): void {
  const run = ledger.run;
  const record = ledger.history.find((candidate) => candidate.uid === run?.execution.uid);
  if (run === undefined || record === undefined || isTerminal(record.phase)) return;
  followRun(record, run);
  if (run.phase !== 'Succeeded') return;
  ledger.lastExecutionRef = record.name;
  ledger.lastExecutionTime = run.completionTime;
  ledger.executed = run.operationType === 'Execute';
  ledger.notes.push(`${record.name} succeeded`);
  if (run.operationType === 'Revert') {
    const target = ledger.history.find((candidate) =>
      run.revertTargetUid ? candidate.uid === run.revertTargetUid : candidate.operationType === 'Execute' && candidate.name === run.revertTarget,
    );
    if (target !== undefined) target.revertedBy = record.name;
  }
}

/**
 * Clears the lock once the execution shows its terminal phase (or is gone) and no Job of the
 * run can still be running: one run at a time means no two runs' Jobs active at once.
 */
function release(ledger: Ledger, { executions, jobs }: Observed, now: Date): void {
  const current = ledger.current;
  if (current === undefined) return;
  const record = ledger.history.find((candidate) => candidate.uid === current.uid);
  const runEnded = ledger.run === undefined || ledger.run.phase !== 'Running';
  if (!runEnded && record !== undefined && isOpen(record)) return;
  if (ledger.run !== undefined && !runJobsAtRest(ledger.run, jobs, now)) return;
  const execution = executions.find((candidate) => candidate.metadata.uid === current.uid);
  if (execution !== undefined && !isTerminal(execution.status?.phase)) return;
  ledger.notes.push(`released ${current.name}`);
  ledger.current = undefined;
  ledger.run = undefined;
}

/** Queued executions of a plan that turned Invalid fail instead of waiting forever. */
function failQueued(ledger: Ledger, problems: readonly string[], at: string): void {
  for (const record of ledger.history) {
    if (record.phase !== 'Pending' || record.uid === ledger.current?.uid) continue;
    endRecord(record, 'PlanInvalid', `plan is invalid: ${listed(problems)}`, at);
    ledger.notes.push(`failed ${record.name}: plan invalid`);
  }
}

/** The oldest queued execution becomes current: the plan's one-run-at-a-time lock. */
function elect(ledger: Ledger, observed: Observed, now: Date): void {
  if (ledger.current !== undefined) return;
  const queued = new Set(ledger.history.filter((record) => record.phase === 'Pending').map((record) => record.uid));
  const execution = observed.executions.find(
    (candidate) =>
      queued.has(candidate.metadata.uid) && !isBeingDeleted(candidate) && !cancelAnnotated(candidate),
  );
  if (execution === undefined) return;
  const at = formatTime(now);
  const run = startRun(execution, observed, ledger.history, at);
  ledger.current = { name: execution.metadata.name, namespace: execution.metadata.namespace ?? '', uid: execution.metadata.uid ?? '' };
  ledger.run = run;
  ledger.notes.push(`elected ${execution.metadata.name}`);
  advanceCurrent(ledger, observed, now);
}

function startRun(execution: DRPlanExecution, observed: Observed, history: readonly ExecutionRecord[], at: string): Run {
  const { plan } = observed;
  if (execution.spec.operationType === 'Execute') {
    return snapshotExecute({ plan, workflows: observed.workflows, execution, now: at, runner: observed.runner });
  }
  const targetName = execution.spec.revertExecutionRef ?? execution.status?.revertTarget;
  const target = observed.executions.find((candidate) => candidate.metadata.name === targetName);
  if (target === undefined) return newRun(execution, plan, [], [`revert target ${targetName ?? '(none)'} not found`], at);
  const revertedBy = history.find((record) => record.uid === target.metadata.uid)?.revertedBy;
  if (revertedBy && revertedBy !== execution.metadata.name) {
    // Two Reverts admitted at once cannot see each other; only the first may undo.
    return newRun(execution, plan, [], [`${targetName} was already reverted by ${revertedBy}`], at);
  }
  return snapshotRevert({ plan, execution, target: withUpstreamUndo(target, plan, observed.workflows), now: at, runner: observed.runner });
}

function resyncSeconds(ledger: Ledger, now: Date): number | undefined {
  if (ledger.current === undefined) return undefined;
  if (ledger.run?.phase === 'Running') return secondsUntilNextTimeout(ledger.run, now);
  return RELEASE_RESYNC_SECONDS;
}
