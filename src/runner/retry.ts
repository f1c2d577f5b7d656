import { parseDuration } from '../k8s/time.js';
import { ActionFailure } from './result.js';

export interface RetryPolicyInput {
  limit?: number | undefined;
  interval?: string | undefined;
  backoffMultiplier?: string | undefined;
}

export interface Backoff {
  /** Total attempts: the first one plus `limit` retries. */
  attempts: number;
  /** Milliseconds to wait before retry `k` (0 for the first retry). */
  delayMs: (k: number) => number;
}

const DEFAULT_LIMIT = 3;
const DEFAULT_INTERVAL = '5s';
const DEFAULT_MULTIPLIER = '2.0';
const MAX_DELAY_MS = 5 * 60 * 1000;

/**
 * The retry schedule of an HTTP action: `limit` retries (0 = a single attempt), the first after
 * `interval`, each next one `backoffMultiplier` times longer, capped at five minutes, no jitter.
 */
export function backoffOf(policy: RetryPolicyInput | undefined): Backoff {
  const limit = policy?.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 0) throw new ActionFailure(`retryPolicy.limit ${String(limit)} must be an integer >= 0`);
  const intervalText = policy?.interval ?? DEFAULT_INTERVAL;
  const interval = parseDuration(intervalText);
  if (interval === undefined) throw new ActionFailure(`retryPolicy.interval "${intervalText}" is not a duration such as 500ms, 5s or 1m`);
  const multiplierText = policy?.backoffMultiplier ?? DEFAULT_MULTIPLIER;
  const multiplier = Number(multiplierText);
  if (multiplierText.trim() === '' || !Number.isFinite(multiplier) || multiplier < 1) {
    throw new ActionFailure(`retryPolicy.backoffMultiplier "${multiplierText}" must be a number >= 1`);
  }
  return {
    attempts: limit + 1,
    delayMs: (k) => Math.min(MAX_DELAY_MS, interval * multiplier ** k),
  };
}
