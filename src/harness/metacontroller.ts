import { createHash } from 'node:crypto';
import { controllerRef, DECORATOR_ANNOTATION, manageChildren, observedChildren } from './children.js';
import type { FakeClock } from './clock.js';
import { ApiError, HookError, SyncError, ThrottledError } from './errors.js';
import type { CompositeControllerDef, ControllerDef, DecoratorControllerDef, HookSpec, ResourceTable, ResourceType } from './manifests.js';
import { buildObjectMap, type ObjectGroup } from './objectmap.js';
import { ruleMatches, selectRelated, type RelatedScope } from './related.js';
import {
  decodeCompositeResponse,
  decodeCustomizeResponse,
  decodeDecoratorResponse,
  type RelatedRule,
} from './responses.js';
import { decodeLabelSelector, matchesSelector, type LabelSelector } from './selectors.js';
import type { Store, StoreChange } from './store.js';
import type { HookTransport } from './transport.js';
import { clone, deepEqual, describe, isRecord, mergeStringMap, qualifiedName, refOf, type KubeObject, type ObjectRef } from './types.js';

export type HookName = 'sync' | 'finalize' | 'customize';

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
}

export interface MetacontrollerOptions {
  controllers: ControllerDef[];
  resources: ResourceTable;
  store: Store;
  clock: FakeClock;
  events: string[];
  transport: HookTransport;
  hookHeaders: Record<string, string>;
  maxCallsPerSettle: number;
}

interface WorkItem {
  controller: ControllerDef;
  ref: ObjectRef;
}

/** What the current sync got from its hook, for the error record if a later step fails. */
interface SyncTrace {
  hook: HookName;
  statusCode: number;
  body: string;
}

const MAX_BACKOFF_SECONDS = 60;
/** How often one settle may send the very same request to one hook before it is a hot loop. */
const REPEATS_ALLOWED = 3;
const GC_FINALIZERS: readonly string[] = ['foregroundDeletion', 'orphan'];

/**
 * The reconcile loop of Metacontroller (reference/metacontroller.md §6) for CompositeControllers
 * and DecoratorControllers. Store writes are only recorded as they happen; `drain()` turns them
 * into work (parent/target, owner, related parents) and syncs one work item at a time, so a
 * test sees events in a single deterministic order.
 */
export class FakeMetacontroller {
  readonly errors: HookFailure[] = [];
  readonly callsPerController: Record<string, number> = {};
  hookCalls = 0;
  readonly #deps: MetacontrollerOptions;
  readonly #changes: StoreChange[] = [];
  readonly #queue: WorkItem[] = [];
  readonly #queued = new Set<string>();
  readonly #scheduled = new Map<string, { item: WorkItem; at: number }>();
  readonly #failures = new Map<string, number>();
  readonly #customizeCache = new Map<string, { generation: number; rules: RelatedRule[] }>();
  #settleCalls = new Map<string, number>();
  #settleRequests = new Map<string, number>();
  #settleTotal = 0;

  constructor(options: MetacontrollerOptions) {
    this.#deps = options;
    for (const c of options.controllers) this.callsPerController[c.name] = 0;
  }

  /** Store listener: watches are only evaluated in `drain()`. */
  observe(change: StoreChange): void {
    this.#changes.push(change);
  }

  /** Starts a settle: resets the hot-loop budget and queues every resync that is due. */
  beginSettle(): void {
    this.#settleCalls = new Map();
    this.#settleRequests = new Map();
    this.#settleTotal = 0;
    const now = this.#deps.clock.nowMs();
    for (const [key, { item, at }] of [...this.#scheduled]) {
      if (at > now) continue;
      this.#scheduled.delete(key);
      this.#enqueue(item.controller, item.ref);
    }
  }

  nextResync(): number | undefined {
    const times = [...this.#scheduled.values()].map((s) => s.at);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Processes watch events and work items until both are exhausted. */
  async drain(): Promise<void> {
    for (;;) {
      const change = this.#changes.shift();
      if (change !== undefined) {
        await this.#dispatch(change);
        continue;
      }
      const item = this.#queue.shift();
      if (item === undefined) return;
      this.#queued.delete(itemKey(item.controller, item.ref));
      await this.#reconcile(item);
    }
  }

  async #dispatch({ before, after }: StoreChange): Promise<void> {
    const obj = after ?? before;
    if (obj === undefined) return;
    for (const c of this.#deps.controllers) {
      const target = targetRule(c, obj);
      if (target !== undefined && !(target.ignoreStatusChanges && before && after && onlyStatusChanged(before, after))) {
        this.#enqueue(c, refOf(obj));
      }
      if (c.children.some((r) => sameType(r.type, obj))) {
        for (const version of [before, after]) {
          const owner = version === undefined ? undefined : this.#ownerOf(c, version);
          if (owner !== undefined) this.#enqueue(c, refOf(owner));
        }
      }
      if (c.hooks.customize !== undefined) await this.#enqueueRelatedParents(c, before, after);
    }
  }

  #ownerOf(c: ControllerDef, child: KubeObject): KubeObject | undefined {
    const ref = controllerRef(child);
    if (ref === undefined) return undefined;
    if (c.type === 'DecoratorController' && child.metadata.annotations?.[DECORATOR_ANNOTATION] !== c.name) return undefined;
    const owner = this.#deps.store.getByUid(ref.uid);
    return owner !== undefined && targetRule(c, owner) !== undefined ? owner : undefined;
  }

  /** Metacontroller's findRelatedParents: every parent whose rules match the old or new object. */
  async #enqueueRelatedParents(c: ControllerDef, before: KubeObject | undefined, after: KubeObject | undefined): Promise<void> {
    for (const { type } of c.targets) {
      // Read in place: only the parents whose rules match are enqueued (by reference).
      for (const parent of this.#deps.store.peek(type)) {
        if (!this.#manages(c, parent)) continue;
        let rules: RelatedRule[];
        try {
          rules = await this.#customize(c, parent, { hook: 'customize', statusCode: 0, body: '' });
        } catch (err) {
          // Throttled: the parent's own sync retries customize later, after Retry-After.
          if (err instanceof ThrottledError) continue;
          if (!(err instanceof HookError)) throw err;
          this.#recordFailure(c, parent, { hook: 'customize', statusCode: err.statusCode, body: err.body }, err.message);
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
        if (matches(before) || matches(after)) this.#enqueue(c, refOf(parent));
      }
    }
  }

  #enqueue(c: ControllerDef, ref: ObjectRef): void {
    const key = itemKey(c, ref);
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push({ controller: c, ref });
  }

  /** A delayed requeue; like client-go's AddAfter, an earlier pending time wins. */
  #schedule(c: ControllerDef, ref: ObjectRef, seconds: number): void {
    const key = itemKey(c, ref);
    const at = this.#deps.clock.nowMs() + Math.ceil(seconds * 1000);
    const pending = this.#scheduled.get(key);
    if (pending === undefined || at < pending.at) this.#scheduled.set(key, { item: { controller: c, ref }, at });
  }

  async #reconcile({ controller: c, ref }: WorkItem): Promise<void> {
    const trace: SyncTrace = { hook: 'sync', statusCode: 0, body: '' };
    const key = itemKey(c, ref);
    try {
      if (c.type === 'CompositeController') await this.#syncComposite(c, ref, trace);
      else await this.#syncDecorator(c, ref, trace);
      this.#failures.delete(key);
    } catch (err) {
      if (err instanceof ThrottledError) {
        this.#deps.events.push(`throttled ${trace.hook} ${c.name} ${qualifiedName(ref.namespace, ref.name)}`);
        if (err.retryAfterSeconds > 0) this.#schedule(c, ref, err.retryAfterSeconds);
        else this.#enqueue(c, ref);
        return;
      }
      if (!(err instanceof HookError || err instanceof ApiError || err instanceof SyncError)) throw err;
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      this.#recordFailure(c, ref, trace, err.message);
      this.#schedule(c, ref, Math.min(2 ** (failures - 1), MAX_BACKOFF_SECONDS));
    }
  }

  async #syncComposite(c: CompositeControllerDef, ref: ObjectRef, trace: SyncTrace): Promise<void> {
    const start = this.#prepare(c, ref);
    if (start === undefined) return;
    const { parent, hookName, hook } = start;
    const type = c.targets[0].type;
    const children = observedChildren(this.#deps.store, parent, c.children);
    const related = await this.#related(c, parent, type, trace);
    const answer = await this.#call(c, hookName, hook, parent, trace, {
      controller: c.object,
      parent,
      children: buildObjectMap(parent, children, hook.version),
      related: buildObjectMap(parent, related, hook.version),
      finalizing: hookName === 'finalize',
    }, (v) => decodeCompositeResponse(v, hook.strict));
    if (answer.resyncAfterSeconds > 0) this.#schedule(c, ref, answer.resyncAfterSeconds);

    let current = parent;
    if (answer.finalized && hasFinalizer(current, c.finalizer)) {
      current = this.#deps.store.update(withFinalizers(current, without(current, c.finalizer)));
    }
    const desired = this.#desiredChildren(c, current, answer.children);
    let manageError: unknown;
    if (current.metadata.deletionTimestamp === undefined || shouldFinalize(c, current)) {
      try {
        manageChildren(this.#deps.store, current, c.children, children, desired);
      } catch (err) {
        manageError = err;
      }
    }
    // Replace, not merge; observedGeneration is always Metacontroller's.
    const status = { ...answer.status, observedGeneration: current.metadata.generation };
    const live = this.#deps.store.get(ref);
    if (live !== undefined && !deepEqual(live.status, status)) this.#deps.store.updateStatus(ref, status);
    if (manageError !== undefined) throw manageError;
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

  async #syncDecorator(c: DecoratorControllerDef, ref: ObjectRef, trace: SyncTrace): Promise<void> {
    const start = this.#prepare(c, ref);
    if (start === undefined) return;
    const { parent: target, hookName, hook, type } = start;
    const attachments = observedChildren(this.#deps.store, target, c.children, c.name);
    const related = await this.#related(c, target, type, trace);
    const answer = await this.#call(c, hookName, hook, target, trace, {
      controller: c.object,
      object: target,
      attachments: buildObjectMap(target, attachments, hook.version),
      related: buildObjectMap(target, related, hook.version),
      finalizing: hookName === 'finalize',
    }, (v) => decodeDecoratorResponse(v, hook.strict));
    if (answer.resyncAfterSeconds > 0) this.#schedule(c, ref, answer.resyncAfterSeconds);

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
      try {
        if (statusChanged && type.statusSubresource) this.#deps.store.updateStatus(ref, status);
        this.#deps.store.update(next);
      } catch (err) {
        // Metacontroller gives up quietly when the target vanished mid-sync.
        if (err instanceof ApiError && err.reason === 'NotFound') return;
        throw err;
      }
    }
    const desired = answer.attachments.map((a) => {
      const out = this.#withNamespace(target, a);
      out.metadata.annotations = { ...out.metadata.annotations, [DECORATOR_ANNOTATION]: c.name };
      return out;
    });
    // Decided on the target as the hook saw it, as Metacontroller does.
    if (target.metadata.deletionTimestamp === undefined || shouldFinalize(c, target)) {
      manageChildren(this.#deps.store, target, c.children, attachments, desired);
    }
  }

  /**
   * Steps shared by both controller kinds up to the hook call: selector filtering, finalizer
   * add/remove (a real write, before anything else), and the choice of sync or finalize.
   */
  #prepare(c: ControllerDef, ref: ObjectRef): { parent: KubeObject; hookName: 'sync' | 'finalize'; hook: HookSpec; type: ResourceType } | undefined {
    const found = this.#deps.store.get(ref);
    if (found === undefined) return undefined;
    const type = targetRule(c, found)?.type;
    if (type === undefined || !this.#manages(c, found)) return undefined;
    let parent = found;
    const enabled = c.hooks.finalize !== undefined;
    if (hasFinalizer(parent, c.finalizer) !== enabled) {
      if (enabled && parent.metadata.deletionTimestamp === undefined) {
        parent = this.#deps.store.update(withFinalizers(parent, [...(parent.metadata.finalizers ?? []), c.finalizer]));
      } else if (!enabled) {
        parent = this.#deps.store.update(withFinalizers(parent, without(parent, c.finalizer)));
      }
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

  async #related(c: ControllerDef, parent: KubeObject, type: ResourceType, trace: SyncTrace): Promise<ObjectGroup[]> {
    if (c.hooks.customize === undefined) return [];
    const rules = await this.#customize(c, parent, trace);
    try {
      return selectRelated(rules, this.#scope(c, parent, type));
    } catch (err) {
      throw new SyncError(`can't get related objects: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Cached per (parent uid, generation), as Metacontroller's customize manager does. */
  async #customize(c: ControllerDef, parent: KubeObject, trace: SyncTrace): Promise<RelatedRule[]> {
    const hook = c.hooks.customize;
    if (hook === undefined) return [];
    const key = `${c.name}|${parent.metadata.uid ?? ''}`;
    const generation = parent.metadata.generation ?? 0;
    const cached = this.#customizeCache.get(key);
    if (cached !== undefined && cached.generation === generation) return cached.rules;
    const answer = await this.#call(c, 'customize', hook, parent, trace, { controller: c.object, parent }, (v) =>
      decodeCustomizeResponse(v, hook.strict),
    );
    this.#customizeCache.set(key, { generation, rules: answer.relatedResources });
    return answer.relatedResources;
  }

  #scope(c: ControllerDef, parent: KubeObject, type: ResourceType): RelatedScope {
    return {
      parent,
      parentNamespaced: type.namespaced,
      version: c.hooks.customize?.version ?? 'v1',
      store: this.#deps.store,
      resources: this.#deps.resources,
    };
  }

  async #call<T>(
    c: ControllerDef,
    hookName: HookName,
    hook: HookSpec,
    obj: KubeObject,
    trace: SyncTrace,
    request: unknown,
    decode: (value: unknown) => T,
  ): Promise<T> {
    const subject = `${hookName} ${c.name} ${qualifiedName(obj.metadata.namespace ?? '', obj.metadata.name)}`;
    this.#countCall(c, subject, request);
    this.#deps.events.push(subject);
    trace.hook = hookName;
    trace.statusCode = 0;
    trace.body = '';
    let response;
    try {
      response = await this.#deps.transport(hook.path, JSON.stringify(request), {
        ...this.#deps.hookHeaders,
        'content-type': 'application/json',
      });
    } catch (err) {
      throw new HookError(`http error: ${err instanceof Error ? err.message : String(err)}`, 0, '');
    }
    trace.statusCode = response.statusCode;
    trace.body = response.body;
    if (response.statusCode === 429) throw new ThrottledError(retryAfterSeconds(response.headers['retry-after'], this.#deps.clock.nowMs()));
    if (response.statusCode !== 200) {
      throw new HookError(`unsupported status code: ${response.statusCode} body: ${response.body}`, response.statusCode, response.body);
    }
    try {
      return decode(JSON.parse(response.body));
    } catch (err) {
      throw new HookError(`can't decode ${hookName} response: ${err instanceof Error ? err.message : String(err)}`, 200, response.body);
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
    // resourceVersion changes on every write, whatever was written: it is not part of the state.
    const state = JSON.stringify(request, (key, value: unknown) => (key === 'resourceVersion' ? undefined : value));
    const fingerprint = `${subject}|${createHash('sha256').update(state).digest('base64')}`;
    const seen = (this.#settleRequests.get(fingerprint) ?? 0) + 1;
    this.#settleRequests.set(fingerprint, seen);
    if (seen > REPEATS_ALLOWED) {
      throw new Error(`settle(): hot loop — ${subject} was sent the same request ${seen} times in one settle: its answers make the cluster go round in a cycle. Last events: ${this.#deps.events.slice(-12).join(' | ')}`);
    }
    if (this.#settleTotal <= this.#deps.maxCallsPerSettle) return;
    const top = [...this.#settleCalls]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([s, n]) => `${s} ×${n}`)
      .join(', ');
    const recent = this.#deps.events.slice(-12).join(' | ');
    throw new Error(
      `settle(): more than ${this.#deps.maxCallsPerSettle} hook calls without reaching a steady state — a hook answer probably changes on every call (hot loop). Most called: ${top}. Last events: ${recent}`,
    );
  }

  #recordFailure(c: ControllerDef, obj: KubeObject | ObjectRef, trace: SyncTrace, message: string): void {
    const ref = 'metadata' in obj ? refOf(obj) : obj;
    const object = qualifiedName(ref.namespace, ref.name);
    this.errors.push({ controller: c.name, hook: trace.hook, object, statusCode: trace.statusCode, body: trace.body, message });
    this.#deps.events.push(`hook-error ${trace.hook} ${c.name} ${object}`);
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

function withFinalizers(obj: KubeObject, finalizers: string[]): KubeObject {
  const next = clone(obj);
  next.metadata.finalizers = finalizers;
  return next;
}

/** Children are managed while deleting only with our finalizer present and no GC finalizer. */
function shouldFinalize(c: ControllerDef, obj: KubeObject): boolean {
  const finalizers = obj.metadata.finalizers ?? [];
  return c.hooks.finalize !== undefined && finalizers.includes(c.finalizer) && !finalizers.some((f) => GC_FINALIZERS.includes(f));
}

/** Retry-After as integer seconds or an HTTP date; anything else means "now". */
function retryAfterSeconds(header: string | string[] | undefined, nowMs: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return 0;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? 0 : Math.max(0, Math.ceil((date - nowMs) / 1000));
}
