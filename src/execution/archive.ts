import { isCurrent, recordOf } from '../api/ledger.js';
import type { DRPlan } from '../api/plan.js';
import { isTerminal, type DRPlanExecution, type DRPlanExecutionStatus } from '../api/execution.js';

/**
 * Whether the plan no longer needs this execution, so it may leave the plan's related set and
 * the execution controller (docs/design.md, "Fan-out"). Kept are executions still running or
 * queued, the current one, and Executes in the plan's history that no Revert has undone yet:
 * a Revert reads what to undo from its target's status.
 */
export function isArchivable(execution: DRPlanExecution, status: DRPlanExecutionStatus, plan: DRPlan | undefined): boolean {
  if (!isTerminal(status.phase)) return false;
  if (plan === undefined) return true;
  if (isCurrent(plan, execution)) return false;
  const record = recordOf(plan.status?.executionHistory, execution);
  if (record === undefined) return true;
  // A record an older controller wrote without uid: the plan adopts it (gives it this uid) first.
  if (record.uid === undefined || !isTerminal(record.phase)) return false;
  return execution.spec.operationType !== 'Execute' || Boolean(record.revertedBy);
}
