import { createHash } from 'node:crypto';

const MAX_LABEL = 63;

export function shortHash(input: string, length = 8): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}

/** Lower-case DNS-1123 label characters only, no leading or trailing dash. */
function dnsSafe(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * A DNS-1123 label built from readable parts plus a hash of `identity`, so two different
 * identities never share a name however the readable parts are cut.
 */
export function hashedName(parts: readonly string[], identity: string): string {
  const suffix = shortHash(identity);
  const readable = dnsSafe(parts.join('-'))
    .slice(0, MAX_LABEL - suffix.length - 1)
    .replace(/-$/, '');
  return readable === '' ? suffix : `${readable}-${suffix}`;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The value itself when it is a valid label value, else a cut-down form with a hash. */
export function labelValue(value: string): string {
  if (value.length <= MAX_LABEL && LABEL_VALUE.test(value)) return value;
  const suffix = shortHash(value);
  const readable = value
    .replace(/[^-A-Za-z0-9_.]+/g, '-')
    .slice(0, MAX_LABEL - suffix.length - 1)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return readable === '' ? suffix : `${readable}-${suffix}`;
}
