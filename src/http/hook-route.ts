import type { FastifyInstance } from 'fastify';
import { capText, MAX_LOG_TEXT_CHARS } from '../k8s/bounds.js';
import { namespacedName } from '../k8s/metacontroller.js';
import type { Authentication } from './auth.js';
import { etagOf, matchesIfNoneMatch } from './etag.js';
import { FIXED_CLOCK_HEADER, requestedNow } from './fixed-clock.js';
import type { HookRoute, HookSettings } from './hooks.js';
import { canonicalJson } from '../k8s/json.js';

export interface HookRouteContext {
  clock: () => Date;
  fixedClockEnabled: boolean;
  authenticate: (header: string | undefined) => Authentication;
  settings: HookSettings;
}

/**
 * One POST endpoint: authenticate, validate the envelope, call the pure hook with the
 * clock's `now` (or the one `X-Drplan-Now` asks for, where allowed), answer canonical JSON
 * with a strong ETag (304 when Metacontroller already holds that body), and log one line.
 */
export function registerHookRoute(app: FastifyInstance, hook: HookRoute, { clock, fixedClockEnabled, authenticate, settings }: HookRouteContext): void {
  app.post(hook.path, {
    schema: { body: hook.schema },
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
      return undefined;
    },
    handler: async (request, reply) => {
      const started = performance.now();
      const object = namespacedName(hook.subject(request.body));
      let result;
      try {
        result = hook.handle(request.body, request.fixedNow ?? clock(), settings);
      } catch (error) {
        request.log.error({ hook: hook.name, object, err: error }, 'hook failed');
        return reply
          .code(500)
          .type('text/plain')
          .send(`internal error in ${hook.name} for ${object}; see the hook server log (request ${request.id})`);
      }
      const body = canonicalJson(result.response);
      const etag = etagOf(body);
      const unchanged = matchesIfNoneMatch(request.headers['if-none-match'], etag);
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      const decision = capText(result.decision, MAX_LOG_TEXT_CHARS);
      request.log.info({ hook: hook.name, object, decision, durationMs, unchanged }, 'hook');
      reply.header('etag', etag);
      if (unchanged) return reply.code(304).send();
      return reply.code(200).type('application/json').send(body);
    },
  });
}
