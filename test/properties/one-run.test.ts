import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { ContractHarness } from '../../src/harness/index.js';
import { LABEL_EXECUTION } from '../../src/k8s/labels.js';
import { getPlan } from '../fixtures/dr.js';
import { NAMESPACE } from '../fixtures/objects.js';
import { Driver, executions, isFinished, opArb, setupArb, startPlan } from './drive.js';
import { runs, timeout } from './model.js';

/**
 * SPEC §5 "Election": two executions of a plan never run at once. Each step applies one to
 * three events before the controllers react (so creations, deletions, cancels and Job
 * outcomes race each other), then settles and checks the lock.
 */

function lockProblems(harness: ContractHarness): string[] {
  const problems: string[] = [];
  if (harness.errors.length > 0) problems.push(`hook errors: ${JSON.stringify(harness.errors)}`);
  const current = getPlan(harness).status?.currentExecution;
  const running = executions(harness).filter((e) => (e.status as { phase?: string } | undefined)?.phase === 'Running');
  if (running.length > 1) problems.push(`${running.length} executions Running: ${running.map((e) => e.metadata.name).join(', ')}`);
  for (const execution of running) {
    if (execution.metadata.uid !== current?.uid) {
      problems.push(`execution ${execution.metadata.name} is Running but the plan's current execution is ${current?.name ?? 'none'}`);
    }
  }
  for (const job of harness.list('Job', NAMESPACE)) {
    if (isFinished(job)) continue;
    const owner = job.metadata.labels?.[LABEL_EXECUTION];
    if (current === undefined || owner !== current.name) {
      problems.push(`Job ${job.metadata.name} of ${owner ?? '?'} is active but the current execution is ${current?.name ?? 'none'}`);
    }
  }
  return problems;
}

describe('one run at a time (SPEC §5 Election, §10.4)', () => {
  it('at most one Running execution, it is the current one, and only its Jobs are active', async () => {
    await fc.assert(
      fc.asyncProperty(setupArb, fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 10 }), async (setup, steps) => {
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
            const problems = lockProblems(cluster.harness);
            if (problems.length > 0) throw new Error(`after [${done.join('; ')}]:\n  ${problems.join('\n  ')}`);
          }
        } finally {
          await cluster.close();
        }
      }),
      { numRuns: runs(40) },
    );
  }, timeout(120_000));
});
