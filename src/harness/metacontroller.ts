import type { FakeClock } from './clock.js';
import { syncComposite } from './composite-sync.js';
import { CycleGuard } from './cycle-guard.js';
import { syncDecorator } from './decorator-sync.js';
import { ApiError, HookError, SyncError, ThrottledError } from './errors.js';
import type { EventLog } from './events.js';
import { HookCalls, type HookFailure } from './hook-calls.js';
import { HookClient, type SyncTrace } from './hookclient.js';
import type { Delivery, ObjectReader } from './informers.js';
import type { ControllerDef } from './controllers.js';
import type { ResourceTable, ResourceType } from './resources.js';
import { resyncPeriodSeconds, type Schedule } from './schedule.js';
import { runSchedule, startConcurrency, type Concurrency, type QueueEntry, type Work } from './scheduler.js';
import type { Store, StoreChange } from './store.js';
import { immediately, type SyncContext, type SyncDeps } from './sync-steps.js';
import { manages } from './targets.js';
import { describeChange, Traffic, type Cause, type TrafficReport } from './traffic.js';
import type { HookEndpoint } from './transport.js';
import { qualifiedName, refOf, type ObjectRef } from './types.js';
import { dispatch, type WatchDeps } from './watches.js';
import { WorkQueue } from './workqueue.js';
import { CarriedLists } from './carried.js';

export interface MetacontrollerOptions {
  controllers: ControllerDef[];
  resources: ResourceTable;
  store: Store;
  clock: FakeClock;
  log: EventLog;
  transport: HookEndpoint;
  hookHeaders: Record<string, string>;
  maxCallsPerSettle: number;
  /** Absent: one work item at a time, reading the store itself. */
  schedule?: Schedule;
}

const MAX_BACKOFF_SECONDS = 60;
/** Lifetime of a remembered customize answer in Metacontroller's customize manager. */
const CUSTOMIZE_TTL_MS = 20 * 60 * 1000;

/**
 * The reconcile loop of Metacontroller (reference/metacontroller.md §6) for CompositeControllers
 * and DecoratorControllers. Store writes are only recorded as they happen; `drain()` turns them
 * into work (parent/target, owner, related parents) and runs it.
 *
 * By default one work item runs at a time and reads the store itself, so a test sees events in
 * a single deterministic order. Under a `Schedule` it runs as Metacontroller does: several
 * workers per controller whose syncs interleave, informer caches that apply changes late, writes
 * that race (see `runSchedule`).
 */
export class FakeMetacontroller {
  readonly #deps: MetacontrollerOptions;
  /** Where syncs and event handlers read objects: the store, or the informer caches. */
  readonly #view: ObjectReader;
  readonly #concurrency: Concurrency | undefined;
  readonly #traffic = new Traffic();
  readonly #guard: CycleGuard;
  readonly #hooks: HookCalls;
  readonly #sync: SyncDeps;
  readonly #watch: WatchDeps;
  readonly #work: Work;
  readonly #changes: Delivery<Cause>[] = [];
  readonly #sequence = { next: 0 };
  readonly #queues = new Map<ControllerDef, WorkQueue<QueueEntry>>();
  readonly #scheduled = new Map<string, { controller: ControllerDef; ref: ObjectRef; at: number; why: string }>();
  readonly #failures = new Map<string, number>();

  constructor(options: MetacontrollerOptions) {
    this.#deps = options;
    for (const c of options.controllers) this.#queues.set(c, new WorkQueue<QueueEntry>(this.#sequence));
    const { schedule, clock, log, resources, store } = options;
    this.#concurrency = schedule === undefined ? undefined : startConcurrency(schedule, options.controllers, clock.nowMs());
    this.#view = this.#concurrency?.informers ?? store;
    this.#guard = new CycleGuard(options.controllers, options.maxCallsPerSettle, schedule === undefined, log);
    const carried = new CarriedLists();
    this.#hooks = new HookCalls({
      client: new HookClient(options.transport, options.hookHeaders, clock, this.#traffic, schedule),
      carried,
      guard: this.#guard,
      clock,
      log,
      view: this.#view,
      resources,
      customizeTtlMs: schedule === undefined ? Infinity : CUSTOMIZE_TTL_MS,
    });
    const enqueue = (c: ControllerDef, ref: ObjectRef, cause: Cause): void => this.#enqueue(c, ref, cause);
    const requeueAfter = (c: ControllerDef, ref: ObjectRef, seconds: number, why: string): void => this.#schedule(c, ref, seconds, why);
    this.#sync = { store, view: this.#view, carried, resources, log, hooks: this.#hooks, requeueAfter };
    this.#watch = { controllers: options.controllers, view: this.#view, hooks: this.#hooks, enqueue, everyParent: schedule !== undefined };
    this.#work = {
      queues: this.#queues,
      dispatch: (delivery) => dispatch(this.#watch, delivery),
      reconcile: (c, entry, pause) => this.#reconcile(c, entry.ref, { cause: entry.cause, pause }),
    };
  }

  get errors(): readonly HookFailure[] {
    return this.#hooks.errors;
  }

  get hookCalls(): number {
    return this.#guard.hookCalls;
  }

  get callsPerController(): Readonly<Record<string, number>> {
    return this.#guard.callsPerController;
  }

  /** Store listener: watches are only evaluated in `drain()`. */
  observe(change: StoreChange): void {
    const cause = this.#traffic.cause(describeChange(change), this.#deps.clock.nowMs());
    if (this.#concurrency === undefined) this.#changes.push({ change, cause });
    else this.#concurrency.informers.record(change, cause);
  }

  /** Starts a settle: resets the hot-loop budget and queues every resync that is due. */
  beginSettle(): void {
    this.#guard.beginSettle();
    this.#enqueueDue();
  }

  nextResync(): number | undefined {
    const times = [...this.#scheduled.values()].map((s) => s.at);
    for (const at of this.#concurrency?.periodic.values() ?? []) times.push(at);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Queues every parent of every controller, as a resync does. */
  resyncAll(): void {
    for (const c of this.#deps.controllers) this.#enqueueAll(c, `resync ${c.name}`);
  }

  traffic(): TrafficReport {
    return this.#traffic.report();
  }

  resetTraffic(): void {
    this.#traffic.reset();
  }

  /** Under a schedule: stops (or resumes) one informer from applying changes. */
  holdInformer(type: ResourceType, held: boolean): void {
    this.#require('holdInformer()').informers.hold(type, held);
  }

  /** Processes watch events and work items until both are exhausted. */
  async drain(afterEachSync?: () => Promise<unknown>): Promise<void> {
    if (this.#concurrency !== undefined) {
      await runSchedule(this.#concurrency, this.#work, Infinity);
      return;
    }
    for (;;) {
      const delivery = this.#changes.shift();
      if (delivery !== undefined) {
        await dispatch(this.#watch, delivery);
        continue;
      }
      const oldest = this.#oldestQueue();
      if (oldest === undefined) return;
      const [c, queue] = oldest;
      const taken = queue.take();
      if (taken === undefined) return;
      try {
        await this.#reconcile(c, taken.item.ref, { cause: taken.item.cause, pause: immediately });
      } finally {
        queue.done(taken.key);
      }
      await afterEachSync?.();
    }
  }

  /** Under a schedule: at most `steps` scheduler steps, with due resyncs queued first. */
  async step(steps: number): Promise<number> {
    const concurrency = this.#require('step()');
    this.#enqueueDue();
    return runSchedule(concurrency, this.#work, steps);
  }

  #require(what: string): Concurrency {
    if (this.#concurrency === undefined) throw new Error(`${what} needs a schedule (HarnessOptions.schedule)`);
    return this.#concurrency;
  }

  #oldestQueue(): [ControllerDef, WorkQueue<QueueEntry>] | undefined {
    let oldest: [ControllerDef, WorkQueue<QueueEntry>] | undefined;
    for (const [c, queue] of this.#queues) {
      const head = queue.head();
      if (head !== undefined && (oldest === undefined || head < (oldest[1].head() ?? Infinity))) oldest = [c, queue];
    }
    return oldest;
  }

  /** Delayed requeues that are due, and (under a schedule) the periodic resync of every parent. */
  #enqueueDue(): void {
    const now = this.#deps.clock.nowMs();
    for (const [key, { controller, ref, at, why }] of [...this.#scheduled]) {
      if (at > now) continue;
      this.#scheduled.delete(key);
      this.#enqueue(controller, ref, this.#traffic.cause(`${why} ${controller.name} ${qualifiedName(ref.namespace, ref.name)}`, now));
    }
    const concurrency = this.#concurrency;
    if (concurrency === undefined) return;
    for (const [c, at] of concurrency.periodic) {
      if (at > now) continue;
      const period = resyncPeriodSeconds(c, concurrency.schedule) * 1000;
      concurrency.periodic.set(c, at + Math.ceil((now - at + 1) / period) * period);
      this.#enqueueAll(c, `resync ${c.name}`);
    }
  }

  #enqueueAll(c: ControllerDef, why: string): void {
    const cause = this.#traffic.cause(why, this.#deps.clock.nowMs());
    for (const { type } of c.targets) {
      for (const parent of this.#view.peek(type)) if (manages(c, parent)) this.#enqueue(c, refOf(parent), cause);
    }
  }

  #enqueue(c: ControllerDef, ref: ObjectRef, cause: Cause): void {
    this.#queues.get(c)?.add(itemKey(c, ref), { ref, cause });
  }

  /** A delayed requeue; like client-go's AddAfter, an earlier pending time wins. */
  #schedule(c: ControllerDef, ref: ObjectRef, seconds: number, why: string): void {
    const key = itemKey(c, ref);
    const at = this.#deps.clock.nowMs() + Math.ceil(seconds * 1000);
    const pending = this.#scheduled.get(key);
    if (pending === undefined || at < pending.at) this.#scheduled.set(key, { controller: c, ref, at, why });
  }

  /** One sync; a failure is recorded and retried with exponential backoff, a 429 after Retry-After. */
  async #reconcile(c: ControllerDef, ref: ObjectRef, context: SyncContext): Promise<void> {
    const trace: SyncTrace = { hook: 'sync', statusCode: 0, body: '' };
    const key = itemKey(c, ref);
    try {
      if (c.type === 'CompositeController') await syncComposite(this.#sync, c, ref, trace, context);
      else await syncDecorator(this.#sync, c, ref, trace, context);
      this.#failures.delete(key);
    } catch (err) {
      if (err instanceof ThrottledError) {
        this.#deps.log.push({ type: 'throttled', hook: trace.hook, controller: c.name, object: ref });
        if (err.retryAfterSeconds > 0) this.#schedule(c, ref, err.retryAfterSeconds, 'throttled');
        else this.#enqueue(c, ref, context.cause);
        return;
      }
      if (!(err instanceof HookError || err instanceof ApiError || err instanceof SyncError)) throw err;
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      this.#hooks.recordFailure(c, ref, trace, err);
      this.#schedule(c, ref, Math.min(2 ** (failures - 1), MAX_BACKOFF_SECONDS), 'retry');
    }
  }
}

function itemKey(c: ControllerDef, ref: ObjectRef): string {
  return `${c.type}/${c.name}|${ref.apiVersion}|${ref.kind}|${ref.namespace}|${ref.name}`;
}
