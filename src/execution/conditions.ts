import type { ConditionInput } from '../k8s/conditions.js';
import type { ExecutionPhase } from '../api/execution.js';

/** Why an execution was turned away at admission. */
export type RejectionReason =
  'PlanNotFound' | 'PlanInvalid' | 'ConcurrentExecution' | 'QueueFull' | 'InvalidRevertTarget' | 'InvalidSpec' | 'InvalidParams';

/**
 * The three conditions of an execution (Accepted, Succeeded, Complete), so that both `kubectl wait --for=condition=Complete`
 * and `--for=jsonpath='{.status.phase}'=Succeeded` work.
 */
export function executionConditions(
  phase: ExecutionPhase,
  outcome: { reason?: string | undefined; message?: string | undefined; rejected?: boolean },
): ConditionInput[] {
  const message = outcome.message ?? '';
  const accepted: ConditionInput = outcome.rejected
    ? { type: 'Accepted', status: 'False', reason: outcome.reason ?? 'Rejected', message }
    : { type: 'Accepted', status: 'True', reason: 'Admitted', message: 'admitted; runs when the plan elects it' };
  const terminal = phase === 'Succeeded' || phase === 'Failed' || phase === 'Cancelled';
  const succeeded: ConditionInput =
    phase === 'Succeeded'
      ? { type: 'Succeeded', status: 'True', reason: 'Succeeded', message }
      : terminal
        ? { type: 'Succeeded', status: 'False', reason: outcome.reason ?? phase, message }
        : { type: 'Succeeded', status: 'Unknown', reason: phase, message: `execution is ${phase}` };
  const complete: ConditionInput = terminal
    ? { type: 'Complete', status: 'True', reason: phase, message: `execution ended ${phase}` }
    : { type: 'Complete', status: 'False', reason: phase, message: `execution is ${phase}` };
  return [accepted, succeeded, complete];
}
