import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Driver, opArb, setupArb, startPlan } from './drive.js';
import { hookErrors, lockProblems } from './invariants.js';
import { runs, timeout } from './model.js';

/**
 * Two executions of a plan never run at once. Each step applies one to
 * three events before the controllers react (so creations, deletions, cancels and Job
 * outcomes race each other), then settles and checks the lock.
 */

describe('one run at a time', () => {
  it(
    'at most one Running execution, it is the current one, and only its Jobs are active',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          setupArb,
          fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 10 }),
          async (setup, steps) => {
            const cluster = await startPlan(setup);
            try {
              const driver = new Driver(cluster.harness);
              const done: string[] = [];
              for (const events of steps) {
                // `advance` settles on its own; the others only record watch events until settle().
                const did: string[] = [];
                for (const op of events) did.push(await driver.perform(op));
                done.push(did.join(' + '));
                await cluster.harness.settle();
                const problems = [...hookErrors(cluster.harness), ...lockProblems(cluster.harness)];
                if (problems.length > 0) throw new Error(`after [${done.join('; ')}]:\n  ${problems.join('\n  ')}`);
              }
            } finally {
              await cluster.close();
            }
          },
        ),
        { numRuns: runs(40) },
      );
    },
    timeout(120_000),
  );
});
