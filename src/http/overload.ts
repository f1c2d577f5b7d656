import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type PressureHandler = NonNullable<FastifyUnderPressureOptions['pressureHandler']>;

export interface OverloadOptions {
  /** Shed hook requests while the event loop lags more than this; 0 turns it off. */
  maxEventLoopDelayMs?: number;
  /** Shed hook requests while the heap is larger than this; 0 turns it off. */
  maxHeapUsedBytes?: number;
  /** The `Retry-After` of a shed request; Metacontroller requeues after it. */
  retryAfterSeconds?: number;
  sampleIntervalMs?: number;
}

export const DEFAULT_OVERLOAD: Required<OverloadOptions> = {
  maxEventLoopDelayMs: 1000,
  maxHeapUsedBytes: 0,
  retryAfterSeconds: 2,
  sampleIntervalMs: 1000,
};

/**
 * Under overload, hook requests get 429 with `Retry-After`, which Metacontroller honours by
 * requeueing the object later; probes and metrics are never shed, so an overloaded pod is
 * not restarted for being busy.
 */
export function registerOverloadShedding(app: FastifyInstance, overload: Required<OverloadOptions>): void {
  void app.register(underPressure, {
    maxEventLoopDelay: overload.maxEventLoopDelayMs,
    maxHeapUsedBytes: overload.maxHeapUsedBytes,
    sampleInterval: overload.sampleIntervalMs,
    retryAfter: overload.retryAfterSeconds,
    // under-pressure sends any non-nullish return value as the reply (its README says so;
    // its types only declare void), and lets the request through on undefined.
    pressureHandler: shed as unknown as PressureHandler,
  });

  function shed(request: FastifyRequest, reply: FastifyReply, type: string): string | undefined {
    const hook = request.routeOptions.config.hook;
    if (hook === undefined) return undefined;
    return overloaded(request, reply, type, overload.retryAfterSeconds);
  }
}

/** Sets up the 429 of a shed hook request and logs it; the caller sends the text returned. */
export function overloaded(request: FastifyRequest, reply: FastifyReply, pressure: string, retryAfterSeconds: number): string {
  request.log.warn({ hook: request.routeOptions.config.hook, pressure }, 'overloaded: hook request shed');
  void reply.code(429).header('retry-after', String(retryAfterSeconds)).type('text/plain');
  return `overloaded (${pressure}); retry after ${retryAfterSeconds}s`;
}
