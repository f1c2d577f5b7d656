import { findCondition } from '../k8s/conditions.js';
import { parseTime } from '../k8s/time.js';
import type { DRPlan } from '../plan/schema.js';
import { isAdmitted, type RejectionReason } from './conditions.js';
import { executionParamProblems } from './params.js';
import { isTerminal, type DRPlanExecution } from './schema.js';

/** How long an execution may wait for its plan to appear (GitOps tools apply in any order). */
export const PLAN_GRACE_SECONDS = 30;
/** How often to look again while the plan exists but has not been validated yet. */
const PLAN_PENDING_RESYNC_SECONDS = 5;

export type Admission =
  | { decision: 'wait'; reason: string; message: string; resyncAfterSeconds: number }
  | { decision: 'reject'; reason: RejectionReason; message: string }
  | { decision: 'admit'; revertTarget?: string };

/** The one-time admission of SPEC §4 step 2. `others` are the other executions observed. */
export function admit(execution: DRPlanExecution, plan: DRPlan | undefined, others: readonly DRPlanExecution[], now: Date): Admission {
  const namespace = execution.metadata.namespace ?? '';
  const planName = `${namespace}/${execution.spec.planRef}`;
  const paramProblems = executionParamProblems(execution.spec);
  if (paramProblems.length > 0) return { decision: 'reject', reason: 'InvalidParams', message: `invalid spec.params: ${paramProblems.join('; ')}` };
  if (plan === undefined) {
    const created = parseTime(execution.metadata.creationTimestamp) ?? now.getTime();
    const waited = (now.getTime() - created) / 1000;
    if (waited > PLAN_GRACE_SECONDS) {
      return { decision: 'reject', reason: 'PlanNotFound', message: `plan ${planName} not found` };
    }
    return {
      decision: 'wait',
      reason: 'PlanNotFound',
      message: `waiting for plan ${planName} to exist`,
      resyncAfterSeconds: Math.max(1, Math.ceil(PLAN_GRACE_SECONDS - waited) + 1),
    };
  }
  const phase = plan.status?.phase;
  if (phase === 'Invalid') {
    const why = findCondition(plan.status?.conditions, 'Ready')?.message ?? 'validation failed';
    return { decision: 'reject', reason: 'PlanInvalid', message: `plan ${planName} is invalid: ${why}` };
  }
  if (phase === undefined) {
    return {
      decision: 'wait',
      reason: 'PlanNotReady',
      message: `waiting for plan ${planName} to be validated`,
      resyncAfterSeconds: PLAN_PENDING_RESYNC_SECONDS,
    };
  }
  const current = plan.status?.currentExecution;
  const run = plan.status?.run;
  // Created no later than the running run started: it was as early as the one elected and
  // queues behind it, whichever hook happened to be called first.
  const createdBeforeRun = (parseTime(execution.metadata.creationTimestamp) ?? Infinity) <= (parseTime(run?.startTime) ?? -Infinity);
  // A lock without uid is the Go controller's: the plan releases it at its next sync.
  if (current?.uid !== undefined && current.uid !== execution.metadata.uid && (run === undefined || run.phase === 'Running') && !createdBeforeRun) {
    return {
      decision: 'reject',
      reason: 'ConcurrentExecution',
      message: `plan ${planName} already has a running execution: ${current.namespace}/${current.name}`,
    };
  }
  if (execution.spec.operationType === 'Revert') return admitRevert(execution, plan, others);
  return { decision: 'admit' };
}

function admitRevert(execution: DRPlanExecution, plan: DRPlan, others: readonly DRPlanExecution[]): Admission {
  const reject = (message: string): Admission => ({ decision: 'reject', reason: 'InvalidRevertTarget', message });
  const ofPlan = others.filter((other) => other.spec.planRef === execution.spec.planRef);
  const ref = execution.spec.revertExecutionRef;
  if (ref === undefined || ref === '') {
    const candidates = ofPlan
      .filter((other) => other.spec.operationType === 'Execute' && isAdmitted(other) && isTerminal(other.status?.phase))
      .filter((other) => revertedBy(other, execution, plan, ofPlan) === undefined)
      .sort((a, b) => (parseTime(b.metadata.creationTimestamp) ?? 0) - (parseTime(a.metadata.creationTimestamp) ?? 0) || (a.metadata.name < b.metadata.name ? 1 : -1));
    const newest = candidates[0];
    if (newest === undefined) return reject(`no finished, unreverted Execute of plan ${execution.spec.planRef} to revert`);
    return { decision: 'admit', revertTarget: newest.metadata.name };
  }
  const target = others.find((other) => other.metadata.name === ref);
  if (target === undefined) return reject(`revert target ${ref} not found`);
  if (target.spec.operationType !== 'Execute') return reject(`revert target ${ref} is a ${target.spec.operationType}, not an Execute`);
  if (target.spec.planRef !== execution.spec.planRef) {
    return reject(`revert target ${ref} belongs to plan ${target.spec.planRef}, not ${execution.spec.planRef}`);
  }
  if (!isAdmitted(target)) return reject(`revert target ${ref} was rejected and never ran`);
  if (!isTerminal(target.status?.phase)) {
    return reject(`revert target ${ref} is ${target.status?.phase ?? 'not started'}; it must be Succeeded, Failed or Cancelled`);
  }
  const by = revertedBy(target, execution, plan, ofPlan);
  if (by !== undefined) return reject(`revert target ${ref} is already reverted by ${by}`);
  return { decision: 'admit' };
}

/**
 * The Revert that undid (or is undoing) `target`, if any other than `self`. Reverts name their
 * target, so one created before `target` was meant for an earlier execution of that name.
 */
function revertedBy(
  target: DRPlanExecution,
  self: DRPlanExecution,
  plan: DRPlan,
  executions: readonly DRPlanExecution[],
): string | undefined {
  const record = plan.status?.executionHistory?.find((candidate) => candidate.uid === target.metadata.uid);
  if (record?.revertedBy) return record.revertedBy;
  const targetCreated = parseTime(target.metadata.creationTimestamp) ?? 0;
  const other = executions.find(
    (candidate) =>
      candidate.metadata.uid !== self.metadata.uid &&
      candidate.spec.operationType === 'Revert' &&
      (candidate.spec.revertExecutionRef || candidate.status?.revertTarget) === target.metadata.name &&
      (parseTime(candidate.metadata.creationTimestamp) ?? 0) >= targetCreated &&
      isAdmitted(candidate) &&
      (candidate.status?.phase === 'Succeeded' || !isTerminal(candidate.status?.phase)),
  );
  return other?.metadata.name;
}
