import type { InProcessHooks, InProcessResponse } from '../harness/index.js';
import { capText, MAX_LOG_TEXT_CHARS } from '../k8s/bounds.js';
import { badRequestText } from '../http/errors.js';
import { answerHook } from '../http/hook-call.js';
import { HOOK_ROUTES, type HookSettings } from '../http/hooks.js';

const routes = new Map(HOOK_ROUTES.map((route) => [route.path, route]));

/**
 * The hook server's routes as functions, for a rehearsal: the same envelope check and pure hook
 * as a POST, the same status codes and texts, without a body to serialise or parse on either side.
 */
export function inProcessHooks(clock: () => Date, settings: HookSettings): InProcessHooks {
  return {
    inProcess(path, request): InProcessResponse {
      const route = routes.get(path);
      if (route === undefined) return text(404, `no hook at ${path}`);
      const answer = answerHook(route, request, clock().getTime(), settings);
      switch (answer.kind) {
        case 'answered':
          return { statusCode: 200, value: answer.response };
        case 'deferred':
          return {
            ...text(429, capText(answer.decision, MAX_LOG_TEXT_CHARS)),
            headers: { 'retry-after': String(answer.retryAfterSeconds) },
          };
        case 'refused':
          return text(400, badRequestText(answer.reason));
        case 'failed':
          // No log to point at: the error itself is the message.
          return text(500, `internal error in ${route.name} for ${answer.object}: ${String(answer.error)}`);
      }
    },
  };
}

function text(statusCode: number, body: string): InProcessResponse {
  return { statusCode, body, headers: {} };
}
