import { runJobsAtRest } from '../../engine/lock.js';
import { isTerminal } from '../../api/execution.js';
import { isOpen } from '../ledger.js';
import type { Ledger, Observed } from '../state.js';

/**
 * A lock without a uid was taken by the Go controller, whose run state this hook cannot
 * continue (and which it left behind on deletion): release it rather than block the plan.
 */
export function releaseForeignLock(ledger: Ledger): void {
  if (ledger.current === undefined || ledger.current.uid !== undefined) return;
  ledger.notes.push(`released ${ledger.current.name}: lock taken by an older controller`);
  ledger.current = undefined;
  ledger.run = undefined;
}

/**
 * Clears the lock once the execution shows its terminal phase (or is gone) and no Job of the
 * run can still be running: one run at a time means no two runs' Jobs active at once.
 */
export function release(ledger: Ledger, { executions, jobs }: Observed, now: Date): void {
  const current = ledger.current;
  if (current === undefined) return;
  const record = ledger.history.find((candidate) => candidate.uid === current.uid);
  const runEnded = ledger.run === undefined || ledger.run.phase !== 'Running';
  if (!runEnded && record !== undefined && isOpen(record)) return;
  if (ledger.run !== undefined && !runJobsAtRest(ledger.run, jobs, now)) return;
  const execution = executions.find((candidate) => candidate.metadata.uid === current.uid);
  if (execution !== undefined && !isTerminal(execution.status?.phase)) return;
  ledger.notes.push(`released ${current.name}`);
  ledger.current = undefined;
  ledger.run = undefined;
}
