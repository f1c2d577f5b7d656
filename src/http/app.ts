import { timingSafeEqual } from 'node:crypto';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { DEFAULT_BODY_LIMIT_BYTES } from '../config.js';
import { namespacedName } from '../k8s/metacontroller.js';
import { HOOK_ROUTES, type HookRoute } from './hooks.js';
import { canonicalJson } from './json.js';

export interface AppOptions {
  bodyLimitBytes?: number;
  /** When set, every hook request must carry `Authorization: Bearer <token>`. */
  authToken?: string | undefined;
  /** The only clock the hooks see; tests pass a fixed one. */
  clock?: () => Date;
  logger?: FastifyServerOptions['logger'];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Cleared first on shutdown so that readiness fails before the listener closes. */
    readiness: { ready: boolean };
  }
}

/** Builds the hook server without listening; the server process and the tests share it. */
export function buildApp(options: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    disableRequestLogging: true,
    requestIdHeader: 'x-request-id',
    // Metacontroller retries forever on errors; a request that is not JSON gets 400 below.
    return503OnClosing: true,
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.decorate('readiness', { ready: true });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).type('text/plain').send(`no hook at ${request.method} ${request.url}`);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    app.readiness.ready ? { status: 'ready' } : reply.code(503).send({ status: 'shutting down' }),
  );

  const clock = options.clock ?? (() => new Date());
  const authorize = bearerCheck(options.authToken);
  for (const hook of HOOK_ROUTES) registerHook(app, hook, clock, authorize);
  return app;
}

function registerHook(app: FastifyInstance, hook: HookRoute, clock: () => Date, authorize: (header: string | undefined) => boolean): void {
  app.post(hook.path, {
    schema: { body: hook.schema },
    onRequest: async (request, reply) => {
      if (!authorize(request.headers.authorization)) {
        request.log.warn({ hook: hook.name }, 'hook request without a valid bearer token');
        return reply.code(401).type('text/plain').send('missing or invalid bearer token');
      }
      return undefined;
    },
    handler: async (request, reply) => {
      const started = performance.now();
      const subject = hook.subject(request.body);
      let result;
      try {
        result = hook.handle(request.body, clock());
      } catch (error) {
        request.log.error({ hook: hook.name, object: namespacedName(subject), err: error }, 'hook failed');
        return reply.code(500).type('text/plain').send(`internal error in ${hook.name} for ${namespacedName(subject)}; see the hook server log (request ${request.id})`);
      }
      const body = canonicalJson(result.response);
      request.log.info(
        { hook: hook.name, object: namespacedName(subject), decision: result.decision, durationMs: Math.round((performance.now() - started) * 100) / 100 },
        'hook',
      );
      return reply.code(200).type('application/json').send(body);
    },
  });
}

/** Compares in constant time so the token cannot be guessed byte by byte. */
function bearerCheck(token: string | undefined): (header: string | undefined) => boolean {
  if (token === undefined) return () => true;
  const expected = Buffer.from(`Bearer ${token}`);
  return (header) => {
    if (header === undefined) return false;
    const given = Buffer.from(header);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

/** Client mistakes get one line of reason; only our own bugs are 500s. */
function errorHandler(this: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.validation) {
    const detail = error.validation[0];
    const where = detail?.instancePath || '/';
    return badRequest(request, reply, `${where}: ${detail?.message ?? error.message}`);
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    request.log.error({ url: request.url, limit: this.initialConfig.bodyLimit }, 'hook request larger than BODY_LIMIT_BYTES; raise it');
    return reply.code(413).type('text/plain').send(`request body larger than ${this.initialConfig.bodyLimit} bytes (BODY_LIMIT_BYTES)`);
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return badRequest(request, reply, error.message);
  }
  request.log.error({ url: request.url, err: error }, 'unexpected error');
  return reply.code(500).type('text/plain').send(`internal error (request ${request.id})`);
}

function badRequest(request: FastifyRequest, reply: FastifyReply, reason: string) {
  const message = `not a Metacontroller hook request: ${reason}`;
  request.log.warn({ url: request.url, reason }, 'bad hook request');
  return reply.code(400).type('text/plain').send(message);
}
