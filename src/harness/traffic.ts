import { formatTime } from './clock.js';
import type { StoreChange } from './store.js';
import { deepEqual, describe, type KubeObject } from './types.js';

/** Hook calls and the bytes they sent. */
export interface HookTraffic {
  calls: number;
  requestBytes: number;
  largestRequest: number;
  /** Calls answered 304 (or 412) and served from the remembered body. */
  notModified: number;
}

/**
 * The hook calls one cause led to directly: a store change (the syncs its watch events enqueue
 * and the customize calls its handlers make), a resync, a retry. Calls of syncs that the
 * cause's own consequences trigger (a status write of the synced object, say) belong to those
 * writes, so each entry is the fan-out of exactly one change.
 */
export interface CauseTraffic extends HookTraffic {
  /** `status DRPlan default/p1`, `create Job default/j`, `resync drplan default/p1`, … */
  cause: string;
  /** Fake time of the cause. */
  at: string;
  /** By `controller/hook`, e.g. `drplan/sync`. */
  hooks: Record<string, HookTraffic>;
}

export interface TrafficReport {
  total: HookTraffic;
  hooks: Record<string, HookTraffic>;
  causes: CauseTraffic[];
}

export interface Cause {
  readonly epoch: number;
  readonly entry: CauseTraffic;
}

/** Counts every hook call by hook and by cause; `reset()` starts a new measurement. */
export class Traffic {
  #epoch = 0;
  #report: TrafficReport = emptyReport();

  cause(what: string, atMs: number): Cause {
    const entry: CauseTraffic = { cause: what, at: formatTime(atMs), ...zero(), hooks: {} };
    this.#report.causes.push(entry);
    return { epoch: this.#epoch, entry };
  }

  call(cause: Cause, hook: string, bytes: number): void {
    if (cause.epoch !== this.#epoch) return;
    for (const counter of [this.#report.total, (this.#report.hooks[hook] ??= zero()), cause.entry, (cause.entry.hooks[hook] ??= zero())]) {
      counter.calls += 1;
      counter.requestBytes += bytes;
      counter.largestRequest = Math.max(counter.largestRequest, bytes);
    }
  }

  notModified(cause: Cause, hook: string): void {
    if (cause.epoch !== this.#epoch) return;
    for (const counter of [this.#report.total, (this.#report.hooks[hook] ??= zero()), cause.entry, (cause.entry.hooks[hook] ??= zero())]) {
      counter.notModified += 1;
    }
  }

  report(): TrafficReport {
    return structuredClone(this.#report);
  }

  reset(): void {
    this.#epoch += 1;
    this.#report = emptyReport();
  }
}

function zero(): HookTraffic {
  return { calls: 0, requestBytes: 0, largestRequest: 0, notModified: 0 };
}

function emptyReport(): TrafficReport {
  return { total: zero(), hooks: {}, causes: [] };
}

/** A store change in a few words: what kind of write it was, and to which object. */
export function describeChange({ before, after, verbs }: StoreChange): string {
  if (after === undefined) return before === undefined ? 'nothing' : `delete ${describe(before)}`;
  if (before === undefined) return `create ${describe(after)}`;
  const parts: string[] = [];
  if (!deepEqual(body(before), body(after))) parts.push('spec');
  for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
    if (!deepEqual(before.metadata[field], after.metadata[field])) parts.push(field);
  }
  if (before.metadata.deletionTimestamp === undefined && after.metadata.deletionTimestamp !== undefined) parts.push('deleting');
  // The store has compared the statuses already; they can be large.
  if (verbs === undefined ? !deepEqual(before.status, after.status) : verbs.includes('status')) parts.push('status');
  return `${parts.length === 0 ? 'update' : parts.join('+')} ${describe(after)}`;
}

function body(obj: KubeObject): Record<string, unknown> {
  const { metadata, status, ...rest } = obj;
  return rest;
}
