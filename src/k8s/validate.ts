import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { objectsOfKind, type ObjectMap } from './metacontroller.js';
import { readUpstream } from './upstream.js';
import { rememberedWhenFrozen } from '../shared/frozen.js';
import { passesInParts } from './checked-parts.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

const MAX_REPORTED = 5;

/**
 * Each schema is compiled once, on first use: the plan hook checks every related execution,
 * whole run history included, on every sync, and the interpreted `Value.Check` walked the schema
 * anew for each value (most of a plan sync's time with 100 executions). Same verdicts: the
 * compiler and `Value` implement one specification, formats come from the same registry.
 */
const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

export function compiledCheck(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

/**
 * Checks an object received from the API server against its schema. The CRD normally
 * guarantees the shape, but a hook must never crash on an object that slipped past it
 * (an older CRD, a hand-edited status): the problems are reported instead. What the Go
 * controller writes differently is read as this project's own (`readUpstream`); that costs
 * nothing for the objects that pass as they are.
 */
export function checkObject<T extends TSchema>(schema: T, value: unknown): Checked<Static<T>> {
  if (typeof value !== 'object' || value === null) return checkNow(schema, value);
  let check = frozenChecks.get(schema);
  if (check === undefined) {
    check = rememberedWhenFrozen((object: object) => checkNow(schema, object));
    frozenChecks.set(schema, check);
  }
  return check(value);
}

/** Per schema, the verdicts on frozen values (a rehearsal's), each worked out once. */
const frozenChecks = new WeakMap<TSchema, (value: object) => Checked<unknown>>();

function checkNow<T extends TSchema>(schema: T, value: unknown): Checked<Static<T>> {
  const check = compiledCheck(schema);
  const frozen = typeof value === 'object' && value !== null && Object.isFrozen(value);
  if (frozen ? passesInParts(schema, value, compiledCheck) : check.Check(value)) return { ok: true, value: value as Static<T> };
  const read = readUpstream(value);
  if (read !== value && check.Check(read)) return { ok: true, value: read as Static<T> };
  return { ok: false, problems: problemsOf(schema, read) };
}

/**
 * One line per wrong field, first problem of each field, in words a user can act on; each starts
 * with the field's path (empty for the value itself), so callers can prefix where it sits.
 */
export function problemsOf(schema: TSchema, value: unknown): string[] {
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, value)) {
    const path = error.path;
    if (!problems.has(path)) problems.set(path, `${path}: ${describeError(error)}`);
    if (problems.size === MAX_REPORTED) break;
  }
  return [...problems.values()];
}

function describeError(error: ValueError): string {
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.Union: {
      const choices = ((error.schema['anyOf'] ?? []) as { const?: unknown }[]).map((member) => member.const);
      if (choices.length > 0 && choices.every((choice) => typeof choice === 'string')) {
        return `must be one of ${choices.join(', ')} (got ${shown(error.value)})`;
      }
      return `${error.message} (got ${shown(error.value)})`;
    }
    case ValueErrorType.String:
      return `must be a string (got ${shown(error.value)})`;
    case ValueErrorType.Integer:
      return `must be an integer (got ${shown(error.value)})`;
    case ValueErrorType.Boolean:
      return `must be true or false (got ${shown(error.value)})`;
    case ValueErrorType.Object:
      return `must be an object (got ${shown(error.value)})`;
    case ValueErrorType.Array:
      return `must be a list (got ${shown(error.value)})`;
    default:
      return error.message;
  }
}

/** A value as it appears in a message: short scalars as JSON, anything else by its kind. */
function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The objects of one kind in a request map that match their schema, in the stable order of
 * `objectsOfKind`; the others are left out here and reported by their own hook.
 */
export function validObjectsOfKind<T extends TSchema>(
  map: ObjectMap | undefined,
  kind: string,
  apiVersion: string,
  schema: T,
): Static<T>[] {
  return objectsOfKind(map, kind, apiVersion).flatMap((object) => {
    const checked = checkObject(schema, object);
    return checked.ok ? [checked.value] : [];
  });
}
