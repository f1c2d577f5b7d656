import { canonicalJson } from '../k8s/json.js';
import type { Run } from '../api/run.js';
import type { RunnerOutcome } from './runner.js';

/**
 * What a runner result (an HTTP response, the reference of an object and its per-cluster
 * statuses) may add to its action in the plan's status, so that a run's size is known before it
 * starts (docs/design.md, "Runner results"): a fixed part for its kind, and up to
 * MAX_RESULT_BYTES more; a run too large for that keeps less (`run.resultBytes`), but never
 * less than RESULT_MIN_SHARE times what its step messages may take.
 */
export const MAX_RESULT_BYTES = 1024;
export const RESULT_MIN_SHARE = 2;

/**
 * The reference the fixed part has room for: a name and namespace as long as a DNS label, a uid,
 * and a kind and apiVersion of 32 characters. A longer one takes from the part past the fixed
 * one, which is never less than RESULT_MIN_SHARE × MIN_STEP_MESSAGE_CHARS (128 bytes): enough
 * for a kind and apiVersion of 63 characters too.
 */
const LONGEST = { kind: 32, apiVersion: 32, namespace: 63, name: 63, uid: 36 };

/** The part of a result every runner action of its kind may take, whatever the run's size. */
export const RESULT_FIXED_BYTES = {
  http: jsonBytes({ httpResponse: { statusCode: 599, body: '' } }),
  resource: jsonBytes({
    // The longest of the output keys.
    globalizationRef: Object.fromEntries(Object.entries(LONGEST).map(([field, length]) => [field, 'x'.repeat(length)])),
    clusterStatuses: [],
  }),
};

/** The bytes of JSON a runner result of `kind` may take in this run. */
export function resultBudget(run: Pick<Run, 'resultBytes'>, kind: 'http' | 'resource'): number {
  return RESULT_FIXED_BYTES[kind] + (run.resultBytes ?? MAX_RESULT_BYTES);
}

/**
 * The result as the status keeps it, within `budget` bytes of JSON: an HTTP body is cut (it is
 * only a sample of the response anyway) and per-cluster statuses beyond the budget are left out;
 * a reference too long to keep is an error, since a shortened one would name another object.
 */
export function keptResult(outcome: RunnerOutcome, budget: number): RunnerOutcome | { error: string } {
  const body = outcome.outputs.httpResponse?.body;
  if (body !== undefined) {
    const httpResponse = outcome.outputs.httpResponse;
    const fits = (chars: number) =>
      resultBytes({ ...outcome, outputs: { httpResponse: { ...httpResponse, body: cut(body, chars) } } }) <= budget;
    const chars = longestThatFits(body.length, fits);
    return chars === body.length ? outcome : { ...outcome, outputs: { httpResponse: { ...httpResponse, body: cut(body, chars) } } };
  }
  const { clusterStatuses, ...rest } = outcome;
  const size = resultBytes(rest);
  if (size > budget)
    return { error: `it names an object too long to record: ${size} bytes of JSON, more than the ${budget} a result may take in this run` };
  if (clusterStatuses === undefined || resultBytes(outcome) <= budget) return outcome;
  const count = longestThatFits(
    clusterStatuses.length,
    (n) => resultBytes({ ...rest, clusterStatuses: clusterStatuses.slice(0, n) }) <= budget,
  );
  return { ...rest, clusterStatuses: clusterStatuses.slice(0, count) };
}

function resultBytes({ outputs, clusterStatuses }: RunnerOutcome): number {
  return jsonBytes(clusterStatuses === undefined ? outputs : { ...outputs, clusterStatuses });
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(canonicalJson(value));
}

/** The first `chars` characters, never half of a surrogate pair. */
function cut(text: string, chars: number): string {
  const end = chars > 0 && chars < text.length && /[\uD800-\uDBFF]/.test(text.charAt(chars - 1)) ? chars - 1 : chars;
  return text.slice(0, end);
}

/** The largest n in 0..most with fits(n), for a `fits` that holds up to some n and not beyond. */
function longestThatFits(most: number, fits: (n: number) => boolean): number {
  if (fits(most)) return most;
  let low = 0;
  let high = most;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return low;
}
