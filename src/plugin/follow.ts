import { isTerminal, type DRPlanExecution } from '../api/execution.js';
import type { DrClient } from './client.js';
import type { Clock } from './io.js';
import type { View } from './views/view.js';

const TICK_MS = 1000;

export type Outcome =
  | { kind: 'ended'; execution: DRPlanExecution }
  | { kind: 'deleted'; execution: DRPlanExecution | undefined }
  | { kind: 'timeout'; execution: DRPlanExecution | undefined }
  | { kind: 'interrupted'; execution: DRPlanExecution | undefined };

export interface FollowOptions {
  clock: Clock;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

/**
 * Follows one execution by list+watch until it ends, is deleted, `timeoutMs` passes or `signal`
 * aborts. Stopping only stops watching: the execution is never touched.
 */
export async function follow(client: DrClient, name: string, view: View, options: FollowOptions): Promise<Outcome> {
  const { clock, signal, timeoutMs } = options;
  const stop = new AbortController();
  let last: DRPlanExecution | undefined;
  let settle: (outcome: Outcome) => void = () => undefined;
  const result = new Promise<Outcome>((resolve) => (settle = resolve));
  const finish = (outcome: Outcome) => {
    if (stop.signal.aborted) return;
    settle(outcome);
    stop.abort();
  };
  const interrupt = () => finish({ kind: 'interrupted', execution: last });
  if (signal?.aborted) interrupt();
  signal?.addEventListener('abort', interrupt, { once: true });
  const watching = client.watchExecution(
    name,
    (execution) => {
      if (stop.signal.aborted) return;
      if (execution === undefined) return finish({ kind: 'deleted', execution: last });
      last = execution;
      view.update(execution, clock.now());
      if (isTerminal(execution.status?.phase)) finish({ kind: 'ended', execution });
    },
    stop.signal,
  );
  if (timeoutMs !== undefined) void clock.sleep(timeoutMs, stop.signal).then(() => finish({ kind: 'timeout', execution: last }));
  void ticks(view, clock, stop.signal);
  try {
    // A failed watch rejects `watching` while `result` may never settle: whichever comes first.
    return await Promise.race([result, watching.then(() => result)]);
  } finally {
    stop.abort();
    signal?.removeEventListener('abort', interrupt);
    await watching.catch(() => undefined);
    view.close();
  }
}

async function ticks(view: View, clock: Clock, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await clock.sleep(TICK_MS, signal);
    if (!signal.aborted) view.tick(clock.now());
  }
}
