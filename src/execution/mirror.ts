import { findCondition } from '../k8s/conditions.js';
import { stageStatusesOf, summaryOf } from '../engine/project.js';
import type { DRPlan } from '../api/plan.js';
import { isCurrent, recordOf } from '../api/ledger.js';
import { isTerminal, type DRPlanExecution, type DRPlanExecutionStatus, type ExecutionPhase } from '../api/execution.js';

export interface Mirrored {
  phase: ExecutionPhase;
  fields: Pick<DRPlanExecutionStatus, 'startTime' | 'completionTime' | 'message' | 'stageStatuses' | 'summary'>;
  /** Why a record ended other than by its run (Deleted, PlanInvalid…). */
  reason?: string | undefined;
}

/**
 * What the plan knows of this execution's run: the live run while it is
 * the plan's current one, else the terminal history record. Undefined while it waits.
 */
export function mirrorFromPlan(execution: DRPlanExecution, plan: DRPlan): Mirrored | undefined {
  const status = plan.status;
  const uid = execution.metadata.uid;
  const record = recordOf(status?.executionHistory, execution);
  const run = status?.run;
  if (run !== undefined && isCurrent(plan, execution) && run.execution.uid === uid) {
    return {
      phase: run.phase,
      fields: { ...timesOf(run), stageStatuses: stageStatusesOf(run), summary: summaryOf(run) },
      reason: record?.reason,
    };
  }
  // Queued, or queued again: a status computed from an older view may have made it current for a
  // while, and the plan's lock took that back (docs/design.md, "Release"). Only for executions this
  // project admitted: a Pending record the Go controller left is a run it stranded, ended apart.
  const admittedHere = findCondition(execution.status?.conditions, 'Accepted') !== undefined;
  if (record?.phase === 'Pending' && admittedHere) return { phase: 'Pending', fields: {} };
  if (record === undefined || !isTerminal(record.phase)) return undefined;
  return { phase: record.phase, fields: timesOf(record), reason: record.reason };
}

/** The start, the end and the message of a run or a record, each where known. */
function timesOf(source: {
  startTime?: string | undefined;
  completionTime?: string | undefined;
  message?: string | undefined;
}): Mirrored['fields'] {
  return {
    ...(source.startTime ? { startTime: source.startTime } : {}),
    ...(source.completionTime ? { completionTime: source.completionTime } : {}),
    ...(source.message ? { message: source.message } : {}),
  };
}

/** Whether the plan still needs this execution: it is current or its record is open. */
export function planHoldsOpen(execution: DRPlanExecution, plan: DRPlan): boolean {
  const record = recordOf(plan.status?.executionHistory, execution);
  if (record !== undefined) return !isTerminal(record.phase);
  return isCurrent(plan, execution);
}
