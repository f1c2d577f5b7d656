import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Driver, opArb, setupArb, startPlan, type Op, type Setup } from './drive.js';
import { hookErrors, Ledger } from './invariants.js';
import { runs, timeout } from './model.js';

/**
 * The history rules, under random sequences of user and kubelet events through the contract
 * harness: after every settled step the ledger is bounded, keyed by uid, newest first, its
 * terminal records are final, a trimmed record never returns, no record stays open without
 * its execution, and no queued or running execution is missing from the ledger.
 */

/**
 * Found by this property, kept as a fixed example: with historyLimit 1, the queued one of two
 * Executes created together is cancelled; its Cancelled record is trimmed in the same sync, the
 * execution never sees it and stays Pending; when the running one ends, the cancelled record
 * comes back (new completionTime) and the just-finished current record is trimmed instead.
 */
const regressions: [Setup, Op[]][] = [
  [
    { stages: [1], historyLimit: 1 },
    [
      { op: 'execute', count: 2 },
      { op: 'cancel', pick: 1 },
      { op: 'complete', pick: 0 },
    ],
  ],
];

describe('the plan history ledger', () => {
  it(
    'stays bounded, unique, newest first, final once terminal, never resurrected, never orphaned, complete',
    async () => {
      await fc.assert(
        fc.asyncProperty(setupArb, fc.array(opArb, { minLength: 1, maxLength: 12 }), async (setup, ops) => {
          const cluster = await startPlan(setup);
          try {
            const driver = new Driver(cluster.harness);
            const ledger = new Ledger(setup.historyLimit);
            const done: string[] = [];
            for (const op of ops) {
              done.push(await driver.perform(op));
              await cluster.harness.settle();
              const problems = [...hookErrors(cluster.harness), ...ledger.check(cluster.harness)];
              if (problems.length > 0) throw new Error(`after [${done.join('; ')}]:\n  ${problems.join('\n  ')}`);
            }
          } finally {
            await cluster.close();
          }
        }),
        { numRuns: runs(50), examples: regressions },
      );
    },
    timeout(120_000),
  );
});
