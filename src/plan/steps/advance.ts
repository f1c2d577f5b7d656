import { advanceRun } from '../../engine/advance.js';
import { noteObservedJobs } from '../../engine/lock.js';
import { isTerminal } from '../../api/execution.js';
import { formatTime } from '../../k8s/time.js';
import { endRecord, followRun, isOpen } from '../ledger.js';
import type { Ledger, Observed } from '../state.js';

/** Moves the current run forward from what its Jobs and runner Pods show, and copies it into its record. */
export function advanceCurrent(ledger: Ledger, observed: Observed, now: Date): void {
  if (ledger.current === undefined) return;
  if (ledger.run === undefined) {
    // A lock without its run (a hand-edited or migrated status) can never finish: fail it so
    // the execution ends and the lock is released, instead of blocking the plan forever.
    const uid = ledger.current.uid;
    const record = ledger.history.find((candidate) => candidate.uid === uid);
    if (record !== undefined && isOpen(record)) {
      endRecord(record, 'RunLost', 'the plan lost the state of this run (status.run is missing)', formatTime(now));
      ledger.notes.push(`failed ${record.name}: run state missing`);
    }
    return;
  }
  const advanced = advanceRun(
    ledger.run,
    { jobs: observed.jobs, pods: observed.pods, namespace: observed.plan.metadata.namespace ?? '' },
    now,
  );
  ledger.run = noteObservedJobs(advanced, observed.jobs);
  settleRecord(ledger);
}

/**
 * Copies the current run into its record; the first time the run ends well, moves the
 * plan's last successful operation (and marks a reverted Execute).
 */
function settleRecord(ledger: Ledger): void {
  const run = ledger.run;
  const record = ledger.history.find((candidate) => candidate.uid === run?.execution.uid);
  if (run === undefined || record === undefined || isTerminal(record.phase)) return;
  followRun(record, run);
  if (run.phase !== 'Succeeded') return;
  ledger.lastExecutionRef = record.name;
  ledger.lastExecutionTime = run.completionTime;
  ledger.executed = run.operationType === 'Execute';
  ledger.notes.push(`${record.name} succeeded`);
  if (run.operationType === 'Revert') {
    const target = ledger.history.find((candidate) =>
      run.revertTargetUid
        ? candidate.uid === run.revertTargetUid
        : candidate.operationType === 'Execute' && candidate.name === run.revertTarget,
    );
    if (target !== undefined) target.revertedBy = record.name;
  }
}
