import { callHook, type HookCall, type HookOutcome } from './hook-call.js';
import type { HookSettings } from './hooks.js';
import { WorkerPool } from './worker-pool.js';

export interface HookWorkerOptions {
  /** Worker threads that run hook calls; 0 runs every call on the event loop. */
  count: number;
  /** Calls that may wait for a worker; more are answered 429. */
  queueLimit: number;
  /** Bodies up to this size run on the event loop: a worker's hand-off costs more than they do. */
  inlineMaxBytes: number;
}

/** Sends each hook call to the event loop or to a worker thread (docs/design.md, "Probes under load"). */
export interface HookDispatcher {
  /**
   * The call's outcome; undefined when every worker is busy and the queue is full. Rejects with
   * TaskAbandoned when `abandoned` fires before a worker takes the call up.
   */
  run(call: HookCall, abandoned: AbortSignal): Promise<HookOutcome> | undefined;
  /** Whether a call of a body this large would be refused now: it can be, before its body is read. */
  wouldRefuse(bodyBytes: number): boolean;
  /** Calls in the workers' hands and waiting for them, for the metrics. */
  load(): DispatcherLoad;
  close(): Promise<void>;
}

export interface DispatcherLoad {
  busyWorkers: number;
  queued: number;
}

export function createHookDispatcher(settings: HookSettings, workers: HookWorkerOptions | undefined): HookDispatcher {
  const inline = (call: HookCall) => Promise.resolve(callHook(call, settings));
  if (workers === undefined || workers.count === 0) {
    return { run: inline, wouldRefuse: () => false, load: () => ({ busyWorkers: 0, queued: 0 }), close: async () => undefined };
  }
  const pool = new WorkerPool<HookCall, HookOutcome>({
    size: workers.count,
    queueLimit: workers.queueLimit,
    entry: new URL('./hook-worker.js', import.meta.url),
    workerData: settings,
  });
  return {
    run(call, abandoned) {
      if (call.body === undefined || call.body.byteLength <= workers.inlineMaxBytes) return inline(call);
      const body = ownMemory(call.body);
      return pool.run({ ...call, body }, [body.buffer], abandoned);
    },
    wouldRefuse: (bodyBytes) => bodyBytes > workers.inlineMaxBytes && pool.full,
    load: () => ({ busyWorkers: pool.busy, queued: pool.queued }),
    close: () => pool.close(),
  };
}

/**
 * Small Buffers are slices of a shared pool, which must not be moved to another thread: those
 * are copied, and a body with memory of its own is moved as it is.
 */
function ownMemory(body: Uint8Array): Uint8Array<ArrayBuffer> {
  const { buffer } = body;
  const own = buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === buffer.byteLength;
  return own ? new Uint8Array(buffer) : new Uint8Array(body);
}
