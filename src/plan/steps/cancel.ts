import { cancelRun } from '../../engine/cancel.js';
import type { DRPlanExecution } from '../../api/execution.js';
import { ANNOTATION_CANCEL } from '../../k8s/labels.js';
import { firstByUid } from '../../k8s/metacontroller.js';
import { listed } from '../../k8s/bounds.js';
import { endRecord, isOpen } from '../ledger.js';
import type { ExecutionRecord } from '../../api/plan.js';
import type { Ledger, Observed } from '../state.js';

export function isCancelAnnotated(execution: DRPlanExecution): boolean {
  return execution.metadata.annotations?.[ANNOTATION_CANCEL] === 'true';
}

/** Deletion or the cancel annotation on a queued or running execution cancels it. */
export function cancelRequested(ledger: Ledger, { executions }: Observed, at: string): void {
  const executionsByUid = firstByUid(executions);
  for (const record of ledger.history) {
    if (!isOpen(record)) continue;
    const execution = executionsByUid.get(record.uid);
    if (execution === undefined) continue;
    const deletedAt = execution.metadata.deletionTimestamp;
    if (deletedAt !== undefined) endOpen(ledger, record, 'Deleted', 'execution deleted', deletedAt);
    else if (isCancelAnnotated(execution)) endOpen(ledger, record, 'Cancelled', `cancelled by annotation ${ANNOTATION_CANCEL}`, at);
  }
}

/** No record may stay open without a live execution (one force-deleted past its finalizer). */
export function cancelOrphans(ledger: Ledger, { executions, unreadable }: Observed, at: string): void {
  const live = new Set([...executions.map((execution) => execution.metadata.uid), ...unreadable.uids]);
  for (const record of ledger.history) {
    if (!isOpen(record) || live.has(record.uid)) continue;
    endOpen(ledger, record, 'Deleted', 'execution deleted before its finalizer ran', at);
  }
}

/** A plan being deleted cancels its current run. */
export function cancelForPlanDeletion(ledger: Ledger, at: string): void {
  const record = ledger.history.find((candidate) => candidate.uid === ledger.current?.uid);
  if (record !== undefined && isOpen(record)) endOpen(ledger, record, 'PlanDeleted', 'plan deleted', at);
}

/** Queued executions of a plan that turned Invalid fail instead of waiting forever. */
export function failQueued(ledger: Ledger, problems: readonly string[], at: string): void {
  for (const record of ledger.history) {
    if (record.phase !== 'Pending' || record.uid === ledger.current?.uid) continue;
    endRecord(record, 'PlanInvalid', `plan is invalid: ${listed(problems)}`, at);
    ledger.notes.push(`failed ${record.name}: plan invalid`);
  }
}

function endOpen(
  ledger: Ledger,
  record: ExecutionRecord,
  reason: 'Deleted' | 'Cancelled' | 'PlanDeleted',
  message: string,
  at: string,
): void {
  endRecord(record, reason, message, at);
  ledger.notes.push(`cancelled ${record.name}: ${message}`);
  if (ledger.current?.uid === record.uid && ledger.run?.phase === 'Running') {
    ledger.run = cancelRun(ledger.run, message, at);
  }
}
