import { randomUUID } from 'node:crypto';
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { DEFAULT_BODY_LIMIT_BYTES } from '../config.js';
import { bearerCheck } from './auth.js';
import { errorHandler } from './errors.js';
import { registerHookRoute } from './hook-route.js';
import { HOOK_ROUTES } from './hooks.js';
import { createMetrics, type HookMetrics } from './metrics.js';

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

export interface AppOptions {
  bodyLimitBytes?: number;
  /** When set, every hook request must carry `Authorization: Bearer <token>`. */
  authToken?: string | undefined;
  /** The only clock the hooks see; tests pass a fixed one. */
  clock?: () => Date;
  logger?: FastifyServerOptions['logger'];
  overload?: OverloadOptions;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Cleared first on shutdown so that readiness fails before the listener closes. */
    readiness: { ready: boolean };
    metrics: HookMetrics;
  }
  interface FastifyContextConfig {
    /** The hook a route serves (`drplan.sync`…), the label of its metrics. */
    hook?: string;
  }
  interface FastifyRequest {
    responseBytes: number;
  }
}

export const DEFAULT_OVERLOAD: Required<OverloadOptions> = {
  maxEventLoopDelayMs: 1000,
  maxHeapUsedBytes: 0,
  retryAfterSeconds: 2,
  sampleIntervalMs: 1000,
};

/** Builds the hook server without listening; the server process and the tests share it. */
export function buildApp(options: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // Each hook call logs one line of its own, with the decision; fastify's lines would double it.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // The API server stores `__proto__` and `constructor` keys; they are data to the hooks,
    // which never let a user key reach an object's prototype (plain JSON.parse, Maps, own properties).
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.decorate('readiness', { ready: true });
  app.decorate('metrics', createMetrics());
  app.decorateRequest('responseBytes', 0);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).type('text/plain').send(`no hook at ${request.method} ${request.url}`);
  });
  registerOverloadShedding(app, { ...DEFAULT_OVERLOAD, ...options.overload });
  registerObservability(app);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    app.readiness.ready ? { status: 'ready' } : reply.code(503).send({ status: 'shutting down' }),
  );
  app.get('/metrics', async (_request, reply) =>
    reply.type(app.metrics.registry.contentType).send(await app.metrics.registry.metrics()),
  );

  const context = { clock: options.clock ?? (() => new Date()), authorize: bearerCheck(options.authToken) };
  for (const hook of HOOK_ROUTES) registerHookRoute(app, hook, context);
  return app;
}

/** Request ids travel back in a header; every hook answer is counted and timed. */
function registerObservability(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    request.responseBytes = typeof payload === 'string' || Buffer.isBuffer(payload) ? Buffer.byteLength(payload) : 0;
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const hook = request.routeOptions.config.hook;
    if (hook === undefined) return;
    app.metrics.observe({
      hook,
      code: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
      requestBytes: Number(request.headers['content-length'] ?? 0),
      responseBytes: request.responseBytes,
    });
  });
}

/**
 * Under overload, hook requests get 429 with `Retry-After`, which Metacontroller honours by
 * requeueing the object later; probes and metrics are never shed, so an overloaded pod is
 * not restarted for being busy.
 */
function registerOverloadShedding(app: FastifyInstance, overload: Required<OverloadOptions>): void {
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
    request.log.warn({ hook, pressure: type }, 'overloaded: hook request shed');
    void reply.code(429).header('retry-after', String(overload.retryAfterSeconds)).type('text/plain');
    return `overloaded (${type}); retry after ${overload.retryAfterSeconds}s`;
  }
}
