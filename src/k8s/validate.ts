import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { objectsOfKind, type ObjectMap } from './metacontroller.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

const MAX_REPORTED = 5;

/**
 * Each schema is compiled once, on first use: the plan hook checks every related execution,
 * whole run history included, on every sync, and the interpreted `Value.Check` walked the schema
 * anew for each value (most of a plan sync's time with 100 executions). Same verdicts: the
 * compiler and `Value` implement one specification, formats come from the same registry.
 */
const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function compiledCheck(schema: TSchema): TypeCheck<TSchema> {
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
 * (an older CRD, a hand-edited status): the problems are reported instead.
 */
export function checkObject<T extends TSchema>(schema: T, value: unknown): Checked<Static<T>> {
  if (compiledCheck(schema).Check(value)) return { ok: true, value: value as Static<T> };
  const problems: string[] = [];
  for (const error of Value.Errors(schema, value)) {
    problems.push(`${error.path || '/'}: ${error.message}`);
    if (problems.length === MAX_REPORTED) break;
  }
  return { ok: false, problems };
}

/**
 * The objects of one kind in a request map that match their schema, in the stable order of
 * `objectsOfKind`; the others are left out here and reported by their own hook.
 */
export function validObjectsOfKind<T extends TSchema>(map: ObjectMap | undefined, kind: string, apiVersion: string, schema: T): Static<T>[] {
  return objectsOfKind(map, kind, apiVersion).flatMap((object) => {
    const checked = checkObject(schema, object);
    return checked.ok ? [checked.value] : [];
  });
}
