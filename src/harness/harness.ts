import { ApiServer } from './apiserver/server.js';
import { ClientApply } from './client-apply.js';
import { FakeClock, WallClock } from './clock.js';
import { EventLog, type HarnessEvent } from './events.js';
import type { HookFailure } from './hook-calls.js';
import { FakeKubelet } from './kubelet.js';
import { loadManifests, type Manifests } from './manifests.js';
import { FakeMetacontroller } from './metacontroller.js';
import type { HarnessOptions } from './options.js';
import { processRunner } from './runner-process.js';
import { Store, type StoreChange } from './store.js';
import type { TrafficReport } from './traffic.js';
import { clone, mergeStringMap, type KubeObject, type ObjectRef } from './types.js';

const DEFAULT_START = new Date('2026-01-01T00:00:00Z');

/**
 * A cluster in a box for hook servers: a fake API server, Metacontroller and kubelet, driven
 * in fake time. Mutations (`apply`, `delete`, …) only record watch events; `settle()` and
 * `advance()` let the controllers react, so every test reads as "change, settle, assert".
 */
export class ContractHarness {
  readonly manifests: Manifests;
  readonly kubelet: FakeKubelet;
  readonly #clock: FakeClock;
  readonly #log = new EventLog();
  readonly #store: Store;
  readonly #mc: FakeMetacontroller;
  readonly #kubectl: ClientApply;
  readonly #apiPort: number;
  readonly #kubeletEverySync: boolean;
  #apiServer: Promise<ApiServer> | undefined;

  private constructor(manifests: Manifests, options: HarnessOptions) {
    this.manifests = manifests;
    this.#apiPort = options.apiPort ?? 0;
    this.#kubeletEverySync = options.kubeletEverySync === true;
    if (this.#kubeletEverySync && options.schedule !== undefined) {
      throw new Error('kubeletEverySync: the kubelet takes its round between syncs only without a schedule');
    }
    const start = options.start ?? DEFAULT_START;
    this.#clock = options.wallClock === true ? new WallClock(start) : new FakeClock(start);
    this.#store = new Store(manifests.resources, this.#clock, this.#log, (change) => this.#mc.observe(change));
    this.#kubectl = new ClientApply(this.#store);
    this.#mc = new FakeMetacontroller({
      controllers: manifests.controllers,
      resources: manifests.resources,
      store: this.#store,
      clock: this.#clock,
      log: this.#log,
      transport: options.transport,
      hookHeaders: options.hookHeaders ?? {},
      maxCallsPerSettle: options.maxSyncsPerSettle ?? 100_000,
      ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
    });
    this.kubelet = new FakeKubelet(
      this.#store,
      this.#clock,
      this.#log,
      options.kubelet ?? (() => ({ outcome: 'succeed' })),
      options.runner ?? processRunner(() => this.apiServer()),
      options.endJobsAtOnce === true,
    );
  }

  static async create(options: HarnessOptions): Promise<ContractHarness> {
    return new ContractHarness(await loadManifests(options.manifestsDir), options);
  }

  /**
   * The harness's objects behind the Kubernetes REST API on a loopback port, started on first
   * use: real clients (the runner, kubectl) read and write the objects the controllers see.
   */
  apiServer(): Promise<ApiServer> {
    this.#apiServer ??= ApiServer.start(this.#store, this.manifests.resources, this.#apiPort);
    return this.#apiServer;
  }

  /** Stops the API server, if it was started. */
  async close(): Promise<void> {
    const server = this.#apiServer;
    this.#apiServer = undefined;
    if (server !== undefined) await (await server).close();
  }

  /** Hook failures in order, as Metacontroller's SyncError events would report them. */
  get errors(): readonly HookFailure[] {
    return this.#mc.errors;
  }

  /** Timeline as lines: `sync drplan default/p1`, `create Job default/x`, `status DRPlan default/p1`, … */
  get events(): readonly string[] {
    return this.#log.lines;
  }

  /** The same timeline as typed events, one for each line of `events`. */
  get timeline(): readonly HarnessEvent[] {
    return this.#log.events;
  }

  get hookCalls(): number {
    return this.#mc.hookCalls;
  }

  get hookCallsPerController(): Readonly<Record<string, number>> {
    return this.#mc.callsPerController;
  }

  /** Hook calls and request bytes per hook and per cause (store change, resync, retry). */
  traffic(): TrafficReport {
    return this.#mc.traffic();
  }

  /** Starts a new traffic measurement. */
  resetTraffic(): void {
    this.#mc.resetTraffic();
  }

  /** Sees every effective store write as it happens (the stored objects, frozen), until the returned function is called. */
  watch(listener: (change: StoreChange) => void): () => void {
    return this.#store.subscribe(listener);
  }

  /**
   * Under a schedule: lets the controllers take at most `steps` scheduler steps (no kubelet),
   * leaving syncs in flight and changes unseen, so a test can act in the middle. Returns the
   * steps taken: fewer when everything was done.
   */
  step(steps: number): Promise<number> {
    return this.#mc.step(steps);
  }

  /** Under a schedule: the informer of `kind` stops applying changes (a watch fallen behind). */
  holdInformer(kind: string): void {
    this.#mc.holdInformer(this.manifests.resources.byKindName(kind), true);
  }

  releaseInformer(kind: string): void {
    this.#mc.holdInformer(this.manifests.resources.byKindName(kind), false);
  }

  /** One more round: every parent of every controller is synced again, then settled. */
  async resyncAll(): Promise<void> {
    this.#mc.resyncAll();
    await this.settle();
  }

  now(): Date {
    return this.#clock.now();
  }

  /** `kubectl apply` (`ClientApply`); returns a copy of the object as stored. */
  apply(input: KubeObject): KubeObject {
    return clone(this.#kubectl.apply(input));
  }

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    const found = this.#store.get(this.#ref(kind, namespace, name));
    return found === undefined ? undefined : clone(found);
  }

  /**
   * The stored object itself, frozen, not a copy: for a reader that only looks, many times over
   * (a rehearsal's timeline looks after every hook call).
   */
  peek(kind: string, namespace: string, name: string): Readonly<KubeObject> | undefined {
    return this.#store.get(this.#ref(kind, namespace, name));
  }

  list(kind: string, namespace?: string): KubeObject[] {
    return this.#store.list(this.manifests.resources.byKindName(kind), namespace).map(clone);
  }

  /** `kubectl delete`: with finalizers the object only gets a deletionTimestamp. */
  delete(kind: string, namespace: string, name: string): void {
    this.#store.delete(this.#ref(kind, namespace, name));
  }

  /** `kubectl patch -p '{"metadata":{"finalizers":null}}'` then delete: no finalize hook runs. */
  forceDelete(kind: string, namespace: string, name: string): void {
    const ref = this.#ref(kind, namespace, name);
    const obj = this.#require(ref);
    if ((obj.metadata.finalizers ?? []).length > 0) {
      delete obj.metadata.finalizers;
      this.#store.update(obj);
    }
    if (this.#store.get(ref) !== undefined) this.#store.delete(ref);
  }

  /** `kubectl annotate`; a null value removes the annotation. */
  annotate(kind: string, namespace: string, name: string, annotations: Record<string, string | null>): KubeObject {
    const obj = this.#require(this.#ref(kind, namespace, name));
    obj.metadata.annotations = mergeStringMap(obj.metadata.annotations, annotations);
    return clone(this.#store.update(obj));
  }

  /** Writes status through the status subresource, as another controller would. */
  updateStatus(kind: string, namespace: string, name: string, status: unknown): KubeObject {
    return clone(this.#store.updateStatus(this.#ref(kind, namespace, name), status));
  }

  /**
   * Lets the controllers and the kubelet react until nothing changes. Throws when one settle
   * takes more than `maxSyncsPerSettle` hook calls (a hook whose answer never converges).
   */
  async settle(): Promise<void> {
    this.#mc.beginSettle();
    for (;;) {
      await this.#mc.drain(this.#kubeletEverySync ? () => this.kubelet.step() : undefined);
      if (!(await this.kubelet.step())) return;
    }
  }

  /**
   * Moves fake time forward by `seconds`, stopping at every due resync, retry and Job deadline
   * on the way (in order) to settle there, then settles at the target time.
   */
  async advance(seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`advance(${seconds}): seconds must be a finite number >= 0`);
    const target = this.#clock.nowMs() + Math.round(seconds * 1000);
    for (;;) {
      const next = this.nextWakeup();
      if (next === undefined || next > target) break;
      this.#clock.set(Math.max(next, this.#clock.nowMs()));
      await this.settle();
      const after = this.nextWakeup();
      if (after !== undefined && after <= this.#clock.nowMs()) {
        throw new Error(`advance(): wake-up at ${new Date(after).toISOString()} is still due after settling`);
      }
    }
    this.#clock.set(target);
    await this.settle();
  }

  /**
   * Moves the clock to `ms` (never back) and settles there: how a driver that follows a real
   * clock keeps the harness in step with it.
   */
  async settleAt(ms: number): Promise<void> {
    this.#clock.set(Math.max(ms, this.#clock.nowMs()));
    await this.settle();
  }

  /** When something is next due, in epoch ms: a resync, a retry, a Job deadline or a held Job. */
  nextWakeup(): number | undefined {
    const times = [this.#mc.nextResync(), this.kubelet.nextDeadline()].filter((t): t is number => t !== undefined);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  #ref(kind: string, namespace: string, name: string): ObjectRef {
    const type = this.manifests.resources.byKindName(kind);
    return { apiVersion: type.apiVersion, kind: type.kind, namespace: type.namespaced ? namespace : '', name };
  }

  /** A copy of the stored object, to change and write back. */
  #require(ref: ObjectRef): KubeObject {
    const obj = this.#store.get(ref);
    if (obj === undefined) throw new Error(`${ref.kind} ${ref.namespace}/${ref.name} not found`);
    return clone(obj);
  }
}
