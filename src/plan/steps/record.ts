import { isAdmitted } from '../../api/ledger.js';
import { recordFor } from '../ledger.js';
import type { Ledger, Observed } from '../state.js';

/** An admitted execution gets its record the first time the plan sees it, newest first. */
export function recordNewExecutions(ledger: Ledger, { executions }: Observed): void {
  const known = new Set(ledger.history.map((record) => record.uid));
  for (const execution of executions) {
    if (!isAdmitted(execution) || execution.status?.phase !== 'Pending') continue;
    if (known.has(execution.metadata.uid)) continue;
    ledger.history.unshift(recordFor(execution));
    ledger.notes.push(`recorded ${execution.metadata.name}`);
  }
}
