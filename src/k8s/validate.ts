import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

const MAX_REPORTED = 5;

/**
 * Checks an object received from the API server against its schema. The CRD normally
 * guarantees the shape, but a hook must never crash on an object that slipped past it
 * (an older CRD, a hand-edited status): the problems are reported instead.
 */
export function checkObject<T extends TSchema>(schema: T, value: unknown): Checked<Static<T>> {
  if (Value.Check(schema, value)) return { ok: true, value };
  const problems: string[] = [];
  for (const error of Value.Errors(schema, value)) {
    problems.push(`${error.path || '/'}: ${error.message}`);
    if (problems.length === MAX_REPORTED) break;
  }
  return { ok: false, problems };
}
