import { findCondition } from '../k8s/conditions.js';
import { parseTime } from '../k8s/time.js';
import { DEFAULT_HISTORY_LIMIT, type DRPlan, type ExecutionRecord } from '../api/plan.js';
import type { RejectionReason } from './conditions.js';
import { executionParamProblems } from './params.js';
import { isTerminal, type DRPlanExecution } from '../api/execution.js';

/** How long an execution may wait for its plan to appear (GitOps tools apply in any order). */
export const PLAN_GRACE_SECONDS = 30;
/** Queued and running executions one plan takes; each holds a history record until it ends. */
export const MAX_QUEUED = 100;
/** How often to look again while the plan exists but has not been validated yet. */
const PLAN_PENDING_RESYNC_SECONDS = 5;

export type Admission =
  | { decision: 'wait'; reason: string; message: string; resyncAfterSeconds: number }
  | { decision: 'reject'; reason: RejectionReason; message: string }
  | { decision: 'admit'; revertTarget?: string };

/**
 * The one-time admission (docs/design.md, "Admission"). It reads the plan's own ledger, never
 * the sibling executions: relating those would make every execution's change re-sync all of
 * them.
 */
export function admit(execution: DRPlanExecution, plan: DRPlan | undefined, now: Date): Admission {
  const planName = `${execution.metadata.namespace ?? ''}/${execution.spec.planRef}`;
  const paramProblems = executionParamProblems(execution.spec);
  if (paramProblems.length > 0)
    return { decision: 'reject', reason: 'InvalidParams', message: `invalid spec.params: ${paramProblems.join('; ')}` };
  if (plan === undefined) return awaitPlan(execution, planName, now);
  return (
    planStateVerdict(plan, planName) ??
    lockVerdict(execution, plan, planName) ??
    queueVerdict(plan, planName) ??
    (execution.spec.operationType === 'Revert' ? admitRevert(execution, plan) : { decision: 'admit' })
  );
}

/** GitOps tools apply in any order: a missing plan is waited for, for a while. */
function awaitPlan(execution: DRPlanExecution, planName: string, now: Date): Admission {
  const created = parseTime(execution.metadata.creationTimestamp) ?? now.getTime();
  const waited = (now.getTime() - created) / 1000;
  if (waited > PLAN_GRACE_SECONDS) return { decision: 'reject', reason: 'PlanNotFound', message: `plan ${planName} not found` };
  return {
    decision: 'wait',
    reason: 'PlanNotFound',
    message: `waiting for plan ${planName} to exist`,
    resyncAfterSeconds: Math.max(1, Math.ceil(PLAN_GRACE_SECONDS - waited) + 1),
  };
}

function planStateVerdict(plan: DRPlan, planName: string): Admission | undefined {
  const phase = plan.status?.phase;
  if (phase === 'Invalid') {
    const why = findCondition(plan.status?.conditions, 'Ready')?.message ?? 'validation failed';
    return { decision: 'reject', reason: 'PlanInvalid', message: `plan ${planName} is invalid: ${why}` };
  }
  if (phase !== undefined) return undefined;
  return {
    decision: 'wait',
    reason: 'PlanNotReady',
    message: `waiting for plan ${planName} to be validated`,
    resyncAfterSeconds: PLAN_PENDING_RESYNC_SECONDS,
  };
}

function lockVerdict(execution: DRPlanExecution, plan: DRPlan, planName: string): Admission | undefined {
  const current = plan.status?.currentExecution;
  const run = plan.status?.run;
  // A lock without uid is the Go controller's: the plan releases it at its next sync.
  if (current?.uid === undefined || current.uid === execution.metadata.uid) return undefined;
  if (run !== undefined && run.phase !== 'Running') return undefined;
  // Created no later than the running run started: it was as early as the one elected and
  // queues behind it, whichever hook happened to be called first.
  const createdBeforeRun = (parseTime(execution.metadata.creationTimestamp) ?? Infinity) <= (parseTime(run?.startTime) ?? -Infinity);
  if (createdBeforeRun) return undefined;
  return {
    decision: 'reject',
    reason: 'ConcurrentExecution',
    message: `plan ${planName} already has a running execution: ${current.namespace}/${current.name}`,
  };
}

/**
 * Queued records are kept past historyLimit until they end, so their number must be bounded
 * for the plan's status to stay under 1 MiB (executions created together all queue).
 */
function queueVerdict(plan: DRPlan, planName: string): Admission | undefined {
  const queued = (plan.status?.executionHistory ?? []).filter((record) => !isTerminal(record.phase)).length;
  if (queued < MAX_QUEUED) return undefined;
  return {
    decision: 'reject',
    reason: 'QueueFull',
    message: `plan ${planName} already has ${queued} queued or running executions, the most it takes`,
  };
}

function admitRevert(execution: DRPlanExecution, plan: DRPlan): Admission {
  const reject = (message: string): Admission => ({ decision: 'reject', reason: 'InvalidRevertTarget', message });
  const history = plan.status?.executionHistory ?? [];
  const self = execution.metadata.name;
  const planName = execution.spec.planRef;
  const ref = execution.spec.revertExecutionRef;
  if (ref === undefined || ref === '') {
    const newest = history.find(
      (record) => record.operationType === 'Execute' && isTerminal(record.phase) && revertOf(record, history, self) === undefined,
    );
    if (newest === undefined) return reject(`no finished, unreverted Execute in the history of plan ${planName} to revert`);
    return { decision: 'admit', revertTarget: newest.name };
  }
  // Newest first: a re-created execution of that name is the one meant.
  const target = history.find((record) => record.name === ref);
  if (target === undefined) {
    const limit = plan.spec.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    return reject(
      `revert target ${ref} is not in the history of plan ${planName}: it does not exist, belongs to another plan, was rejected, or has left the history (historyLimit ${limit})`,
    );
  }
  if (target.operationType !== 'Execute') return reject(`revert target ${ref} is a ${target.operationType}, not an Execute`);
  if (!isTerminal(target.phase)) {
    return reject(`revert target ${ref} is ${target.phase}; it must be Succeeded, Failed or Cancelled`);
  }
  const by = revertOf(target, history, self);
  if (by !== undefined) return reject(`revert target ${ref} is already reverted by ${by}`);
  return { decision: 'admit' };
}

/**
 * The Revert that undid (or is undoing) `target`, if any other than `self`. Only a Revert
 * recorded after the target counts: one recorded before it was meant for an earlier
 * execution of that name.
 */
function revertOf(target: ExecutionRecord, history: readonly ExecutionRecord[], self: string): string | undefined {
  if (target.revertedBy) return target.revertedBy;
  const newer = history.slice(0, history.indexOf(target));
  return newer.find(
    (record) =>
      record.name !== self &&
      record.operationType === 'Revert' &&
      record.revertExecutionRef === target.name &&
      (record.phase === 'Succeeded' || !isTerminal(record.phase)),
  )?.name;
}
