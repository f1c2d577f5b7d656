import { createHash } from 'node:crypto';
import { controllerRef, DECORATOR_ANNOTATION, manageChildren, observedChildren } from './children.js';
import type { FakeClock } from './clock.js';
import { ApiError, HookError, SyncError, ThrottledError } from './errors.js';
import type { EventLog } from './events.js';
import { HookClient, type HookName, type SyncTrace } from './hookclient.js';
import { Informers, type Delivery, type ObjectReader } from './informers.js';
import type { CompositeControllerDef, ControllerDef, DecoratorControllerDef, HookSpec, ResourceTable, ResourceType } from './manifests.js';
import { buildObjectMap, type ObjectGroup } from './objectmap.js';
import { ruleMatches, selectRelated, type RelatedScope } from './related.js';
import {
  decodeCompositeResponse,
  decodeCustomizeResponse,
  decodeDecoratorResponse,
  type RelatedRule,
} from './responses.js';
import { DEFAULT_INFORMER_LAG, DEFAULT_WORKERS, Prng, resyncPeriodSeconds, type Schedule } from './schedule.js';
import { decodeLabelSelector, matchesSelector, type LabelSelector } from './selectors.js';
import type { Store, StoreChange } from './store.js';
import { Task } from './task.js';
import { describeChange, Traffic, type Cause, type TrafficReport } from './traffic.js';
import type { HookTransport } from './transport.js';
import { clone, deepEqual, describe, isRecord, mergeStringMap, qualifiedName, refOf, type KubeObject, type ObjectRef } from './types.js';
import { WorkQueue } from './workqueue.js';

export type { HookName } from './hookclient.js';

/** A failed sync as Metacontroller would report it in a SyncError event. */
export interface HookFailure {
  controller: string;
  hook: HookName;
  /** `ns/name` of the parent or target (`name` when cluster-scoped). */
  object: string;
  /** 0 when the hook was never reached; 200 when the answer was unusable or could not be applied. */
  statusCode: number;
  body: string;
  message: string;
  /**
   * `hook`: no usable answer (transport, status code, decoding); `sync`: the answer could not
   * be applied (selectors, related rules, children); `api`: a write of Metacontroller's own
   * was refused, as happens when its cache is behind (the object is gone or changed).
   */
  origin: 'hook' | 'sync' | 'api';
}

export interface MetacontrollerOptions {
  controllers: ControllerDef[];
  resources: ResourceTable;
  store: Store;
  clock: FakeClock;
  log: EventLog;
  transport: HookTransport;
  hookHeaders: Record<string, string>;
  maxCallsPerSettle: number;
  /** Absent: one work item at a time, reading the store itself. */
  schedule?: Schedule;
}

interface QueueEntry {
  ref: ObjectRef;
  cause: Cause;
}

/** One sync's cause (for the traffic counters) and how it lets other work run. */
interface SyncContext {
  cause: Cause;
  pause: () => Promise<void>;
}

/** The moving parts of a realistic schedule. */
interface Concurrency {
  schedule: Schedule;
  prng: Prng;
  informers: Informers<Cause>;
  workers: number;
  /** Syncs in flight, each paused at an API or hook call. */
  tasks: Task<string>[];
  /** Next periodic resync of every parent, per controller, in fake epoch ms. */
  periodic: Map<ControllerDef, number>;
}

const MAX_BACKOFF_SECONDS = 60;
/** How often one settle may send the very same request to one hook before it is a hot loop. */
const REPEATS_ALLOWED = 3;
const GC_FINALIZERS: readonly string[] = ['foregroundDeletion', 'orphan'];
/** Lifetime of a remembered customize answer in Metacontroller's customize manager. */
const CUSTOMIZE_TTL_MS = 20 * 60 * 1000;
/** client-go's retry.DefaultBackoff: attempts of a status update that keeps conflicting. */
const STATUS_ATTEMPTS = 4;
const immediately = (): Promise<void> => Promise.resolve();

/**
 * The reconcile loop of Metacontroller (reference/metacontroller.md §6) for CompositeControllers
 * and DecoratorControllers. Store writes are only recorded as they happen; `drain()` turns them
 * into work (parent/target, owner, related parents) and runs it.
 *
 * By default one work item runs at a time and reads the store itself, so a test sees events in
 * a single deterministic order. Under a `Schedule` it runs as Metacontroller does: several
 * workers per controller whose syncs interleave, informer caches that apply changes late, writes
 * that race (see `#run`).
 */
export class FakeMetacontroller {
  readonly errors: HookFailure[] = [];
  readonly callsPerController: Record<string, number> = {};
  hookCalls = 0;
  readonly #deps: MetacontrollerOptions;
  /** Where syncs and event handlers read objects: the store, or the informer caches. */
  readonly #view: ObjectReader;
  readonly #concurrency: Concurrency | undefined;
  readonly #traffic = new Traffic();
  readonly #hooks: HookClient;
  readonly #changes: Delivery<Cause>[] = [];
  readonly #sequence = { next: 0 };
  readonly #queues = new Map<ControllerDef, WorkQueue<QueueEntry>>();
  readonly #scheduled = new Map<string, { controller: ControllerDef; ref: ObjectRef; at: number; why: string }>();
  readonly #failures = new Map<string, number>();
  readonly #customizeCache = new Map<string, { generation: number; rules: RelatedRule[]; expiresMs: number }>();
  #settleCalls = new Map<string, number>();
  #settleRequests = new Map<string, number>();
  #settleTotal = 0;

  constructor(options: MetacontrollerOptions) {
    this.#deps = options;
    for (const c of options.controllers) {
      this.callsPerController[c.name] = 0;
      this.#queues.set(c, new WorkQueue<QueueEntry>(this.#sequence));
    }
    this.#hooks = new HookClient(options.transport, options.hookHeaders, options.clock, this.#traffic, options.schedule);
    const schedule = options.schedule;
    if (schedule === undefined) {
      this.#view = options.store;
      return;
    }
    const prng = new Prng(schedule.seed);
    const informers = new Informers<Cause>(prng, schedule.informerLag ?? DEFAULT_INFORMER_LAG);
    const now = options.clock.nowMs();
    this.#concurrency = {
      schedule,
      prng,
      informers,
      workers: Math.max(1, Math.floor(schedule.workers ?? DEFAULT_WORKERS)),
      tasks: [],
      periodic: new Map(options.controllers.map((c) => [c, now + resyncPeriodSeconds(c, schedule) * 1000])),
    };
    this.#view = informers;
  }

  /** Store listener: watches are only evaluated in `drain()`. */
  observe(change: StoreChange): void {
    const cause = this.#traffic.cause(describeChange(change), this.#deps.clock.nowMs());
    if (this.#concurrency === undefined) this.#changes.push({ change, cause });
    else this.#concurrency.informers.record(change, cause);
  }

  /** Starts a settle: resets the hot-loop budget and queues every resync that is due. */
  beginSettle(): void {
    this.#settleCalls = new Map();
    this.#settleRequests = new Map();
    this.#settleTotal = 0;
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
  async drain(): Promise<void> {
    if (this.#concurrency !== undefined) {
      await this.#run(this.#concurrency, Infinity);
      return;
    }
    for (;;) {
      const delivery = this.#changes.shift();
      if (delivery !== undefined) {
        await this.#dispatch(delivery);
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
    }
  }

  /** Under a schedule: at most `steps` scheduler steps, with due resyncs queued first. */
  async step(steps: number): Promise<number> {
    const concurrency = this.#require('step()');
    this.#enqueueDue();
    return this.#run(concurrency, steps);
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

  /**
   * The realistic schedule. Each step the PRNG picks one of: an informer applies its oldest
   * change that has waited long enough (and its event handlers run); a worker takes the next
   * item of its controller's queue and runs it to its first API or hook call; a paused sync
   * runs to its next one. Returns the number of steps taken, fewer when everything is done.
   */
  async #run(concurrency: Concurrency, maxSteps: number): Promise<number> {
    const { informers, prng, workers } = concurrency;
    let taken = 0;
    while (taken < maxSteps) {
      const actions: (() => Promise<void>)[] = [];
      for (const key of informers.ready()) actions.push(() => this.#deliver(informers, key));
      for (const task of concurrency.tasks) actions.push(() => this.#resume(concurrency, task));
      for (const [c, queue] of this.#queues) {
        if (queue.length > 0 && queue.busy < workers) actions.push(() => this.#start(concurrency, c, queue));
      }
      if (actions.length === 0) {
        if (informers.fastForward()) continue;
        return taken;
      }
      const action = actions[prng.below(actions.length)];
      informers.tick();
      if (action !== undefined) await action();
      taken += 1;
    }
    return taken;
  }

  async #deliver(informers: Informers<Cause>, key: string): Promise<void> {
    const delivery = informers.apply(key);
    if (delivery !== undefined) await this.#dispatch(delivery);
  }

  async #start(concurrency: Concurrency, c: ControllerDef, queue: WorkQueue<QueueEntry>): Promise<void> {
    const taken = queue.take();
    if (taken === undefined) return;
    const task = await Task.start(taken.key, async (pause) => {
      try {
        await this.#reconcile(c, taken.item.ref, { cause: taken.item.cause, pause });
      } finally {
        queue.done(taken.key);
      }
    });
    this.#track(concurrency, task);
  }

  async #resume(concurrency: Concurrency, task: Task<string>): Promise<void> {
    await task.resume();
    this.#track(concurrency, task);
  }

  #track(concurrency: Concurrency, task: Task<string>): void {
    const index = concurrency.tasks.indexOf(task);
    if (!task.finished) {
      if (index < 0) concurrency.tasks.push(task);
      return;
    }
    if (index >= 0) concurrency.tasks.splice(index, 1);
    task.rethrow();
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
      for (const parent of this.#view.peek(type)) if (this.#manages(c, parent)) this.#enqueue(c, refOf(parent), cause);
    }
  }

  async #dispatch({ change: { before, after }, cause }: Delivery<Cause>): Promise<void> {
    const obj = after ?? before;
    if (obj === undefined) return;
    for (const c of this.#deps.controllers) {
      const target = targetRule(c, obj);
      if (target !== undefined && !(target.ignoreStatusChanges && before && after && onlyStatusChanged(before, after))) {
        this.#enqueue(c, refOf(obj), cause);
      }
      if (c.children.some((r) => sameType(r.type, obj))) {
        for (const version of [before, after]) {
          const owner = version === undefined ? undefined : this.#ownerOf(c, version);
          if (owner !== undefined) this.#enqueue(c, refOf(owner), cause);
        }
      }
      if (c.hooks.customize !== undefined) await this.#enqueueRelatedParents(c, before, after, cause);
    }
  }

  #ownerOf(c: ControllerDef, child: KubeObject): KubeObject | undefined {
    const ref = controllerRef(child);
    if (ref === undefined) return undefined;
    if (c.type === 'DecoratorController' && child.metadata.annotations?.[DECORATOR_ANNOTATION] !== c.name) return undefined;
    const owner = this.#view.getByUid(ref.uid);
    return owner !== undefined && targetRule(c, owner) !== undefined ? owner : undefined;
  }

  /**
   * Metacontroller's findRelatedParents: every parent whose rules match the old or new object.
   * Metacontroller asks for the rules of every parent its informer holds and drops the parents
   * it ignores only when enqueuing; the default schedule skips those up front.
   */
  async #enqueueRelatedParents(c: ControllerDef, before: KubeObject | undefined, after: KubeObject | undefined, cause: Cause): Promise<void> {
    for (const { type } of c.targets) {
      // Read in place, not copied: with thousands of parents a copy of each costs more than the match.
      for (const parent of this.#view.peek(type)) {
        const managed = this.#manages(c, parent);
        if (!managed && this.#concurrency === undefined) continue;
        let rules: RelatedRule[];
        try {
          rules = await this.#customize(c, parent, { hook: 'customize', statusCode: 0, body: '' }, { cause, pause: immediately });
        } catch (err) {
          // Throttled: the parent's own sync retries customize later, after Retry-After.
          if (err instanceof ThrottledError) continue;
          if (!(err instanceof HookError)) throw err;
          this.#recordFailure(c, parent, { hook: 'customize', statusCode: err.statusCode, body: err.body }, err);
          continue;
        }
        const scope = this.#scope(c, parent, type);
        const matches = (obj: KubeObject | undefined): boolean => {
          if (obj === undefined) return false;
          try {
            return rules.some((rule) => ruleMatches(rule, obj, scope));
          } catch {
            // An invalid rule matches nothing here; the parent's own sync reports it.
            return false;
          }
        };
        if (managed && (matches(before) || matches(after))) this.#enqueue(c, refOf(parent), cause);
      }
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

  async #reconcile(c: ControllerDef, ref: ObjectRef, context: SyncContext): Promise<void> {
    const trace: SyncTrace = { hook: 'sync', statusCode: 0, body: '' };
    const key = itemKey(c, ref);
    try {
      if (c.type === 'CompositeController') await this.#syncComposite(c, ref, trace, context);
      else await this.#syncDecorator(c, ref, trace, context);
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
      this.#recordFailure(c, ref, trace, err);
      this.#schedule(c, ref, Math.min(2 ** (failures - 1), MAX_BACKOFF_SECONDS), 'retry');
    }
  }

  async #syncComposite(c: CompositeControllerDef, ref: ObjectRef, trace: SyncTrace, context: SyncContext): Promise<void> {
    const start = await this.#prepare(c, ref, context);
    if (start === undefined) return;
    const { parent, hookName, hook } = start;
    const type = c.targets[0].type;
    const children = observedChildren(this.#view, parent, c.children);
    const related = await this.#related(c, parent, type, trace, context);
    const answer = await this.#call(c, hookName, hook, parent, trace, context, {
      controller: c.object,
      parent,
      children: buildObjectMap(parent, children, hook.version),
      related: buildObjectMap(parent, related, hook.version),
      finalizing: hookName === 'finalize',
    }, (v) => decodeCompositeResponse(v, hook.strict));
    if (answer.resyncAfterSeconds > 0) this.#schedule(c, ref, answer.resyncAfterSeconds, 'resyncAfter');

    let current = parent;
    if (answer.finalized && hasFinalizer(current, c.finalizer)) {
      await context.pause();
      current = this.#atomicUpdate(current, (live) => setFinalizer(live, c.finalizer, false));
    }
    const desired = this.#desiredChildren(c, current, answer.children);
    let manageError: unknown;
    if (current.metadata.deletionTimestamp === undefined || shouldFinalize(c, current)) {
      await context.pause();
      try {
        manageChildren(this.#deps.store, current, c.children, children, desired);
      } catch (err) {
        manageError = err;
      }
    }
    // Replace, not merge; observedGeneration is always Metacontroller's.
    await this.#updateParentStatus(current, { ...answer.status, observedGeneration: current.metadata.generation }, context);
    if (manageError !== undefined) throw manageError;
  }

  /**
   * AtomicStatusUpdate: read the live parent, replace its status when it differs, and start
   * over when someone wrote in between. A parent gone (or replaced by a namesake) is left
   * alone, and so is one that keeps conflicting: its next watch event syncs it again.
   */
  async #updateParentStatus(parent: KubeObject, status: Record<string, unknown>, context: SyncContext): Promise<void> {
    const ref = refOf(parent);
    const live = (): KubeObject | undefined => {
      const found = this.#deps.store.get(ref);
      return found?.metadata.uid === parent.metadata.uid ? found : undefined;
    };
    for (let attempt = 0; attempt < STATUS_ATTEMPTS; attempt++) {
      const read = live();
      if (read === undefined || deepEqual(read.status, status)) return;
      await context.pause();
      const now = live();
      if (now === undefined) return;
      if (now.metadata.resourceVersion !== read.metadata.resourceVersion) {
        this.#deps.log.push({ type: 'conflict', write: 'status', object: ref });
        continue;
      }
      this.#deps.store.updateStatus(ref, status);
      return;
    }
  }

  /** Namespace defaults, the generated `controller-uid` label, and the selector invariant. */
  #desiredChildren(c: CompositeControllerDef, parent: KubeObject, children: KubeObject[]): KubeObject[] {
    const uid = parent.metadata.uid ?? '';
    const selector = c.generateSelector ? { matchLabels: { 'controller-uid': uid } } : parentSelector(parent);
    return children.map((child) => {
      const out = this.#withNamespace(parent, child);
      if (c.generateSelector && out.metadata.labels?.['controller-uid'] === undefined) {
        out.metadata.labels = { ...out.metadata.labels, 'controller-uid': uid };
      }
      if (!matchesSelector(selector, out.metadata.labels)) {
        throw new SyncError(`labels on desired child ${describe(out)} don't match parent selector`);
      }
      return out;
    });
  }

  async #syncDecorator(c: DecoratorControllerDef, ref: ObjectRef, trace: SyncTrace, context: SyncContext): Promise<void> {
    const start = await this.#prepare(c, ref, context);
    if (start === undefined) return;
    const { parent: target, hookName, hook, type } = start;
    const attachments = observedChildren(this.#view, target, c.children, c.name);
    const related = await this.#related(c, target, type, trace, context);
    const answer = await this.#call(c, hookName, hook, target, trace, context, {
      controller: c.object,
      object: target,
      attachments: buildObjectMap(target, attachments, hook.version),
      related: buildObjectMap(target, related, hook.version),
      finalizing: hookName === 'finalize',
    }, (v) => decodeDecoratorResponse(v, hook.strict));
    if (answer.resyncAfterSeconds > 0) this.#schedule(c, ref, answer.resyncAfterSeconds, 'resyncAfter');

    const labels = mergeStringMap(target.metadata.labels, answer.labels);
    const annotations = mergeStringMap(target.metadata.annotations, answer.annotations);
    // A null status leaves the target's status alone; anything else replaces it.
    const status = answer.status ?? target.status;
    const statusChanged = !deepEqual(target.status, status);
    const finalize = answer.finalized && hasFinalizer(target, c.finalizer);
    if (statusChanged || finalize || !deepEqual(labels, target.metadata.labels ?? {}) || !deepEqual(annotations, target.metadata.annotations ?? {})) {
      const next = clone(target);
      next.metadata.labels = labels;
      next.metadata.annotations = annotations;
      if (finalize) next.metadata.finalizers = without(target, c.finalizer);
      if (status !== undefined) next.status = status;
      await context.pause();
      try {
        // Both writes carry the resourceVersion of the target as the hook saw it.
        if (statusChanged && type.statusSubresource) {
          this.#expectVersion(next);
          next.metadata.resourceVersion = this.#deps.store.updateStatus(ref, status).metadata.resourceVersion;
          await context.pause();
        }
        this.#expectVersion(next);
        this.#deps.store.update(next);
      } catch (err) {
        // Metacontroller gives up quietly when the target vanished or changed mid-sync, and does
        // not retry: the watch event of whatever changed it brings the next sync.
        if (!(err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'Conflict'))) throw err;
        if (err.reason === 'Conflict') this.#deps.log.push({ type: 'conflict', write: 'update', object: refOf(target) });
        return;
      }
    }
    const desired = answer.attachments.map((a) => {
      const out = this.#withNamespace(target, a);
      out.metadata.annotations = { ...out.metadata.annotations, [DECORATOR_ANNOTATION]: c.name };
      return out;
    });
    // Decided on the target as the hook saw it, as Metacontroller does.
    if (target.metadata.deletionTimestamp === undefined || shouldFinalize(c, target)) {
      await context.pause();
      manageChildren(this.#deps.store, target, c.children, attachments, desired);
    }
  }

  /** An update's resourceVersion precondition, as the API server checks it. */
  #expectVersion(obj: KubeObject): void {
    const live = this.#deps.store.get(refOf(obj));
    if (live === undefined || live.metadata.uid !== obj.metadata.uid) throw new ApiError('NotFound', `${describe(obj)} not found`);
    if (live.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      throw new ApiError('Conflict', `Operation cannot be fulfilled on ${describe(obj)}: the object has been modified; please apply your changes to the latest version and try again`);
    }
  }

  /** AtomicUpdate: the change applied to the live object (of the same uid), written if it changed anything. */
  #atomicUpdate(obj: KubeObject, change: (live: KubeObject) => boolean): KubeObject {
    const live = this.#deps.store.get(refOf(obj));
    if (live === undefined || live.metadata.uid !== obj.metadata.uid) throw new ApiError('NotFound', `${describe(obj)} not found`);
    return change(live) ? this.#deps.store.update(live) : live;
  }

  /**
   * Steps shared by both controller kinds up to the hook call: selector filtering, finalizer
   * add/remove (a real write, before anything else), and the choice of sync or finalize.
   */
  async #prepare(
    c: ControllerDef,
    ref: ObjectRef,
    context: SyncContext,
  ): Promise<{ parent: KubeObject; hookName: 'sync' | 'finalize'; hook: HookSpec; type: ResourceType } | undefined> {
    const found = this.#view.get(ref);
    if (found === undefined) return undefined;
    const type = targetRule(c, found)?.type;
    if (type === undefined || !this.#manages(c, found)) return undefined;
    let parent = found;
    const enabled = c.hooks.finalize !== undefined;
    if (hasFinalizer(parent, c.finalizer) !== enabled && (!enabled || parent.metadata.deletionTimestamp === undefined)) {
      await context.pause();
      parent = this.#atomicUpdate(parent, (live) => setFinalizer(live, c.finalizer, enabled));
    }
    if (!this.#manages(c, parent)) return undefined;
    const finalizing = enabled && (parent.metadata.deletionTimestamp !== undefined || !this.#selected(c, parent));
    const hookName = finalizing ? 'finalize' : 'sync';
    const hook = c.hooks[hookName];
    return hook === undefined ? undefined : { parent, hookName, hook, type };
  }

  /** Selected by the controller's selectors, or still carrying its finalizer (opt-out finalize). */
  #manages(c: ControllerDef, obj: KubeObject): boolean {
    return this.#selected(c, obj) || hasFinalizer(obj, c.finalizer);
  }

  #selected(c: ControllerDef, obj: KubeObject): boolean {
    const rule = targetRule(c, obj);
    return (
      rule !== undefined &&
      matchesSelector(rule.labelSelector, obj.metadata.labels) &&
      matchesSelector(rule.annotationSelector, obj.metadata.annotations)
    );
  }

  #withNamespace(parent: KubeObject, child: KubeObject): KubeObject {
    const out = clone(child);
    const parentNs = parent.metadata.namespace ?? '';
    if ((out.metadata.namespace ?? '') === '' && parentNs !== '') out.metadata.namespace = parentNs;
    const childNs = out.metadata.namespace ?? '';
    const childType = this.#deps.resources.byKind(out.apiVersion, out.kind);
    if (parentNs !== '' && childType?.namespaced === true && childNs !== parentNs) {
      throw new SyncError(`${describe(out)}: a namespaced parent can only own children in its own namespace ${parentNs}`);
    }
    return out;
  }

  async #related(c: ControllerDef, parent: KubeObject, type: ResourceType, trace: SyncTrace, context: SyncContext): Promise<ObjectGroup[]> {
    if (c.hooks.customize === undefined) return [];
    const rules = await this.#customize(c, parent, trace, context);
    try {
      return selectRelated(rules, this.#scope(c, parent, type));
    } catch (err) {
      throw new SyncError(`can't get related objects: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Cached per (parent uid, generation), as Metacontroller's customize manager does; under a
   * schedule an answer is also forgotten after its 20 minutes (fake time).
   */
  async #customize(c: ControllerDef, parent: KubeObject, trace: SyncTrace, context: SyncContext): Promise<RelatedRule[]> {
    const hook = c.hooks.customize;
    if (hook === undefined) return [];
    const key = `${c.name}|${parent.metadata.uid ?? ''}`;
    const generation = parent.metadata.generation ?? 0;
    const now = this.#deps.clock.nowMs();
    const cached = this.#customizeCache.get(key);
    if (cached !== undefined && cached.generation === generation && cached.expiresMs > now) return cached.rules;
    const answer = await this.#call(c, 'customize', hook, parent, trace, context, { controller: c.object, parent }, (v) =>
      decodeCustomizeResponse(v, hook.strict),
    );
    const expiresMs = this.#concurrency === undefined ? Infinity : now + CUSTOMIZE_TTL_MS;
    this.#customizeCache.set(key, { generation, rules: answer.relatedResources, expiresMs });
    return answer.relatedResources;
  }

  #scope(c: ControllerDef, parent: KubeObject, type: ResourceType): RelatedScope {
    return {
      parent,
      parentNamespaced: type.namespaced,
      version: c.hooks.customize?.version ?? 'v1',
      store: this.#view,
      resources: this.#deps.resources,
    };
  }

  async #call<T>(
    c: ControllerDef,
    hookName: HookName,
    hook: HookSpec,
    obj: KubeObject,
    trace: SyncTrace,
    context: SyncContext,
    request: unknown,
    decode: (value: unknown) => T,
  ): Promise<T> {
    const subject = `${hookName} ${c.name} ${qualifiedName(obj.metadata.namespace ?? '', obj.metadata.name)}`;
    this.#countCall(c, subject, request);
    this.#deps.log.push({ type: 'hook', hook: hookName, controller: c.name, object: refOf(obj) });
    trace.hook = hookName;
    trace.statusCode = 0;
    trace.body = '';
    const { value, text } = await this.#hooks.call({ controller: c, hookName, hook, root: obj, request, cause: context.cause, pause: context.pause }, trace);
    try {
      return decode(value);
    } catch (err) {
      throw new HookError(`can't decode ${hookName} response: ${err instanceof Error ? err.message : String(err)}`, 200, text);
    }
  }

  /**
   * Two guards tell a hot loop from a long run: the same request to the same hook seen again
   * more than REPEATS_ALLOWED times in one settle means the world is cycling (a converging
   * controller sends a request once it has answered it, and no change comes back); and a cap
   * on all calls of one settle catches answers that change on every call without repeating.
   */
  #countCall(c: ControllerDef, subject: string, request: unknown): void {
    this.hookCalls += 1;
    this.callsPerController[c.name] = (this.callsPerController[c.name] ?? 0) + 1;
    this.#settleTotal += 1;
    this.#settleCalls.set(subject, (this.#settleCalls.get(subject) ?? 0) + 1);
    // Under a realistic schedule a lagging cache legitimately repeats a request until it catches
    // up, so only the default schedule looks for repeats (and pays for the fingerprint).
    if (this.#concurrency === undefined) {
      // resourceVersion changes on every write, whatever was written: it is not part of the state.
      const state = JSON.stringify(request, (key, value: unknown) => (key === 'resourceVersion' ? undefined : value));
      const fingerprint = `${subject}|${createHash('sha256').update(state).digest('base64')}`;
      const seen = (this.#settleRequests.get(fingerprint) ?? 0) + 1;
      this.#settleRequests.set(fingerprint, seen);
      if (seen > REPEATS_ALLOWED) {
        throw new Error(`settle(): hot loop — ${subject} was sent the same request ${seen} times in one settle: its answers make the cluster go round in a cycle. Last events: ${this.#deps.log.recent(12)}`);
      }
    }
    if (this.#settleTotal <= this.#deps.maxCallsPerSettle) return;
    const top = [...this.#settleCalls]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([s, n]) => `${s} ×${n}`)
      .join(', ');
    const recent = this.#deps.log.recent(12);
    throw new Error(
      `settle(): more than ${this.#deps.maxCallsPerSettle} hook calls without reaching a steady state — a hook answer probably changes on every call (hot loop). Most called: ${top}. Last events: ${recent}`,
    );
  }

  #recordFailure(c: ControllerDef, obj: KubeObject | ObjectRef, trace: SyncTrace, err: HookError | ApiError | SyncError): void {
    const ref = 'metadata' in obj ? refOf(obj) : obj;
    const object = qualifiedName(ref.namespace, ref.name);
    const origin = err instanceof HookError ? 'hook' : err instanceof ApiError ? 'api' : 'sync';
    this.errors.push({ controller: c.name, hook: trace.hook, object, statusCode: trace.statusCode, body: trace.body, message: err.message, origin });
    this.#deps.log.push({ type: 'hook-error', hook: trace.hook, controller: c.name, object: ref, message: err.message });
  }
}

function itemKey(c: ControllerDef, ref: ObjectRef): string {
  return `${c.type}/${c.name}|${ref.apiVersion}|${ref.kind}|${ref.namespace}|${ref.name}`;
}

function sameType(type: ResourceType, obj: KubeObject): boolean {
  return type.apiVersion === obj.apiVersion && type.kind === obj.kind;
}

function targetRule(c: ControllerDef, obj: KubeObject): ControllerDef['targets'][number] | undefined {
  return c.targets.find((t) => sameType(t.type, obj));
}

/** `ignoreStatusChanges` drops updates that touch neither generation, labels, annotations nor deletion. */
function onlyStatusChanged(before: KubeObject, after: KubeObject): boolean {
  const b = before.metadata;
  const a = after.metadata;
  return (
    b.generation === a.generation &&
    deepEqual(b.labels, a.labels) &&
    deepEqual(b.annotations, a.annotations) &&
    b.deletionTimestamp === a.deletionTimestamp
  );
}

/** Without generateSelector the parent must carry a non-empty `spec.selector`. */
function parentSelector(parent: KubeObject): LabelSelector {
  const raw = isRecord(parent.spec) ? parent.spec.selector : undefined;
  const missing = new SyncError(`${describe(parent)}: .spec.selector must have either matchLabels, matchExpressions, or both`);
  if (raw === undefined || raw === null) throw missing;
  let selector: LabelSelector;
  try {
    selector = decodeLabelSelector(raw, `${describe(parent)}: .spec.selector`, false);
  } catch (err) {
    throw new SyncError(err instanceof Error ? err.message : String(err));
  }
  if (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0) throw missing;
  return selector;
}

function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

function without(obj: KubeObject, finalizer: string): string[] {
  return (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
}

/** Adds or removes a finalizer in place; false when there was nothing to do. */
function setFinalizer(obj: KubeObject, finalizer: string, present: boolean): boolean {
  if (hasFinalizer(obj, finalizer) === present) return false;
  obj.metadata.finalizers = present ? [...(obj.metadata.finalizers ?? []), finalizer] : without(obj, finalizer);
  return true;
}

/** Children are managed while deleting only with our finalizer present and no GC finalizer. */
function shouldFinalize(c: ControllerDef, obj: KubeObject): boolean {
  const finalizers = obj.metadata.finalizers ?? [];
  return c.hooks.finalize !== undefined && finalizers.includes(c.finalizer) && !finalizers.some((f) => GC_FINALIZERS.includes(f));
}
