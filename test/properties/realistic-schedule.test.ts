import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContractHarness, Schedule } from '../../src/harness/index.js';
import { LABEL_ARCHIVED, LABEL_EXECUTION } from '../../src/k8s/labels.js';
import type { CompositeRequest } from '../../src/k8s/metacontroller.js';
import { API_VERSION } from '../../src/k8s/schema.js';
import { startCluster } from '../fixtures/cluster.js';
import { apply, getExecution, getPlan, history } from '../fixtures/dr.js';
import { execution, NAMESPACE, plan, stage, workflow } from '../fixtures/objects.js';
import { Driver, opArb, setupArb, startPlan, type Op } from './drive.js';
import { hookErrors, Ledger, lockProblems, RunOverlap, snapshot } from './invariants.js';
import { runs, timeout } from './model.js';

/**
 * The ledger invariants again, with Metacontroller played as it runs: informer caches that
 * apply changes late (a hook may see an older plan, older executions and fewer Jobs than the
 * store holds), racing writes, periodic resyncs, ETags. Users and
 * Jobs also act while syncs are in flight (`step` lets the controllers take a few scheduler
 * steps, then the next event lands). Everything the schedule chooses comes from its seed, so a
 * counterexample replays exactly.
 */

const EXECUTIONS = `DRPlanExecution.${API_VERSION}`;
const JOBS = 'Job.batch/v1';

/** From one worker per controller to Metacontroller's default of five. */
const scheduleArb: fc.Arbitrary<Schedule> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  workers: fc.integer({ min: 1, max: 5 }),
  informerLag: fc.integer({ min: 0, max: 8 }),
  resyncPeriodSeconds: fc.option(fc.constantFrom(60, 300), { nil: undefined }),
});

type Step = Op | { op: 'step'; steps: number };

/** User and kubelet events, and partial progress of the controllers between them. */
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: opArb, weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('step' as const), steps: fc.integer({ min: 1, max: 25 }) }), weight: 2 },
);

function jobOf(harness: ContractHarness, executionName: string): string[] {
  return harness
    .list('Job', NAMESPACE)
    .filter((job) => job.metadata.labels?.[LABEL_EXECUTION] === executionName)
    .map((job) => job.metadata.name);
}

describe("the hooks under Metacontroller's real schedule", () => {
  /**
   * Execute x0, Execute x1 (queued behind it); the plan elects x0 and asks for its Job J0; x0
   * is force-deleted while the Job informer has not yet shown J0 among the plan's children. A
   * plan that took "x0 gone, no Job of it seen" for "x0 ended, nothing running" would release
   * the lock and start x1's Job while J0 runs.
   */
  it("x0 force-deleted before the plan saw its Job: x0's and x1's Jobs never run at once", async () => {
    const requests: { executions: string[]; children: string[]; stored: string[] }[] = [];
    const box: { harness?: ContractHarness } = {};
    const cluster = await startCluster({
      kubelet: () => ({ outcome: 'hold' }),
      schedule: { seed: 1, informerLag: 0 },
      wrap: (transport) => async (path, body, headers) => {
        if (path === '/drplan/sync' && box.harness !== undefined) {
          const request = JSON.parse(body) as CompositeRequest;
          requests.push({
            executions: Object.values(request.related?.[EXECUTIONS] ?? {}).map((e) => e.metadata.name),
            children: Object.values(request.children?.[JOBS] ?? {}).map((j) => j.metadata.name),
            stored: box.harness.list('Job', NAMESPACE).map((j) => j.metadata.name),
          });
        }
        return transport(path, body, headers);
      },
    });
    const harness = cluster.harness;
    box.harness = harness;
    const overlap = new RunOverlap(harness, () => `after: ${harness.events.slice(-6).join(' | ')}`);
    try {
      apply(harness, workflow('wf'));
      apply(harness, plan('plan', { stages: [stage('main', ['wf'])] }));
      await harness.settle();
      harness.holdInformer('Job');

      apply(harness, execution('x0'));
      await harness.settle();
      expect(getPlan(harness).status?.currentExecution?.name).toBe('x0');
      const [j0, ...others] = jobOf(harness, 'x0');
      expect(others).toEqual([]);
      apply(harness, execution('x1'));
      await harness.settle();
      expect(getExecution(harness, 'x1').status?.phase).toBe('Pending');

      harness.forceDelete('DRPlanExecution', NAMESPACE, 'x0');
      const from = requests.length;
      await harness.settle();
      // The situation itself: the plan was asked about a world without x0 and without J0, while J0 was there.
      expect(
        requests.slice(from).some((r) => !r.executions.includes('x0') && !r.children.includes(j0 ?? '') && r.stored.includes(j0 ?? '')),
      ).toBe(true);
      expect(overlap.problems).toEqual([]);
      expect(jobOf(harness, 'x1')).toEqual([]);

      harness.releaseInformer('Job');
      await harness.settle();
      expect(jobOf(harness, 'x0')).toEqual([]);
      expect(jobOf(harness, 'x1')).toHaveLength(1);
      expect(history(harness)).toEqual(['x1:Running', 'x0:Cancelled']);
      expect(overlap.problems).toEqual([]);
      expect(hookErrors(harness, 'allowed')).toEqual([]);
    } finally {
      overlap.stop();
      await cluster.close();
    }
  }, 30_000);

  it('an archived execution has left every rule: a change to it costs no hook call', async () => {
    const cluster = await startCluster({ schedule: { seed: 3 } });
    const harness = cluster.harness;
    try {
      apply(harness, workflow('wf'));
      apply(harness, plan('plan', { stages: [stage('main', ['wf'])], historyLimit: 1 }));
      await harness.settle();
      for (const name of ['x0', 'x1']) {
        apply(harness, execution(name));
        await harness.settle();
      }
      expect(history(harness)).toEqual(['x1:Succeeded']);
      expect(getExecution(harness, 'x0').metadata.labels?.[LABEL_ARCHIVED]).toBeDefined();

      harness.resetTraffic();
      harness.annotate('DRPlanExecution', NAMESPACE, 'x0', { note: 'still here' });
      await harness.settle();
      const traffic = harness.traffic();
      expect(traffic.causes.map((c) => c.cause)).toEqual(['annotations DRPlanExecution default/x0']);
      expect(traffic.total.calls).toBe(0);
    } finally {
      await cluster.close();
    }
  }, 30_000);

  it(
    'one run at a time, no record lost or left open, and a fixed point once settled',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          setupArb,
          scheduleArb,
          fc.array(fc.array(stepArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
          async (setup, schedule, rounds) => {
            const cluster = await startPlan(setup, schedule);
            const harness = cluster.harness;
            const done: string[] = [];
            const overlap = new RunOverlap(harness, () => `during [${done.join('; ')}]`);
            const ledger = new Ledger(setup.historyLimit);
            const fail = (problems: string[]): void => {
              if (problems.length > 0) throw new Error(`after [${done.join('; ')}]:\n  ${problems.join('\n  ')}`);
            };
            try {
              const driver = new Driver(harness);
              for (const round of rounds) {
                const did: string[] = [];
                for (const step of round) {
                  did.push(step.op === 'step' ? `${await harness.step(step.steps)} steps` : await driver.perform(step));
                }
                done.push(did.join(' + '));
                // A plan sync that saw a lock newer than its status was deferred by a second: let it come back.
                await harness.advance(2);
                fail([...overlap.problems, ...hookErrors(harness, 'allowed'), ...lockProblems(harness), ...ledger.check(harness)]);
              }
              const settled = snapshot(harness);
              await harness.resyncAll();
              done.push('resync of every object');
              expect(snapshot(harness), 'one more round of syncs changed the state').toBe(settled);
              fail(overlap.problems);
            } finally {
              overlap.stop();
              await cluster.close();
            }
          },
        ),
        { numRuns: runs(40) },
      );
    },
    timeout(90_000),
  );
});
