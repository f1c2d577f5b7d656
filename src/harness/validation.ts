import { ApiError } from './errors.js';
import type { ResourceType } from './resources.js';
import { isRecord } from './types.js';

/**
 * The subset of API-server object validation that hook output can violate: names, label and
 * annotation syntax. A hook that produces an invalid child must see the same failure it would
 * see on a cluster, not a harness that silently accepts it.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** Kinds whose names must be DNS labels: Jobs put their name in a Pod label, Namespaces are labels. */
const LABEL_NAMED_KINDS: readonly string[] = ['Job', 'Namespace'];

export function validateObjectMeta(type: ResourceType, metadata: Record<string, unknown>): void {
  const name = metadata.name;
  const what = `${type.kind} ${JSON.stringify(name)}`;
  if (typeof name !== 'string') throw invalid(what, 'metadata.name: Required value');
  if (LABEL_NAMED_KINDS.includes(type.kind)) {
    if (name.length > 63 || !DNS_LABEL.test(name)) {
      throw invalid(what, 'metadata.name: must be a lowercase RFC 1123 label of at most 63 characters');
    }
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw invalid(what, 'metadata.name: must be a lowercase RFC 1123 subdomain');
  }
  const labels = stringMap(metadata.labels, what, 'metadata.labels');
  for (const [key, value] of Object.entries(labels)) {
    checkQualifiedKey(key, what, 'metadata.labels');
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      throw invalid(
        what,
        `metadata.labels: Invalid value: ${JSON.stringify(value)}: a label value must be at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric`,
      );
    }
  }
  const annotations = stringMap(metadata.annotations, what, 'metadata.annotations');
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    checkQualifiedKey(key, what, 'metadata.annotations');
    size += key.length + Buffer.byteLength(value);
  }
  if (size > MAX_ANNOTATIONS_BYTES) throw invalid(what, `metadata.annotations: Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes`);
  const finalizers = metadata.finalizers;
  if (finalizers !== undefined && (!Array.isArray(finalizers) || !finalizers.every((f) => typeof f === 'string'))) {
    throw invalid(what, 'metadata.finalizers must be a list of strings');
  }
}

function stringMap(value: unknown, what: string, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalid(what, `${field} must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid(what, `${field}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

function checkQualifiedKey(key: string, what: string, field: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    throw invalid(what, `${field}: Invalid value: ${JSON.stringify(key)}: not a valid qualified name`);
  }
}

function invalid(what: string, detail: string): ApiError {
  return new ApiError('Invalid', `${what} is invalid: ${detail}`);
}
