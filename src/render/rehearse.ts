import { isTerminal, type DRPlanExecutionSpec, type DRPlanExecutionStatus } from '../api/execution.js';
import { ApiError, ContractHarness, injectTransport, type HookEndpoint, type KubeObject } from '../harness/index.js';
import { DEFAULT_RUNNER } from '../engine/runner.js';
import { findCondition } from '../k8s/conditions.js';
import { canonicalJson } from '../k8s/json.js';
import { InputError } from '../cli/input-error.js';
import { MANIFESTS_DIR } from '../cli/manifests-dir.js';
import { inProcessHooks } from './in-process.js';
import { failActions, simulatedRunner } from './kubelet.js';
import { displayName, namespaceOf, type RenderInput, type Sourced } from './load.js';
import { TimelineRecorder, type TimelineEntry } from './timeline.js';

/** Fixed, so that two renders of the same runbook can be diffed in a review. */
export const RENDER_START = new Date('2026-01-01T00:00:00Z');
/** Between executions, so each one starts at its own offset in the timeline. */
const GAP_SECONDS = 5;
/**
 * With every Job ending at once, only waits inside the hooks take time (a plan that does not
 * exist yet is awaited for 30 s); an execution still unfinished after this never will be.
 */
const MAX_WAIT_SECONDS = 15 * 60;

export interface ExecutionOutcome {
  name: string;
  operationType: string;
  phase: string;
  message: string;
}

/** What the API server would show for an object: its identity and status, no spec. */
export interface FinalStatus {
  kind: string;
  metadata: { namespace: string; name: string };
  status: unknown;
}

export interface Rehearsal {
  timeline: TimelineEntry[];
  executions: ExecutionOutcome[];
  statuses: FinalStatus[];
}

/** How the rehearsal reaches the hooks: as functions (the default), or through the HTTP server. */
export type HookPath = 'in-process' | 'http';

/**
 * Plays the runbook in the contract harness against the real hooks, in process and in fake
 * time: workflows and plans first, then each execution in the order given, waiting for it to
 * finish before the next starts (so a Revert finds its target finished). The hooks are called
 * as functions unless `via` is 'http': the same answers, without the bytes (docs/design.md,
 * "Rehearsal").
 */
export async function rehearse(input: RenderInput, fail: readonly string[], via: HookPath = 'in-process'): Promise<Rehearsal> {
  // The hooks read the harness's clock, the harness calls the hooks, and the timeline reads
  // the harness before each call: tie the knots lazily.
  let harness: ContractHarness | undefined;
  let timeline: TimelineRecorder | undefined;
  const clock = () => harness?.now() ?? RENDER_START;
  // The server (fastify and its plugins) is loaded only for an HTTP rehearsal: it is most of the start-up time.
  const app =
    via === 'http'
      ? (await import('../http/app.js')).buildApp({
          clock,
          // A shed request would come back as a retry in fake time: the timeline would depend on
          // how busy the machine is, and a rehearsal has no load to protect against anyway.
          overload: { maxEventLoopDelayMs: 0, maxHeapUsedBytes: 0 },
        })
      : undefined;
  try {
    const endpoint = app === undefined ? inProcessHooks(clock, { runner: DEFAULT_RUNNER }) : injectTransport(app);
    const live = await ContractHarness.create({
      manifestsDir: MANIFESTS_DIR,
      start: RENDER_START,
      kubelet: failActions(fail),
      endJobsAtOnce: true,
      kubeletEverySync: true,
      runner: simulatedRunner(fail),
      transport: beforeEachCall(endpoint, () => timeline?.catchUp()),
    });
    harness = live;
    timeline = new TimelineRecorder(live, RENDER_START);
    await play(live, timeline, input);
    const current = (object: KubeObject) => live.get(object.kind, namespaceOf(object), object.metadata.name);
    return {
      timeline: timeline.entries,
      executions: input.executions.map(({ object }) => outcome(current(object), object)),
      statuses: [...input.plans, ...input.executions].map(({ object }) => finalStatus(current(object), object)),
    };
  } finally {
    await app?.close();
  }
}

/** The timeline records what happened before each hook call, stamped with its second. */
function beforeEachCall(endpoint: HookEndpoint, before: () => void): HookEndpoint {
  if (typeof endpoint === 'function') {
    return (path, body, headers) => {
      before();
      return endpoint(path, body, headers);
    };
  }
  return {
    inProcess: (path, request) => {
      before();
      return endpoint.inProcess(path, request);
    },
  };
}

async function play(harness: ContractHarness, timeline: TimelineRecorder, input: RenderInput): Promise<void> {
  // One second at a time, so every event is stamped with the second it happened in.
  const tick = async (seconds: number) => {
    for (let i = 0; i < seconds; i += 1) {
      await harness.advance(1);
      timeline.catchUp();
    }
  };
  for (const item of [...input.workflows, ...input.plans]) apply(harness, item);
  await harness.settle();
  timeline.catchUp();
  for (const [index, item] of input.executions.entries()) {
    if (index > 0) await tick(GAP_SECONDS);
    apply(harness, item);
    await harness.settle();
    timeline.catchUp();
    const finished = () => isTerminal(phaseOf(harness.get(item.object.kind, namespaceOf(item.object), item.object.metadata.name)));
    for (let waited = 0; waited < MAX_WAIT_SECONDS && !finished(); waited += 1) await tick(1);
  }
}

/** The API server's verdict on an object is the user's to fix, like a YAML error. */
function apply(harness: ContractHarness, { object, file }: Sourced): void {
  try {
    harness.apply(object);
  } catch (error) {
    if (error instanceof ApiError) throw new InputError(`${file}: ${object.kind} ${displayName(object)} rejected: ${error.message}`);
    throw error;
  }
}

function outcome(live: KubeObject | undefined, given: KubeObject): ExecutionOutcome {
  const spec = given.spec as Partial<DRPlanExecutionSpec> | undefined;
  const status = live?.status as DRPlanExecutionStatus | undefined;
  const phase = status?.phase ?? 'Pending';
  const message = isTerminal(phase)
    ? (status?.message ?? findCondition(status?.conditions, 'Succeeded')?.message ?? '')
    : `did not finish within ${MAX_WAIT_SECONDS / 60}m of simulated time`;
  return { name: displayName(given), operationType: spec?.operationType ?? '', phase, message };
}

/** As the API server would serve it: the JSON of the status, keys in order (hooks answer so). */
function finalStatus(live: KubeObject | undefined, given: KubeObject): FinalStatus {
  const status = JSON.parse(canonicalJson(live?.status ?? {})) as unknown;
  return { kind: given.kind, metadata: { namespace: namespaceOf(given), name: given.metadata.name }, status };
}

function phaseOf(execution: KubeObject | undefined): string | undefined {
  return (execution?.status as DRPlanExecutionStatus | undefined)?.phase;
}
