import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/k8s/json.js';
import { deepEqual } from '../../src/harness/types.js';

/** Few distinct leaves, so that equal pairs and near misses both come up often. */
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('a', 'b', 1, 2, true, null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 3 }),
  ),
})).value;

/** The same tree with every object's keys in reverse order. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, item]) => [key, reordered(item)]),
  );
}

describe('deepEqual of JSON trees', () => {
  it('is equality of their JSON: key order and undefined members do not count', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(deepEqual(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds a tree equal to itself with its keys in another order', () => {
    fc.assert(fc.property(json, (a) => deepEqual(a, reordered(a))));
  });

  it('tells an array from an object with the same members', () => {
    expect([deepEqual([1], { 0: 1 }), deepEqual({ 0: 1 }, [1]), deepEqual({}, [])]).toEqual([false, false, false]);
  });
});
