import fc from 'fast-check';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../../src/harness/index.js';
import { answerHook } from '../../src/http/hook-call.js';
import { HOOK_ROUTES } from '../../src/http/hooks.js';
import { DEFAULT_RUNNER } from '../../src/engine/runner.js';

/**
 * A request's envelope is checked as its shape plus each object on its own (so a frozen object
 * is checked once): the verdict must be the whole schema's, for well-formed and broken requests.
 */

const name = fc.constantFrom('a', 'b', 'p1');
const object = fc.oneof(
  fc.record({
    apiVersion: fc.constant('v1'),
    kind: fc.constant('ConfigMap'),
    metadata: fc.record({ name, namespace: fc.constant('default') }),
  }),
  fc.record({ kind: fc.constant('ConfigMap'), metadata: fc.record({ name: fc.integer() }) }),
  fc.record({ metadata: fc.record({ name, labels: fc.dictionary(name, fc.oneof(fc.string(), fc.integer())) }) }),
  fc.record({ apiVersion: fc.constant('v1') }),
  fc.constantFrom(1, 'x', null, [], undefined),
);
const objectMap = fc.oneof(
  fc.dictionary(fc.constantFrom('ConfigMap.v1', 'Job.batch/v1'), fc.oneof(fc.dictionary(name, object), fc.constantFrom(7, []))),
  fc.constantFrom('x', [], null),
);
const request = fc.record(
  {
    parent: object,
    object,
    children: objectMap,
    attachments: objectMap,
    related: objectMap,
    finalizing: fc.oneof(fc.boolean(), fc.constant('yes')),
  },
  { requiredKeys: [] },
);

describe('the envelope check', () => {
  it.each(['/drplan/sync', '/drplanexecution/sync', '/drworkflow/customize'])('%s refuses exactly what its schema refuses', (path) => {
    const route = HOOK_ROUTES.find((candidate) => candidate.path === path);
    if (route === undefined) throw new Error(`no route ${path}`);
    const schema = TypeCompiler.Compile(route.schema);
    const refused = (value: unknown) => answerHook(route, value, 0, { runner: DEFAULT_RUNNER }).kind === 'refused';
    fc.assert(
      fc.property(request, (value) => {
        const expected = !schema.Check(value);
        expect(refused(value)).toBe(expected);
        // Frozen, as a rehearsal sends it: twice, the second time from what was remembered.
        const frozen = deepFreeze(structuredClone(value));
        expect([refused(frozen), refused(frozen)]).toEqual([expected, expected]);
      }),
      { numRuns: 500 },
    );
  });
});
