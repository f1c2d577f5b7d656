import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { callHook, type HookCall, type HookOutcome } from './hook-call.js';
import type { HookSettings } from './hooks.js';
import { WORKER_READY } from './worker-pool.js';

/**
 * A worker thread of the hook server: it runs whole hook calls (parse, hook, serialise) so that
 * the event loop that serves probes never waits for a large one. The answer goes back as bytes
 * whose memory is moved, not copied, to the main thread.
 */
const settings = workerData as HookSettings;
/**
 * On Linux a nice value belongs to a thread: this one yields the CPU to the main thread, which
 * reads requests and answers probes, whenever both want it. Where it cannot be set, the worker
 * runs at the process's priority.
 */
const WORKER_NICENESS = 10;
try {
  setPriority(WORKER_NICENESS);
} catch {
  // Not allowed here (or not Linux): nothing is lost but the preference.
}
const encoder = new TextEncoder();
const port = parentPort;
if (port === null) throw new Error('hook-worker runs only as a worker thread');

port.on('message', (call: HookCall) => {
  const outcome = callHook(call, settings);
  if (outcome.kind === 'answered' && typeof outcome.body === 'string') {
    const bytes = encoder.encode(outcome.body);
    port.postMessage({ ...outcome, body: bytes } satisfies HookOutcome, [bytes.buffer]);
  } else if (outcome.kind === 'failed') {
    // Only the error's words cross the thread boundary; whatever else it holds may not clone.
    const error = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
    const copy = Object.assign(new Error(error.message), { name: error.name, stack: error.stack });
    port.postMessage({ ...outcome, error: copy } satisfies HookOutcome);
  } else {
    port.postMessage(outcome);
  }
});
port.postMessage(WORKER_READY);
