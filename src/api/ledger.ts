import { findCondition } from '../k8s/conditions.js';
import { isTerminal, type DRPlanExecution } from './execution.js';
import type { ExecutionRecord } from './plan.js';

/**
 * The fields each side of the plan/execution handshake reads of the other, written once.
 * The plan's ledger is the source of truth; an execution finds itself in it by uid, or by
 * name in a record an older controller wrote without uid.
 */

interface Identity {
  metadata: { name: string; uid?: string | undefined };
}

/** Whether the plan's lock names this execution (by uid: a re-created name is another execution). */
export function isCurrent(
  plan: { status?: { currentExecution?: { uid?: string | undefined } | undefined } | undefined },
  execution: Identity,
): boolean {
  const uid = execution.metadata.uid;
  return uid !== undefined && plan.status?.currentExecution?.uid === uid;
}

export function recordOf(history: readonly ExecutionRecord[] | undefined, execution: Identity): ExecutionRecord | undefined {
  if (history === undefined) return undefined;
  const uid = execution.metadata.uid;
  return history.find((record) => (record.uid ? record.uid === uid : record.name === execution.metadata.name));
}

/** What both the plan's record and the execution say of a run the Go controller started and never ended. */
export const UPSTREAM_RUN_LOST =
  'started by bcs-drplan-controller, which stopped before it ended; drplan-hooks cannot continue that run: check what its actions did, then Revert it or run a new Execute';

/**
 * Admitted once and for all: only such executions get records, run, or are reverted. The Go
 * controller sets no conditions; an execution it took to a terminal phase was admitted by it.
 */
export function isAdmitted(execution: DRPlanExecution): boolean {
  const accepted = findCondition(execution.status?.conditions, 'Accepted');
  if (accepted !== undefined) return accepted.status === 'True';
  return isTerminal(execution.status?.phase);
}
