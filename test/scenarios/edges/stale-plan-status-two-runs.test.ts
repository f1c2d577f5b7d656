import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/harness/index.js';
import { getPlan } from '../../fixtures/dr.js';
import { Driver, startPlan } from '../../properties/drive.js';
import { hookErrors, lockProblems, RunOverlap } from '../../properties/invariants.js';

/**
 * Found by the realistic-schedule property; held since the lock is a child (docs/design.md, "Release").
 *
 * Two Executes created in the same instant, Metacontroller with 2 workers per controller and
 * informers up to 2 steps behind. The plan syncs once with only one of them admitted in its
 * cache and elects it (status S1, its Job created); the next plan sync starts before the plan
 * informer has applied S1 (Metacontroller reads the parent from its cache and writes status on
 * the live object without a resourceVersion precondition), and before the Job informer shows
 * the new Job. From the older status it sees no current run, both executions admitted, and
 * elects the other one: its Job is created while the first one's still exists, and S1 is
 * overwritten. The plan then flips between the two as each sync reads the status of the one
 * before; once settled, both executions said Running. The lock ConfigMap now refuses the
 * second election (its update carries the cached resourceVersion), and a status that names
 * another run than the lock is taken back.
 */
describe('two Executes at once under a lagging plan informer', () => {
  it("never has two runs' Jobs active, nor two Running executions", async () => {
    const cluster = await startPlan({ stages: [1], historyLimit: 1 }, { seed: 1, workers: 2, informerLag: 2 });
    const harness = cluster.harness;
    const overlap = new RunOverlap(harness, () => `after: ${harness.events.slice(-4).join(' | ')}`);
    try {
      await new Driver(harness).perform({ op: 'execute', count: 2 });
      await harness.settle();
      const running = harness
        .list('DRPlanExecution')
        .filter((e: KubeObject) => (e.status as { phase?: string } | undefined)?.phase === 'Running');
      expect({ overlap: overlap.problems, lock: [...hookErrors(harness, 'allowed'), ...lockProblems(harness)] }).toEqual({
        overlap: [],
        lock: [],
      });
      expect(running.map((e) => e.metadata.name)).toEqual([getPlan(harness).status?.currentExecution?.name]);
    } finally {
      overlap.stop();
      await cluster.close();
    }
  }, 30_000);
});
