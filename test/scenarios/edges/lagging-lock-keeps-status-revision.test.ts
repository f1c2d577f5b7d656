import { describe, expect, it } from 'vitest';
import { history } from '../../fixtures/dr.js';
import { Driver, startPlan, type Op } from '../../properties/drive.js';
import { hookErrors, Ledger, lockProblems, RunOverlap } from '../../properties/invariants.js';

/**
 * Found by the realistic-schedule property (one worker, informers one step behind).
 *
 * e01 runs; it is force-deleted as its Job completes. One plan sync records the success,
 * releases the lock (revision 3) and writes the status at revision 3. The next sync still sees
 * the lock at revision 2, held by e01: the lock keeps its holder for the grace, so nothing is
 * elected, which is right; but the status was written back at revision 2. From then on every
 * sync saw a lock (3) newer than its status (2) and was deferred as a stale view, for the whole
 * 30 s grace: a Revert created meanwhile was admitted by its own hook and never recorded by the
 * plan. The status's lock revision now never goes back (docs/design.md, "Release").
 */
describe('a plan sync that sees an older lock than its status', () => {
  it('keeps the status at its revision, so the next execution is recorded at once', async () => {
    const cluster = await startPlan({ stages: [1], historyLimit: 1 }, { seed: 197686791, workers: 1, informerLag: 1 });
    const harness = cluster.harness;
    const overlap = new RunOverlap(harness, () => `after: ${harness.events.slice(-4).join(' | ')}`);
    const ledger = new Ledger(1);
    const rounds = [
      [
        { op: 'execute', count: 2 },
        { op: 'forceDelete', pick: 3 },
      ],
      [{ op: 'forceDelete', pick: 0 }, { op: 'complete', pick: 0 }, { op: 'revert' }],
    ] satisfies Op[][];
    try {
      const driver = new Driver(harness);
      const problems: string[] = [];
      for (const round of rounds) {
        for (const step of round) await driver.perform(step);
        await harness.advance(2);
        problems.push(...overlap.problems, ...hookErrors(harness, 'allowed'), ...lockProblems(harness), ...ledger.check(harness));
      }
      expect(problems).toEqual([]);
      // Recorded and already run: its target was force-deleted, so the Revert fails with a reason.
      expect(history(harness)).toEqual(['e03:Failed']);
    } finally {
      overlap.stop();
      await cluster.close();
    }
  }, 30_000);
});
