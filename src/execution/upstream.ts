import { findCondition } from '../k8s/conditions.js';
import type { DRPlan } from '../api/plan.js';
import { UPSTREAM_RUN_LOST } from '../api/ledger.js';
import type { Mirrored } from './mirror.js';
import { isTerminal, type DRPlanExecution } from '../api/execution.js';

/**
 * An execution the Go controller was running when it stopped, and that its plan has no record
 * of (trimmed, or never written): nothing will ever finish it, so it ends Failed now. One the plan
 * still knows by name is left to the plan, which ends its record the same way. Executions this
 * project admitted always carry an `Accepted` condition; the Go controller set none.
 */
export function strandedUpstreamRun(execution: DRPlanExecution, plan: DRPlan, at: string): Mirrored | undefined {
  const status = execution.status;
  if (status?.phase === undefined || isTerminal(status.phase)) return undefined;
  if (findCondition(status.conditions, 'Accepted') !== undefined) return undefined;
  const { name, uid } = execution.metadata;
  const known = (plan.status?.executionHistory ?? []).some((record) =>
    record.uid !== undefined ? record.uid === uid : record.name === name,
  );
  if (known) return undefined;
  return { phase: 'Failed', fields: { completionTime: at, message: UPSTREAM_RUN_LOST }, reason: 'RunLost' };
}
