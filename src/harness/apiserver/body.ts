import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../errors.js';
import { failureStatus } from './status.js';

/** A whole answer: status code and JSON body. */
export interface Reply {
  code: number;
  body: unknown;
}

export function parseBody(text: string, request: IncomingMessage): unknown {
  const contentType = request.headers['content-type'] ?? 'application/json';
  if (contentType.includes('yaml')) return parseApplyBody(text);
  return parseJson(text);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('BadRequest', 'the request body is not valid JSON');
  }
}

export function parseApplyBody(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    throw new ApiError('BadRequest', 'the request body is not valid YAML');
  }
}

export function errorReply(error: unknown): Reply {
  if (error instanceof ApiError) {
    const { code, body } = failureStatus(error);
    return { code, body };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 500,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 },
  };
}
