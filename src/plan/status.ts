import { listed } from '../k8s/bounds.js';
import { mergeConditions, type ConditionInput } from '../k8s/conditions.js';
import type { DRPlan, DRPlanStatus } from '../api/plan.js';
import { withoutDefinitions } from './definitions.js';
import type { Ledger } from './state.js';

/**
 * The plan's status from the ledger after one sync: the phase, the Ready and Executed
 * conditions (and one naming executions that could not be read), the history and the run.
 */
export function planStatus(
  ledger: Ledger,
  previous: DRPlanStatus,
  valid: boolean,
  problems: readonly string[],
  plan: DRPlan,
  at: string,
  unreadable: ConditionInput | undefined,
): Record<string, unknown> {
  const generation = plan.metadata.generation;
  const ready: ConditionInput = valid
    ? { type: 'Ready', status: 'True', reason: 'ValidationSucceeded', message: 'Plan is valid and ready to execute' }
    : { type: 'Ready', status: 'False', reason: 'ValidationFailed', message: `Validation failed: [${listed(problems)}]` };
  const executed: ConditionInput = ledger.executed
    ? {
        type: 'Executed',
        status: 'True',
        reason: 'ExecuteSucceeded',
        message: `last successful operation: Execute ${ledger.lastExecutionRef ?? ''}`,
      }
    : ledger.lastExecutionRef
      ? { type: 'Executed', status: 'False', reason: 'Reverted', message: `last successful operation: Revert ${ledger.lastExecutionRef}` }
      : { type: 'Executed', status: 'False', reason: 'NeverExecuted', message: 'no operation has succeeded yet' };
  if (generation !== undefined) {
    ready.observedGeneration = generation;
    executed.observedGeneration = generation;
  }
  const status: DRPlanStatus = {
    phase: valid ? (ledger.executed ? 'Executed' : 'Ready') : 'Invalid',
    conditions: mergeConditions(previous.conditions, unreadable === undefined ? [ready, executed] : [ready, executed, unreadable], at),
    executionHistory: ledger.history,
  };
  if (ledger.current) status.currentExecution = ledger.current;
  if (ledger.run) status.run = withoutDefinitions(ledger.run);
  if (ledger.lastExecutionRef) status.lastExecutionRef = ledger.lastExecutionRef;
  if (ledger.lastExecutionTime) status.lastExecutionTime = ledger.lastExecutionTime;
  if (ledger.lockRevision > 0) status.lockRevision = ledger.lockRevision;
  if (generation !== undefined) status.observedGeneration = generation;
  return status;
}
