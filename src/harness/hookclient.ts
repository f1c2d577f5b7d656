import type { FakeClock } from './clock.js';
import { HookError, ThrottledError } from './errors.js';
import type { ControllerDef, HookSpec } from './controllers.js';
import { webhookSettings, type Schedule, type WebhookSettings } from './schedule.js';
import type { Cause, Traffic } from './traffic.js';
import type { HookEndpoint, HookResponse, HookTransport } from './transport.js';
import type { KubeObject } from './types.js';

export type HookName = 'sync' | 'finalize' | 'customize';

/** What the current sync got from its hook, for the error record if a later step fails. */
export interface SyncTrace {
  hook: HookName;
  statusCode: number;
  body: string;
}

export interface HookCall {
  controller: ControllerDef;
  hookName: HookName;
  hook: HookSpec;
  /** The parent or target: the ETag cache is keyed by it. */
  root: KubeObject;
  /** The request, as the object Metacontroller serialises. */
  request: unknown;
  cause: Cause;
  /** Called once the request is on its way: other work may run until the answer is taken. */
  pause: () => Promise<void>;
}

type Outcome = { response: HookResponse } | { error: unknown };

/** One call's place in the caches and counters, for reading its answer. */
interface Exchange {
  cause: Cause;
  hookKey: string;
  cacheKey: string;
  settings: WebhookSettings | undefined;
  cached: { etag: string; body: string } | undefined;
}

/**
 * Metacontroller's webhook executor (`pkg/hooks/webhook*.go`): POST with the configured
 * headers, 429 as a delayed retry, anything but 200 an error. Under a schedule it also keeps
 * each hook's timeout and, where `etag.enabled`, a per-(hook, object) cache of (ETag, body)
 * that turns a 304 or 412 answer to If-None-Match into the remembered body.
 */
export class HookClient {
  readonly #endpoint: HookEndpoint;
  readonly #headers: Record<string, string>;
  readonly #clock: FakeClock;
  readonly #traffic: Traffic;
  readonly #schedule: Schedule | undefined;
  readonly #settings = new Map<string, WebhookSettings>();
  readonly #etags = new Map<string, { etag: string; body: string; expiresMs: number }>();

  constructor(endpoint: HookEndpoint, headers: Record<string, string>, clock: FakeClock, traffic: Traffic, schedule: Schedule | undefined) {
    this.#endpoint = endpoint;
    this.#headers = headers;
    this.#clock = clock;
    this.#traffic = traffic;
    this.#schedule = schedule;
  }

  /**
   * The parsed JSON answer and the text it came from (the remembered body after a 304); throws
   * HookError or ThrottledError where Metacontroller's call fails.
   */
  async call(call: HookCall, trace: SyncTrace): Promise<{ value: unknown; text: string }> {
    const endpoint = this.#endpoint;
    let text: string;
    if (typeof endpoint === 'function') {
      text = await this.#send(endpoint, call, trace);
    } else {
      const hookKey = `${call.controller.name}/${call.hookName}`;
      // Nothing is serialised, so there are no bytes to count: only the call.
      this.#traffic.call(call.cause, hookKey, 0);
      const response = endpoint.inProcess(call.hook.path, call.request);
      await call.pause();
      trace.statusCode = response.statusCode;
      if ('value' in response) return { value: response.value, text: '' };
      trace.body = response.body;
      text = this.#answerText(response, { cause: call.cause, hookKey, cacheKey: '', settings: undefined, cached: undefined });
    }
    try {
      return { value: JSON.parse(text), text };
    } catch (err) {
      throw new HookError(`can't decode ${call.hookName} response: ${err instanceof Error ? err.message : String(err)}`, 200, text);
    }
  }

  /** Over the wire: the body as Metacontroller serialises it, and the text of the answer. */
  async #send(transport: HookTransport, call: HookCall, trace: SyncTrace): Promise<string> {
    const { controller: c, hookName, hook, root } = call;
    const hookKey = `${c.name}/${hookName}`;
    const settings = this.#settingsOf(c, hookName);
    const body = JSON.stringify(call.request);
    this.#traffic.call(call.cause, hookKey, Buffer.byteLength(body));
    const headers: Record<string, string> = { ...this.#headers, 'content-type': 'application/json' };
    const cacheKey = `${hookKey}|${root.kind}|${root.metadata.namespace ?? ''}|${root.metadata.name}`;
    const cached = settings?.etag === undefined ? undefined : this.#cached(cacheKey);
    if (cached !== undefined) headers['if-none-match'] = cached.etag;

    const answer = settle(transport(hook.path, body, headers), settings?.timeoutMs);
    await call.pause();
    const response = responseOf(await answer);
    trace.statusCode = response.statusCode;
    trace.body = response.body;
    return this.#answerText(response, { cause: call.cause, hookKey, cacheKey, settings, cached });
  }

  /** The body an answer stands for: its own, or the remembered one it confirms (304, 412). */
  #answerText(response: HookResponse, exchange: Exchange): string {
    const { cached, settings } = exchange;
    if (response.statusCode === 429) throw new ThrottledError(retryAfterSeconds(response.headers['retry-after'], this.#clock.nowMs()));
    if (cached !== undefined && (response.statusCode === 304 || response.statusCode === 412)) {
      this.#traffic.notModified(exchange.cause, exchange.hookKey);
      return cached.body;
    }
    if (response.statusCode !== 200) {
      throw new HookError(`unsupported status code: ${response.statusCode} body: ${response.body}`, response.statusCode, response.body);
    }
    const etag = header(response.headers.etag);
    if (settings?.etag !== undefined && etag !== undefined && etag !== '') {
      const ttl = settings.etag.ttlMs;
      this.#etags.set(exchange.cacheKey, { etag, body: response.body, expiresMs: ttl === 0 ? Infinity : this.#clock.nowMs() + ttl });
    }
    return response.body;
  }

  #settingsOf(c: ControllerDef, hookName: HookName): WebhookSettings | undefined {
    const schedule = this.#schedule;
    if (schedule === undefined) return undefined;
    const key = `${c.name}/${hookName}`;
    let settings = this.#settings.get(key);
    if (settings === undefined) {
      settings = webhookSettings(c, hookName, schedule);
      this.#settings.set(key, settings);
    }
    return settings;
  }

  #cached(key: string): { etag: string; body: string } | undefined {
    const entry = this.#etags.get(key);
    if (entry === undefined || entry.expiresMs <= this.#clock.nowMs()) return undefined;
    return entry;
  }
}

/** Never rejects; with a timeout, a slower answer becomes the error Go's http.Client reports. */
function settle(request: Promise<HookResponse>, timeoutMs: number | undefined): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            resolve({
              error: new Error(`context deadline exceeded (Client.Timeout exceeded while awaiting headers) after ${timeoutMs}ms`),
            });
          }, timeoutMs);
    timer?.unref();
    request.then(
      (response) => {
        clearTimeout(timer);
        resolve({ response });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ error });
      },
    );
  });
}

/** A transport failure (refused, reset, timed out) is a HookError without a status code. */
function responseOf(outcome: Outcome): HookResponse {
  if ('response' in outcome) return outcome.response;
  const reason = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  throw new HookError(`http error: ${reason}`, 0, '');
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After as integer seconds or an HTTP date; anything else means "now". */
function retryAfterSeconds(value: string | string[] | undefined, nowMs: number): number {
  const text = header(value);
  if (text === undefined) return 0;
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  return Number.isNaN(date) ? 0 : Math.max(0, Math.ceil((date - nowMs) / 1000));
}
