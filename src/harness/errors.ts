/**
 * Failures the fake control plane reports instead of crashing: an API server rejection or a
 * hook that did not give a usable answer. The reconcile loop turns both into a recorded error
 * and a backoff retry, as Metacontroller does; anything else is a harness bug and propagates.
 */

export type ApiErrorReason =
  'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'Forbidden' | 'BadRequest' | 'MethodNotAllowed' | 'UnsupportedMediaType';

export class ApiError extends Error {
  constructor(
    readonly reason: ApiErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class HookError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly body: string,
  ) {
    super(message);
    this.name = 'HookError';
  }
}

/** A 429 answer: retried after Retry-After seconds, without a recorded error (as Metacontroller). */
export class ThrottledError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`hook asked to retry after ${retryAfterSeconds}s`);
    this.name = 'ThrottledError';
  }
}

/** A sync that fails after the hook answered: bad related rules, child/selector mismatches, API rejections. */
export class SyncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncError';
  }
}
