import { isTerminal } from '../../api/execution.js';
import { firstByUid } from '../../k8s/metacontroller.js';
import { isOpen, trimHistory } from '../ledger.js';
import type { Ledger, Observed } from '../state.js';

/**
 * Bounds the history to `limit`, holding the records something still reads: the current run's,
 * an Execute a queued Revert targets (the Revert reads its outcome from the execution, which
 * stays related while recorded), an unreadable execution's, and one whose execution has not
 * shown its outcome yet.
 */
export function trimLedger(ledger: Ledger, { executions, unreadable }: Observed, limit: number): void {
  const revertTargets = new Set(
    ledger.history.filter((record) => record.operationType === 'Revert' && isOpen(record)).map((record) => record.revertExecutionRef),
  );
  const executionsByUid = firstByUid(executions);
  ledger.history = trimHistory(ledger.history, limit, (record) => {
    if (record.uid !== undefined && record.uid === ledger.current?.uid) return true;
    if (record.operationType === 'Execute' && revertTargets.has(record.name)) return true;
    if (record.uid !== undefined && unreadable.uids.has(record.uid)) return true;
    const execution = executionsByUid.get(record.uid);
    return execution !== undefined && !isTerminal(execution.status?.phase);
  });
}
