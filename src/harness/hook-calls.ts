import type { FakeClock } from './clock.js';
import type { CycleGuard } from './cycle-guard.js';
import { ApiError, HookError, SyncError } from './errors.js';
import type { EventLog } from './events.js';
import type { HookClient, HookName, SyncTrace } from './hookclient.js';
import type { ObjectReader } from './informers.js';
import type { CarriedLists } from './carried.js';
import type { ControllerDef, HookSpec } from './controllers.js';
import type { ResourceTable, ResourceType } from './resources.js';
import type { ObjectGroup } from './objectmap.js';
import { selectRelated, type RelatedScope } from './related.js';
import { decodeCustomizeResponse, type RelatedRule } from './responses.js';
import type { SyncContext } from './sync-steps.js';
import { qualifiedName, refOf, type KubeObject, type ObjectRef } from './types.js';

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

export interface HookCallsOptions {
  client: HookClient;
  guard: CycleGuard;
  clock: FakeClock;
  log: EventLog;
  view: ObjectReader;
  /** What syncs work out of the lists they read, carried to the next sync. */
  carried: CarriedLists;
  resources: ResourceTable;
  /** Under a realistic schedule a remembered customize answer expires, as Metacontroller's does. */
  customizeTtlMs: number;
}

interface CachedRules {
  generation: number;
  rules: RelatedRule[];
  expiresMs: number;
}

/**
 * The hook calls of the syncs and event handlers: each one counted and logged, its answer
 * decoded; the customize answers remembered; the failures recorded.
 */
export class HookCalls {
  readonly errors: HookFailure[] = [];
  readonly #options: HookCallsOptions;
  readonly #customizeCache = new Map<ControllerDef, Map<string, CachedRules>>();

  constructor(options: HookCallsOptions) {
    this.#options = options;
  }

  async call<T>(
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
    this.#options.guard.count(c, subject, request);
    this.#options.log.push({ type: 'hook', hook: hookName, controller: c.name, object: refOf(obj) });
    trace.hook = hookName;
    trace.statusCode = 0;
    trace.body = '';
    const call = { controller: c, hookName, hook, root: obj, request, cause: context.cause, pause: context.pause };
    const { value, text } = await this.#options.client.call(call, trace);
    try {
      return decode(value);
    } catch (err) {
      // An answer handed over in process has no text until one is needed for the record.
      const body = text === '' ? JSON.stringify(value) : text;
      throw new HookError(`can't decode ${hookName} response: ${err instanceof Error ? err.message : String(err)}`, 200, body);
    }
  }

  /** The related objects of the parent's customize rules; none without a customize hook. */
  async related(c: ControllerDef, parent: KubeObject, type: ResourceType, trace: SyncTrace, context: SyncContext): Promise<ObjectGroup[]> {
    if (c.hooks.customize === undefined) return [];
    const rules = await this.customize(c, parent, trace, context);
    try {
      return selectRelated(rules, this.scope(c, parent, type), {
        lists: this.#options.carried,
        key: `${c.name}|${parent.metadata.uid ?? ''}`,
      });
    } catch (err) {
      throw new SyncError(`can't get related objects: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Cached per (parent uid, generation), as Metacontroller's customize manager does; under a
   * schedule an answer is also forgotten after its 20 minutes (fake time).
   */
  async customize(c: ControllerDef, parent: KubeObject, trace: SyncTrace, context: SyncContext): Promise<RelatedRule[]> {
    const hook = c.hooks.customize;
    if (hook === undefined) return [];
    const known = this.knownRules(c, parent);
    if (known !== undefined) return known;
    const answer = await this.call(c, 'customize', hook, parent, trace, context, { controller: c.object, parent }, (v) =>
      decodeCustomizeResponse(v, hook.strict),
    );
    const byUid = this.#customizeCache.get(c) ?? new Map<string, CachedRules>();
    this.#customizeCache.set(c, byUid);
    byUid.set(parent.metadata.uid ?? '', {
      generation: parent.metadata.generation ?? 0,
      rules: answer.relatedResources,
      expiresMs: this.#options.clock.nowMs() + this.#options.customizeTtlMs,
    });
    return answer.relatedResources;
  }

  /**
   * The parent's customize rules while they are cached, without a call: the event handlers ask
   * for the rules of every parent on every change.
   */
  knownRules(c: ControllerDef, parent: KubeObject): RelatedRule[] | undefined {
    if (c.hooks.customize === undefined) return [];
    const cached = this.#customizeCache.get(c)?.get(parent.metadata.uid ?? '');
    const fresh =
      cached !== undefined && cached.generation === (parent.metadata.generation ?? 0) && cached.expiresMs > this.#options.clock.nowMs();
    return fresh ? cached.rules : undefined;
  }

  scope(c: ControllerDef, parent: KubeObject, type: ResourceType): RelatedScope {
    return {
      parent,
      parentNamespaced: type.namespaced,
      version: c.hooks.customize?.version ?? 'v1',
      store: this.#options.view,
      resources: this.#options.resources,
    };
  }

  recordFailure(c: ControllerDef, obj: KubeObject | ObjectRef, trace: SyncTrace, err: HookError | ApiError | SyncError): void {
    const ref = 'metadata' in obj ? refOf(obj) : obj;
    const object = qualifiedName(ref.namespace, ref.name);
    const origin = err instanceof HookError ? 'hook' : err instanceof ApiError ? 'api' : 'sync';
    this.errors.push({
      controller: c.name,
      hook: trace.hook,
      object,
      statusCode: trace.statusCode,
      body: trace.body,
      message: err.message,
      origin,
    });
    this.#options.log.push({ type: 'hook-error', hook: trace.hook, controller: c.name, object: ref, message: err.message });
  }
}
