import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { redactUrl } from '../engine/runner.js';
import type { Action } from '../api/workflow.js';
import { backoffOf } from './retry.js';
import { ActionFailure, type HttpResult } from './result.js';

/** Upstream's client timeout: no single request waits longer, whatever the action's timeout. */
const MAX_REQUEST_MS = 30_000;
const BODY_CHARS = 1000;
/** More than the result keeps, so a chatty endpoint cannot exhaust the runner's memory. */
const MAX_BODY_BYTES = 64 * 1024;

export interface HttpOptions {
  /** Epoch ms by which the action must be over (its `timeout`). */
  deadline: number;
  /** Progress lines; never given headers or bodies, which carry tokens. */
  log: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Calls the endpoint until it answers with a success code, retrying on any other answer and on
 * network errors with the action's backoff, all within the action's deadline.
 */
export async function runHttp(action: Action, options: HttpOptions): Promise<HttpResult> {
  const http = action.http;
  if (http === undefined) throw new ActionFailure(`action ${action.name}: type HTTP needs an http block`);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const method = http.method ?? 'GET';
  const url = endpointOf(http.url);
  const where = redactUrl(http.url);
  const backoff = backoffOf(action.retryPolicy);
  const accepts = (code: number) => (http.successCodes?.length ? http.successCodes.includes(code) : code >= 200 && code < 300);
  let lastError = '';
  for (let attempt = 0; attempt < backoff.attempts; attempt += 1) {
    if (attempt > 0) {
      const delay = backoff.delayMs(attempt - 1);
      if (now() + delay >= options.deadline) {
        throw new ActionFailure(`${lastError}; gave up after ${attempt} attempt(s): the next retry would pass the action's timeout`);
      }
      await sleep(delay);
    }
    const remaining = options.deadline - now();
    if (remaining <= 0) break;
    try {
      const response = await send(url, method, http, Math.min(MAX_REQUEST_MS, remaining));
      if (accepts(response.statusCode)) {
        options.log(`${method} ${where}: HTTP ${response.statusCode} (attempt ${attempt + 1})`);
        return response;
      }
      lastError = `HTTP ${response.statusCode} from ${method} ${where}`;
    } catch (error) {
      lastError = `${method} ${where} failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    options.log(`attempt ${attempt + 1} of ${backoff.attempts}: ${lastError}`);
  }
  if (lastError === '') throw new ActionFailure(`${method} ${where} not attempted: the action's timeout had passed`);
  throw new ActionFailure(backoff.attempts === 1 ? lastError : `${lastError} (after ${backoff.attempts} attempts)`);
}

type HttpBlock = NonNullable<Action['http']>;

function endpointOf(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ActionFailure(`http.url is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ActionFailure(`http.url must be http or https, not ${url.protocol}`);
  return url;
}

function send(url: URL, method: string, http: HttpBlock, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const body = http.body ?? '';
    const headers: Record<string, string> = { ...http.headers };
    if (body !== '' && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const options = { method, headers, timeout: timeoutMs };
    const onResponse = (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, BODY_CHARS) });
      });
      response.on('error', fail);
    };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...options, rejectUnauthorized: http.insecureSkipVerify !== true }, onResponse)
        : httpRequest(url, options, onResponse);
    // `timeout` only covers idle sockets; a slow drip of bytes must not outlive the deadline either.
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${timeoutMs}ms`)), timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      reject(error);
    }
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on('error', fail);
    req.end(body === '' ? undefined : body);
  });
}
