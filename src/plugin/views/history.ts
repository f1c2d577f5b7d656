import type { DRPlan } from '../../api/plan.js';
import { table } from './table.js';

/** The plan's ledger, newest first; `*` marks the record `lastExecutionRef` names. */
export function historyLines(plan: DRPlan): string[] {
  const status = plan.status;
  const records = status?.executionHistory ?? [];
  if (records.length === 0) return [`plan ${plan.metadata.namespace ?? ''}/${plan.metadata.name} has no executions in its history`];
  // The newest record of that name: an execution deleted and created again has two.
  const last = records.find((record) => record.name === status?.lastExecutionRef);
  const rows = records.map((record) => [
    record === last ? '*' : '',
    record.name,
    record.operationType,
    record.phase,
    record.startTime ?? '',
    record.completionTime ?? '',
    record.operationType === 'Revert'
      ? `reverts ${record.revertExecutionRef ?? '?'}`
      : record.revertedBy
        ? `reverted by ${record.revertedBy}`
        : '',
    (record.message ?? '').replace(/\s+/g, ' '),
  ]);
  return table([['', 'NAME', 'OPERATION', 'PHASE', 'STARTED', 'COMPLETED', 'REVERT', 'MESSAGE'], ...rows]);
}
