import type { ControllerDef } from './controllers.js';
import { isRecord } from './types.js';

/**
 * The realistic schedule: how Metacontroller really runs, as opposed to the harness's default
 * of one work item at a time against an always-fresh store. Every choice the schedule makes
 * (which informer applies its next change, which worker moves on) comes from one seeded PRNG,
 * so a run that breaks an invariant replays exactly from its seed.
 */
export interface Schedule {
  seed: number;
  /** Work items of one controller in flight at once (Metacontroller's `--workers`); default 5. */
  workers?: number;
  /**
   * Upper bound on how many scheduler steps a store change waits before its informer applies
   * it (a step: one delivery, or one worker moving to its next API call or hook call); each
   * change draws its delay from the PRNG, and an informer applies changes in order. Default 4.
   */
  informerLag?: number;
  /**
   * Every cached parent of every controller is re-synced this often (fake seconds). Default:
   * the controller's own `spec.resyncPeriodSeconds`, else `relistPeriodSeconds`.
   */
  resyncPeriodSeconds?: number;
  /** The shared informers' resync (`--cache-flush-interval`); default 1800 s. */
  relistPeriodSeconds?: number;
  /** Overrides every hook's `webhook.timeout` (default 10 s): a slower answer is an error. */
  hookTimeoutMs?: number;
  /** Honour `webhook.etag.enabled` (If-None-Match, 304 with the remembered body); default true. */
  etag?: boolean;
}

export const DEFAULT_WORKERS = 5;
export const DEFAULT_INFORMER_LAG = 4;
export const DEFAULT_RELIST_SECONDS = 1800;
const DEFAULT_HOOK_TIMEOUT_MS = 10_000;

/** Small, fast, seedable (mulberry32): the same seed gives the same sequence on every platform. */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export interface WebhookSettings {
  timeoutMs: number;
  /** Present when ETag caching is on; `ttlMs` 0 means entries never expire. */
  etag?: { ttlMs: number };
}

/**
 * The transport settings of one hook, read from the controller object as Metacontroller reads
 * them: `timeout` is a Go duration (an invalid or non-positive one falls back to 10 s).
 */
export function webhookSettings(c: ControllerDef, hook: string, schedule: Schedule): WebhookSettings {
  const spec = isRecord(c.object.spec) ? c.object.spec : {};
  const hooks = isRecord(spec.hooks) ? spec.hooks : {};
  const entry = hooks[hook];
  const webhook = isRecord(entry) && isRecord(entry.webhook) ? entry.webhook : {};
  const configured = typeof webhook.timeout === 'string' ? goDurationMs(webhook.timeout) : undefined;
  const settings: WebhookSettings = {
    timeoutMs: schedule.hookTimeoutMs ?? (configured !== undefined && configured > 0 ? configured : DEFAULT_HOOK_TIMEOUT_MS),
  };
  const etag = isRecord(webhook.etag) ? webhook.etag : undefined;
  if (schedule.etag !== false && etag?.enabled === true) {
    const seconds = typeof etag.cacheTimeoutSeconds === 'number' ? etag.cacheTimeoutSeconds : 0;
    settings.etag = { ttlMs: Math.max(0, seconds) * 1000 };
  }
  return settings;
}

/** The parent resync period of a controller under a schedule, in seconds. */
export function resyncPeriodSeconds(c: ControllerDef, schedule: Schedule): number {
  const spec = isRecord(c.object.spec) ? c.object.spec : {};
  const own =
    typeof spec.resyncPeriodSeconds === 'number' && spec.resyncPeriodSeconds > 0 ? Math.max(1, spec.resyncPeriodSeconds) : undefined;
  return schedule.resyncPeriodSeconds ?? own ?? schedule.relistPeriodSeconds ?? DEFAULT_RELIST_SECONDS;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `10s`, `1m30s`, `250ms`, `1.5h`; undefined when the text is not a Go duration. */
export function goDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_MS[p[2] ?? ''] ?? 0), 0);
}
