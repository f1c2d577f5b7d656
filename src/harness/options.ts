import type { JobPolicy } from './kubelet.js';
import type { RunnerExecutor } from './runner-process.js';
import type { Schedule } from './schedule.js';
import type { HookEndpoint } from './transport.js';

/** How a ContractHarness is set up. */
export interface HarnessOptions {
  /** Directory holding the controller objects (and CRDs, when they exist); `samples/` is skipped. */
  manifestsDir: string;
  transport: HookEndpoint;
  /** Fake time at start; default 2026-01-01T00:00:00Z. */
  start?: Date;
  /** Fate of each running Job; default: every Job succeeds. */
  kubelet?: JobPolicy;
  /**
   * A new Job's first status already says how it ended, as a cache that saw its start and its
   * end in one event shows it, instead of hooks seeing it running first: a sync less per Job,
   * for a rehearsal of a long runbook. A Job held by the policy still shows as running. Default false.
   */
  endJobsAtOnce?: boolean;
  /**
   * The kubelet takes its round after every sync, not only once the controllers are idle: Jobs
   * run while Metacontroller works through its queue, as on a cluster. Without a schedule only.
   * Default false.
   */
  kubeletEverySync?: boolean;
  /** Sent with every hook request, e.g. `{ authorization: 'Bearer …' }`. */
  hookHeaders?: Record<string, string>;
  /**
   * Runs the containers of runner Jobs; default: the project's runner as a process, against
   * this harness's API server.
   */
  runner?: RunnerExecutor;
  /**
   * Hook calls allowed in one settle() before it is declared a hot loop; default 100,000 (a
   * 1,000-action runbook takes a few thousand). A request repeated within one settle is
   * caught long before that.
   */
  maxSyncsPerSettle?: number;
  /**
   * Plays Metacontroller as it runs (concurrent workers, lagging informer caches, racing
   * writes, periodic resyncs, hook timeouts, ETags), in an order drawn from `seed`. Without
   * it, one work item at a time against the store itself.
   */
  schedule?: Schedule;
  /**
   * The clock follows the wall clock (from `start`) instead of moving only in `advance()`; a
   * driver then calls `settleAt()` as time passes. Default false.
   */
  wallClock?: boolean;
  /** Loopback port of the API server; default: any free one. */
  apiPort?: number;
}
