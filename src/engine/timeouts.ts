import type { Run } from '../api/run.js';
import { eachActionWith, RUNNING } from './action-facts.js';
import { parseTime } from '../k8s/time.js';

/** Seconds until the earliest running action times out, for `resyncAfterSeconds`. */
export function secondsUntilNextTimeout(run: Run, now: Date): number | undefined {
  let earliest: number | undefined;
  // The running actions, found by their facts: a long run has one or two among a thousand.
  eachActionWith(run, RUNNING, (action) => {
    const started = parseTime(action.startTime) ?? now.getTime();
    const remaining = Math.ceil((started + action.timeoutSeconds * 1000 - now.getTime()) / 1000);
    earliest = Math.min(earliest ?? Infinity, Math.max(1, remaining));
  });
  return earliest;
}
