import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { DEFAULT_BODY_LIMIT_BYTES } from '../config.js';
import { DEFAULT_RUNNER, type RunnerDefaults } from '../engine/runner.js';
import { bearerCheck, type BearerTokens } from './auth.js';
import { errorHandler } from './errors.js';
import { registerHookRoute } from './hook-route.js';
import { createHookDispatcher, type HookWorkerOptions } from './hook-dispatcher.js';
import { HOOK_ROUTES } from './hooks.js';
import { createMetrics, type HookMetrics } from './metrics.js';
import { DEFAULT_OVERLOAD, registerOverloadShedding, type OverloadOptions } from './overload.js';

export interface AppOptions {
  bodyLimitBytes?: number;
  /** When set, every hook request must carry `Authorization: Bearer <token>`, of either token. */
  auth?: BearerTokens | undefined;
  keepAliveTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** The only clock the hooks see; tests pass a fixed one. */
  clock?: () => Date;
  /** Let a request set the hooks' `now` with `X-Drplan-Now` (local testing with curl); refused when off. */
  fixedClockEnabled?: boolean;
  /** From `createLogger` (src/log.ts); without one the app logs nothing. */
  logger?: FastifyBaseLogger;
  overload?: OverloadOptions;
  /** Worker threads for hook calls; without, every call runs on the event loop. */
  workers?: HookWorkerOptions;
  /** Image and service account of runner Jobs when a plan's `spec.runner` does not say. */
  runner?: RunnerDefaults;
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
    /** The `now` the request asked for with `X-Drplan-Now`, when allowed. */
    fixedNow: Date | null;
  }
}

/**
 * Metacontroller's Go client keeps an idle connection for up to 90 s and reuses it: the server
 * must keep it longer, or a hook call sent on a connection the server is closing fails.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 95_000;
/**
 * A whole hook request arrives well within Metacontroller's 10 s hook timeout; a client still
 * sending after this long is stalled (or hostile) and is answered 408 and disconnected.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** Builds the hook server without listening; the server process and the tests share it. */
export function buildApp(options: AppOptions = {}): FastifyInstance {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout,
    // Node looks for requests over their time every 30 s by default, which would let a stalled
    // client hold its connection up to 30 s longer. No connectionTimeout: an idle socket is
    // the keep-alive timeout's business, and a hook that thinks long sends nothing meanwhile.
    http: { requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: 1000 },
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
  acceptRawJsonBodies(app);
  app.decorate('readiness', { ready: true });
  const dispatcher = createHookDispatcher({ runner: options.runner ?? DEFAULT_RUNNER }, options.workers);
  app.addHook('onClose', () => dispatcher.close());
  app.decorate(
    'metrics',
    createMetrics(() => dispatcher.load()),
  );
  app.decorateRequest('responseBytes', 0);
  app.decorateRequest('fixedNow', null);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).type('text/plain').send(`no hook at ${request.method} ${request.url}`);
  });
  const overload = { ...DEFAULT_OVERLOAD, ...options.overload };
  registerOverloadShedding(app, overload);
  registerObservability(app);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    app.readiness.ready ? { status: 'ready' } : reply.code(503).send({ status: 'shutting down' }),
  );
  app.get('/metrics', async (_request, reply) => reply.type(app.metrics.registry.contentType).send(await app.metrics.registry.metrics()));

  const context = {
    clock: options.clock ?? (() => new Date()),
    fixedClockEnabled: options.fixedClockEnabled ?? false,
    authenticate: bearerCheck(options.auth),
    dispatcher,
    retryAfterSeconds: overload.retryAfterSeconds,
  };
  for (const hook of HOOK_ROUTES) registerHookRoute(app, hook, context);
  return app;
}

/**
 * A hook body stays bytes until the hook call parses it, maybe in a worker thread; any other
 * content type has no parser, so fastify refuses it (415, answered 400 like every request that
 * is not a hook request).
 */
function acceptRawJsonBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
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
