import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import type { KubeObject } from '../../../src/k8s/metacontroller.js';
import type { DRPlanStatus } from '../../../src/api/plan.js';
import { T0 } from '../../fixtures/objects.js';
import { budgetMs, KEYS, PROTOTYPE_NAMES, requestsOf, send, STATUS_LIMIT_BYTES, statusBytes, type Answer, type Shape } from './world.js';

/**
 * The hooks against anything a user can store: every hook answers 200, within a CPU
 * time linear in the request, with a status under 1 MiB, and a plan sync keeps every history
 * record that fits its limit. Each world goes to all nine endpoints, then the plan's answer
 * is fed back with its Jobs completed, as the next sync would see it.
 */

// No overload shedding: the budgets are asserted on CPU time, not left to a 429.
const app = buildApp({ clock: () => new Date(T0), overload: { maxEventLoopDelayMs: 0 } });
afterAll(() => app.close());

/** Mostly small, sometimes as large as a request allows: shrinking then finds the size that hurts. */
const size = (small: number, large: number) =>
  fc.oneof({ arbitrary: fc.integer({ min: 0, max: small }), weight: 3 }, fc.integer({ min: 0, max: large }));

const shapeArb: fc.Arbitrary<Shape> = fc
  .record({
    name: fc.constantFrom(...PROTOTYPE_NAMES),
    actions: size(4, 2_500),
    stages: size(3, 1_500),
    params: size(4, 300),
    placeholders: size(3, 30_000),
    depth: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10_000 })),
    stringLength: size(10, 2_000_000),
    duplicates: size(2, 5_000),
    history: fc.integer({ min: 0, max: 60 }),
    historyLimit: fc.integer({ min: 1, max: 50 }),
    queued: fc.boolean(),
    valid: fc.boolean(),
    badTimeout: fc.constantFrom('0s', 'soon', `${'9'.repeat(40)}h`, '-5m'),
  })
  .map(({ badTimeout, ...shape }) => ({ ...shape, timeout: shape.valid ? '5m' : badTimeout }));

function expectWithinBudgets(path: string, answer: Answer): void {
  expect(answer.status, `${path}: ${answer.text.slice(0, 300)}`).toBe(200);
  expect(answer.cpuMs, `${path}: ${answer.requestBytes} bytes`).toBeLessThan(budgetMs(answer.requestBytes));
  expect(statusBytes(answer.text), path).toBeLessThan(STATUS_LIMIT_BYTES);
}

const completed = (job: KubeObject): KubeObject => ({
  ...job,
  metadata: { ...job.metadata, uid: `uid-${job.metadata.name}` },
  status: { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: T0 }] },
});

describe('hostile input: every hook, any storable object', () => {
  it('answers 200 within a time linear in the request, writes statuses under 1 MiB, loses no history record', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, async (shape) => {
        for (const { path, body } of requestsOf(shape)) {
          const answer = await send(app, path, body);
          expectWithinBudgets(path, answer);
          if (path !== '/drplan/sync') continue;

          const { status, children } = JSON.parse(answer.text) as { status: DRPlanStatus; children: KubeObject[] };
          const kept = new Set((status.executionHistory ?? []).map((record) => record.uid));
          if (shape.history + (shape.queued ? 1 : 0) <= shape.historyLimit) {
            for (let index = 0; index < shape.history; index++) expect(kept.has(`uid-old-${index}`), `record ${index}`).toBe(true);
          }

          const parent = body['parent'] as KubeObject;
          const jobs = Object.fromEntries(children.map((job) => [`${job.metadata.namespace}/${job.metadata.name}`, completed(job)]));
          const next = { ...body, parent: { ...parent, status }, children: { [KEYS.job]: jobs } };
          expectWithinBudgets('/drplan/sync (next)', await send(app, '/drplan/sync', next));
        }
      }),
      { numRuns: 30 },
    );
  }, 600_000);
});
