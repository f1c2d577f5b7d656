import { isTerminal, type DRPlanExecution } from '../api/execution.js';
import { capText, MAX_RECORD_MESSAGE_CHARS } from '../k8s/bounds.js';
import type { Run } from '../api/run.js';
import type { ExecutionRecord } from '../api/plan.js';

/** Why a record ended other than by its run; the execution shows it as its condition reason. */
export type EndReason = 'Deleted' | 'Cancelled' | 'PlanInvalid' | 'PlanDeleted' | 'RunLost';

/** Reasons that are a failure of the run rather than a decision to stop it. */
const FAILURES: readonly EndReason[] = ['PlanInvalid', 'RunLost'];

export function recordFor(execution: DRPlanExecution): ExecutionRecord {
  const target = execution.spec.revertExecutionRef ?? execution.status?.revertTarget;
  return {
    name: execution.metadata.name,
    namespace: execution.metadata.namespace ?? '',
    uid: execution.metadata.uid ?? '',
    operationType: execution.spec.operationType,
    phase: 'Pending',
    ...(execution.metadata.creationTimestamp ? { startTime: execution.metadata.creationTimestamp } : {}),
    ...(execution.spec.operationType === 'Revert' && target ? { revertExecutionRef: target } : {}),
  };
}

export function endRecord(record: ExecutionRecord, reason: EndReason, message: string, at: string): void {
  record.phase = FAILURES.includes(reason) ? 'Failed' : 'Cancelled';
  record.reason = reason;
  record.message = capText(message, MAX_RECORD_MESSAGE_CHARS);
  record.completionTime = at;
}

/** Copies the run's progress into its record: Running with the run's start, then the outcome. */
export function followRun(record: ExecutionRecord, run: Run): void {
  record.phase = run.phase;
  record.startTime = run.startTime;
  if (run.completionTime) record.completionTime = run.completionTime;
  // The execution copies the run's whole message while the run is current; the record keeps its beginning.
  if (run.message) record.message = capText(run.message, MAX_RECORD_MESSAGE_CHARS);
}

/**
 * Keeps at most `limit` records, dropping the oldest terminal ones first. `held` records are
 * never dropped (those still open, the current one, those whose execution has not shown its
 * outcome yet), even if that leaves the list over the limit for a while: dropping them would
 * lose what the execution is about to copy, or make a live execution look new again.
 */
export function trimHistory(history: ExecutionRecord[], limit: number, held: (record: ExecutionRecord) => boolean): ExecutionRecord[] {
  const kept = [...history];
  for (let index = kept.length - 1; index >= 0 && kept.length > limit; index--) {
    const record = kept[index];
    if (record !== undefined && isTerminal(record.phase) && !held(record)) kept.splice(index, 1);
  }
  return kept;
}

/** Pending or Running: the record still waits for its outcome. */
export function isOpen(record: ExecutionRecord): boolean {
  return record.phase === 'Pending' || record.phase === 'Running';
}
