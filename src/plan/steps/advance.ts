import { advanceRun } from '../../engine/advance.js';
import { noteObservedJobs } from '../../engine/lock.js';
import { isTerminal } from '../../api/execution.js';
import { cancelRun } from '../../engine/cancel.js';
import { listed } from '../../k8s/bounds.js';
import { formatTime, parseTime } from '../../k8s/time.js';
import { LOCK_GRACE_SECONDS } from '../lock.js';
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
  if (ledger.missingDefinitions.length > 0) {
    waitForDefinitions(ledger, now);
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
 * A run whose definitions are not observed cannot start anything. Just after the run started
 * its ConfigMaps may not be in the cache yet; past the lock's grace they are gone (deleted by
 * hand), and the run fails rather than wait forever.
 */
function waitForDefinitions(ledger: Ledger, now: Date): void {
  const run = ledger.run;
  if (run === undefined || run.phase !== 'Running') return;
  const started = parseTime(run.startTime) ?? 0;
  const missing = listed(ledger.missingDefinitions, ', ');
  if (now.getTime() < started + LOCK_GRACE_SECONDS * 1000) {
    ledger.notes.push(`waiting for the run's definitions: ${missing}`);
    return;
  }
  ledger.run = cancelRun(run, `the run's definitions are gone or unreadable (ConfigMap ${missing})`, formatTime(now), 'Failed');
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
