import { parse } from 'yaml';
import { isRecord, jsonBytes } from '../k8s/json.js';
import type { Run, RunAction } from '../api/run.js';
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
 * The most the names of a reference can take: a 253-character name, a 63-character namespace
 * and kind, and an apiVersion of a 253-character group and a 63-character version.
 */
const LONGEST_NAMES = 253 + 63 + 63 + 253 + 1 + 63;
const UID_CHARS = 36;
const CLUSTERNET_API_VERSION = 'apps.clusternet.io/v1alpha1';
/** Where each Clusternet action names its object. */
const CLUSTERNET_BLOCKS: Readonly<Record<string, string>> = {
  Localization: 'localization',
  Subscription: 'subscription',
  Globalization: 'globalization',
  HelmChart: 'helmChart',
};

const HTTP_FIXED_BYTES = jsonBytes({ httpResponse: { statusCode: 599, body: '' } });
/** A reference with empty names, under the longest of the output keys, and an empty list of per-cluster statuses. */
const REFERENCE_FIXED_BYTES = jsonBytes({
  globalizationRef: { kind: '', apiVersion: '', namespace: '', name: '', uid: 'x'.repeat(UID_CHARS) },
  clusterStatuses: [],
});

/**
 * The part of a runner action's result it may take whatever the run's size: a status code and
 * an empty body, or the reference of the object it acts on. Those names are read from the
 * action (its manifest, or its name, namespace and kind) and the plan's namespace, so the room
 * kept is the reference's own; where they cannot be read, the longest reference Kubernetes allows.
 */
export function resultFixedBytes(action: Pick<RunAction, 'runner'>, namespace: string): number {
  if (action.runner?.kind === 'http') return HTTP_FIXED_BYTES;
  return REFERENCE_FIXED_BYTES + Math.min(LONGEST_NAMES, namesLength(action.runner?.action, namespace) ?? LONGEST_NAMES);
}

/** The characters of the kind, apiVersion, name and namespace a resource action's result will name. */
function namesLength(action: unknown, namespace: string): number | undefined {
  if (!isRecord(action) || typeof action['type'] !== 'string') return undefined;
  const chars = (value: unknown) => (typeof value === 'string' ? value.length : 0);
  if (action['type'] === 'KubernetesResource') {
    const object = manifestOf(action['resource']);
    if (object === undefined || !isRecord(object['metadata'])) return undefined;
    const metadata = object['metadata'];
    return (
      chars(object['kind']) + chars(object['apiVersion']) + chars(metadata['name']) + (chars(metadata['namespace']) || namespace.length)
    );
  }
  const key = CLUSTERNET_BLOCKS[action['type']];
  const block = key === undefined ? undefined : action[key];
  if (!isRecord(block)) return undefined;
  return action['type'].length + CLUSTERNET_API_VERSION.length + chars(block['name']) + (chars(block['namespace']) || namespace.length);
}

function manifestOf(resource: unknown): Record<string, unknown> | undefined {
  if (!isRecord(resource) || typeof resource['manifest'] !== 'string') return undefined;
  try {
    const value: unknown = parse(resource['manifest']);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The bytes of JSON the result of `action` may take in this run. Without its definition (kept
 * apart, its ConfigMap gone since it started) the room kept for it is not known: the smallest
 * is assumed, so a body or per-cluster statuses are cut rather than the run's budget overrun.
 */
export function resultBudget(run: Pick<Run, 'resultBytes'>, action: Pick<RunAction, 'runner'>, namespace: string): number {
  const fixed = action.runner === undefined ? HTTP_FIXED_BYTES : resultFixedBytes(action, namespace);
  return fixed + (run.resultBytes ?? MAX_RESULT_BYTES);
}

/**
 * The result as the status keeps it, within `budget` bytes of JSON: an HTTP body is cut (it is
 * only a sample of the response anyway) and per-cluster statuses beyond the budget are left out.
 * A reference is always kept whole: a shortened one would name another object, and a Revert
 * needs it. Its room was kept when the run started, from the names the action gives.
 */
export function keptResult(outcome: RunnerOutcome, budget: number): RunnerOutcome {
  const body = outcome.outputs.httpResponse?.body;
  if (body !== undefined) {
    const httpResponse = outcome.outputs.httpResponse;
    const withBody = (chars: number): RunnerOutcome => ({
      ...outcome,
      outputs: { httpResponse: { ...httpResponse, body: cut(body, chars) } },
    });
    const chars = longestThatFits(body.length, (n) => resultBytes(withBody(n)) <= budget);
    return chars === body.length ? outcome : withBody(chars);
  }
  const { clusterStatuses, ...reference } = outcome;
  if (clusterStatuses === undefined || resultBytes(outcome) <= budget) return outcome;
  const count = longestThatFits(
    clusterStatuses.length,
    (n) => resultBytes({ ...reference, clusterStatuses: clusterStatuses.slice(0, n) }) <= budget,
  );
  return count === 0 ? reference : { ...reference, clusterStatuses: clusterStatuses.slice(0, count) };
}

function resultBytes({ outputs, clusterStatuses }: RunnerOutcome): number {
  return jsonBytes(clusterStatuses === undefined ? outputs : { ...outputs, clusterStatuses });
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
