import { capText, MAX_PROBLEM_CHARS } from '../k8s/bounds.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Client mistakes get one line of reason; only our own bugs are 500s. */
export function errorHandler(this: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = this.initialConfig.bodyLimit;
    request.log.error({ url: request.url, limit }, 'hook request larger than BODY_LIMIT_BYTES; raise it');
    return reply.code(413).type('text/plain').send(`request body larger than ${limit} bytes (BODY_LIMIT_BYTES)`);
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return badRequest(request, reply, error.message);
  }
  request.log.error({ url: request.url, err: error }, 'unexpected error');
  return reply.code(500).type('text/plain').send(`internal error (request ${request.id})`);
}

const NOT_A_HOOK_REQUEST = 'not a Metacontroller hook request:';

/** 400 with one line of reason: the request is not a Metacontroller hook request. */
export function badRequest(request: FastifyRequest, reply: FastifyReply, detail: string) {
  const reason = oneLineReason(detail);
  request.log.warn({ url: request.url, reason }, 'bad hook request');
  return reply.code(400).type('text/plain').send(`${NOT_A_HOOK_REQUEST} ${reason}`);
}

/** The reason may quote the request (a path through user keys): one short line, in the log and the answer. */
function oneLineReason(detail: string): string {
  return capText(detail.replace(/\s+/g, ' '), MAX_PROBLEM_CHARS);
}

/** The body of a 400, wherever the hooks are called from. */
export function badRequestText(detail: string): string {
  return `${NOT_A_HOOK_REQUEST} ${oneLineReason(detail)}`;
}
