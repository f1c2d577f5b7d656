import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { capText, MAX_LOG_TEXT_CHARS } from '../k8s/bounds.js';
import type { Authentication } from './auth.js';
import { badRequest } from './errors.js';
import { matchesIfNoneMatch } from './etag.js';
import { FIXED_CLOCK_HEADER, requestedNow } from './fixed-clock.js';
import type { HookOutcome } from './hook-call.js';
import type { HookDispatcher } from './hook-dispatcher.js';
import type { HookRoute } from './hooks.js';
import { overloaded } from './overload.js';
import { TaskAbandoned } from './worker-pool.js';

export interface HookRouteContext {
  clock: () => Date;
  fixedClockEnabled: boolean;
  authenticate: (header: string | undefined) => Authentication;
  dispatcher: HookDispatcher;
  /** The `Retry-After` of a call refused because the workers' queue is full. */
  retryAfterSeconds: number;
}

/**
 * One POST endpoint: authenticate, hand the raw body to the dispatcher with the clock's `now` (or
 * the one `X-Drplan-Now` asks for, where allowed), which parses, checks the envelope, calls the
 * pure hook and serialises canonical JSON with a strong ETag; answer it (304 when Metacontroller
 * already holds that body), and log one line.
 */
export function registerHookRoute(app: FastifyInstance, hook: HookRoute, context: HookRouteContext): void {
  const { clock, fixedClockEnabled, authenticate, dispatcher, retryAfterSeconds } = context;
  app.post(hook.path, {
    config: { hook: hook.name },
    onRequest: async (request, reply) => {
      const authentication = authenticate(request.headers.authorization);
      if (authentication === 'previous') {
        // The sign that a token rotation is not finished: Metacontroller still sends the old one.
        request.log.warn({ hook: hook.name }, 'hook request authenticated with HOOK_AUTH_TOKEN_PREVIOUS');
      }
      if (authentication === 'refused') {
        request.log.warn({ hook: hook.name }, 'hook request without a valid bearer token');
        return reply.code(401).type('text/plain').send('missing or invalid bearer token');
      }
      // Checked before the body is read: a refused clock costs nothing.
      request.fixedNow = requestedNow(request.headers[FIXED_CLOCK_HEADER], fixedClockEnabled) ?? null;
      // Nor does a call the workers could not take: its body is discarded as it arrives,
      // never held in memory to be refused once complete.
      if (dispatcher.wouldRefuse(Number(request.headers['content-length'] ?? 0))) {
        return reply.send(overloaded(request, reply, 'hookQueue', retryAfterSeconds));
      }
      return undefined;
    },
    handler: async (request, reply) => {
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      const body = Buffer.isBuffer(request.body) ? request.body : undefined;
      const pending = dispatcher.run({ hook: hook.name, body, nowMs: (request.fixedNow ?? clock()).getTime() }, gone.signal);
      if (pending === undefined) return reply.send(overloaded(request, reply, 'hookQueue', retryAfterSeconds));
      let outcome: HookOutcome;
      try {
        outcome = await pending;
      } catch (error) {
        if (!(error instanceof TaskAbandoned)) throw error;
        request.log.warn({ hook: hook.name }, 'hook request dropped: the client went away while it waited for a worker');
        return reply.code(503).type('text/plain').send('the client went away while the request waited');
      }
      return answer(request, reply, hook.name, outcome);
    },
  });
}

function answer(request: FastifyRequest, reply: FastifyReply, hook: string, outcome: HookOutcome) {
  if (outcome.kind === 'refused') return badRequest(request, reply, outcome.reason);
  const { object } = outcome;
  if (outcome.kind === 'failed') {
    request.log.error({ hook, object, err: outcome.error }, 'hook failed');
    return reply
      .code(500)
      .type('text/plain')
      .send(`internal error in ${hook} for ${object}; see the hook server log (request ${request.id})`);
  }
  const decision = capText(outcome.decision, MAX_LOG_TEXT_CHARS);
  if (outcome.kind === 'deferred') {
    // 429 is the one answer Metacontroller retries quietly, after Retry-After, having written nothing.
    request.log.info({ hook, object, decision, durationMs: outcome.durationMs, deferred: outcome.retryAfterSeconds }, 'hook');
    return reply.code(429).header('retry-after', String(outcome.retryAfterSeconds)).type('text/plain').send(decision);
  }
  const unchanged = matchesIfNoneMatch(request.headers['if-none-match'], outcome.etag);
  request.log.info({ hook, object, decision, durationMs: outcome.durationMs, unchanged }, 'hook');
  reply.header('etag', outcome.etag);
  if (unchanged) return reply.code(304).send();
  const body =
    typeof outcome.body === 'string' ? outcome.body : Buffer.from(outcome.body.buffer, outcome.body.byteOffset, outcome.body.byteLength);
  return reply.code(200).type('application/json').send(body);
}
