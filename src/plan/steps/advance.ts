import { advanceRun } from '../../engine/advance.js';
import { hasDefinition } from '../../engine/definitions.js';
import { eachAction, type RunAction } from '../../api/run.js';
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
  const advanced = advanceRun(
    ledger.run,
    { jobs: observed.jobs, pods: observed.pods, namespace: observed.plan.metadata.namespace ?? '' },
    now,
  );
  ledger.run = noteObservedJobs(advanced, observed.jobs);
  awaitDefinitions(ledger, observed, now);
  settleRecord(ledger);
}

/**
 * A running action whose Job is not observed needs its definition to describe it. Kept apart,
 * the definition may be missing for a moment (the ConfigMap was just created and the cache
 * lags); still missing LOCK_GRACE_SECONDS after a sync first noticed (`definitionsMissingSince`),
 * it is gone, and the run fails rather than wait forever. Everything else moves on meanwhile.
 */
function awaitDefinitions(ledger: Ledger, { jobs }: Observed, now: Date): void {
  const run = ledger.run;
  if (run?.definitions === undefined || run.phase !== 'Running') return;
  const { definitionsMissingSince, ...rest } = run;
  const waiting: RunAction[] = [];
  eachAction(run, (action) => {
    if (action.phase === 'Running' && action.jobName !== undefined && !jobs.has(action.jobName) && !hasDefinition(action))
      waiting.push(action);
  });
  if (waiting.length === 0) {
    ledger.run = rest;
    return;
  }
  const since = definitionsMissingSince ?? formatTime(now);
  const what = `the definitions of ${listed(
    waiting.map((action) => action.id),
    ', ',
  )} (ConfigMaps ${listed(run.definitions, ', ')})`;
  if (now.getTime() < (parseTime(since) ?? now.getTime()) + LOCK_GRACE_SECONDS * 1000) {
    ledger.run = { ...rest, definitionsMissingSince: since };
    ledger.notes.push(`waiting for ${what}`);
    return;
  }
  ledger.run = cancelRun(rest, `${what} are gone or unreadable`, formatTime(now), 'Failed');
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
