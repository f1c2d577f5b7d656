import { isBeingDeleted } from '../../engine/jobs.js';
import { snapshotRevert } from '../../engine/revert.js';
import type { Run } from '../../api/run.js';
import { newRun, snapshotExecute } from '../../engine/snapshot.js';
import type { DRPlanExecution } from '../../api/execution.js';
import { formatTime } from '../../k8s/time.js';
import type { ExecutionRecord } from '../../api/plan.js';
import type { Ledger, Observed } from '../state.js';
import { withUpstreamUndo } from '../upstream.js';
import { advanceCurrent } from './advance.js';
import { isCancelAnnotated } from './cancel.js';

/**
 * The oldest queued execution becomes current: the plan's one-run-at-a-time lock. While the
 * lock ConfigMap names a holder the status lost (`held`), only that one may be current.
 */
export function elect(ledger: Ledger, observed: Observed, now: Date, held?: string): void {
  if (ledger.current !== undefined) return;
  const queued = new Set(ledger.history.filter((record) => record.phase === 'Pending').map((record) => record.uid));
  const execution = observed.executions.find(
    (candidate) =>
      queued.has(candidate.metadata.uid) &&
      (held === undefined || candidate.metadata.uid === held) &&
      !isBeingDeleted(candidate) &&
      !isCancelAnnotated(candidate),
  );
  if (execution === undefined) return;
  ledger.current = { name: execution.metadata.name, namespace: execution.metadata.namespace ?? '', uid: execution.metadata.uid ?? '' };
  ledger.run = startRun(execution, observed, ledger.history, formatTime(now));
  ledger.notes.push(`elected ${execution.metadata.name}`);
  advanceCurrent(ledger, observed, now);
}

function startRun(execution: DRPlanExecution, observed: Observed, history: readonly ExecutionRecord[], at: string): Run {
  const { plan } = observed;
  if (execution.spec.operationType === 'Execute') {
    return snapshotExecute({ plan, workflows: observed.workflows, execution, at, runner: observed.runner });
  }
  const targetName = execution.spec.revertExecutionRef ?? execution.status?.revertTarget;
  const target = observed.executions.find((candidate) => candidate.metadata.name === targetName);
  if (target === undefined) return newRun(execution, plan, [], [`revert target ${targetName ?? '(none)'} not found`], at);
  const revertedBy = history.find((record) => record.uid === target.metadata.uid)?.revertedBy;
  if (revertedBy && revertedBy !== execution.metadata.name) {
    // Two Reverts admitted at once cannot see each other; only the first may undo.
    return newRun(execution, plan, [], [`${targetName} was already reverted by ${revertedBy}`], at);
  }
  return snapshotRevert({ plan, execution, target: withUpstreamUndo(target, plan, observed.workflows), at, runner: observed.runner });
}
