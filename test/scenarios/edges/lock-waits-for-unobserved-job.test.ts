import { describe, expect, it } from 'vitest';
import type { DRPlanExecution } from '../../../src/api/execution.js';
import type { CompositeRequest, KubeObject } from '../../../src/k8s/metacontroller.js';
import type { DRPlanStatus } from '../../../src/api/plan.js';
import { lockName } from '../../../src/plan/lock.js';
import { reconcilePlan } from '../../../src/plan/sync.js';
import { execution, NAMESPACE, plan, readyWorkflow, T0 } from '../../fixtures/objects.js';
import { job } from '../../fixtures/runs.js';

const KEY = 'dr.bkbcs.tencent.com/v1alpha1';
const admitted = (name: string, extra: Partial<DRPlanExecution['metadata']> = {}): DRPlanExecution =>
  execution(
    name,
    {},
    {
      metadata: { ...execution(name).metadata, ...extra },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'Accepted', status: 'True', reason: 'Admitted', message: '', lastTransitionTime: T0 }],
      },
    },
  );

/** One plan sync; `lock` is the lock child the previous answer asked for, as the API server stored it. */
function sync(previous: DRPlanStatus | undefined, executions: DRPlanExecution[], jobs: KubeObject[], at: string, lock?: KubeObject) {
  const stored =
    lock === undefined ? {} : { [`${NAMESPACE}/${lock.metadata.name}`]: { ...lock, metadata: { ...lock.metadata, uid: 'uid-lock' } } };
  const request = {
    parent: plan('plan', {}, previous ? { status: previous } : {}),
    children: { 'Job.batch/v1': Object.fromEntries(jobs.map((j) => [`${NAMESPACE}/${j.metadata.name}`, j])), 'ConfigMap.v1': stored },
    related: {
      [`DRPlanExecution.${KEY}`]: Object.fromEntries(executions.map((e) => [`${NAMESPACE}/${e.metadata.name}`, e])),
      [`DRWorkflow.${KEY}`]: { [`${NAMESPACE}/wf`]: readyWorkflow('wf') },
    },
  } as unknown as CompositeRequest;
  const { response } = reconcilePlan(request, new Date(at));
  const status = response.status as DRPlanStatus;
  const lockChild = response.children.find((child) => child.metadata.name === lockName(NAMESPACE, 'plan'));
  return { status, lock: lockChild, jobs: response.children.filter((child) => child.kind === 'Job').map((child) => child.metadata.name) };
}

/**
 * Found by a model of Metacontroller's informers: x0 and x1 queued, the plan elects x0 and asks
 * for its Job, then x0 is force-deleted before the Job informer has shown that Job in the plan's
 * children. Releasing the lock at once would start x1's Job while x0's, never observed and
 * so never deleted, may be running: two runs at once.
 */
describe('the lock waits for every Job the ended run asked for', () => {
  it("holds x1 until x0's Job has been seen and is gone", () => {
    const x0 = admitted('x0');
    const x1 = admitted('x1', { creationTimestamp: '2026-01-01T00:00:01Z' });
    const first = sync(undefined, [x0, x1], [], '2026-01-01T00:00:02Z');
    expect(first.status.currentExecution?.name).toBe('x0');
    // The lock shows x0: its Job is asked for.
    const locked = sync(first.status, [x0, x1], [], '2026-01-01T00:00:03Z', first.lock);
    const [j0] = locked.jobs;
    expect(j0).toBeDefined();

    // x0 is force-deleted, and the Job informer lags: J0 is not in the children yet.
    const lagging = sync(locked.status, [x1], [], '2026-01-01T00:00:04Z', locked.lock);
    expect(lagging.status.executionHistory?.find((r) => r.name === 'x0')?.phase).toBe('Cancelled');
    expect(lagging.status.currentExecution?.name).toBe('x0');
    expect(lagging.jobs).toEqual([]);

    // J0 shows up, still active: it is dropped (so Metacontroller deletes it), the lock holds.
    const seen = sync(lagging.status, [x1], [job(j0 ?? '', 'active')], '2026-01-01T00:00:05Z', lagging.lock);
    expect(seen.jobs).toEqual([]);
    expect(seen.status.currentExecution?.name).toBe('x0');

    // J0 is gone after it was seen: x0 is released and x1 elected; its Job once the lock shows x1.
    const gone = sync(seen.status, [x1], [], '2026-01-01T00:00:06Z', seen.lock);
    expect(gone.status.currentExecution?.name).toBe('x1');
    const running = sync(gone.status, [x1], [], '2026-01-01T00:00:07Z', gone.lock);
    expect(running.jobs).toHaveLength(1);
    expect(running.jobs[0]).not.toBe(j0);
  });

  it("lets go once the action's timeout has passed even if the Job never showed up", () => {
    const x0 = admitted('x0');
    const x1 = admitted('x1', { creationTimestamp: '2026-01-01T00:00:01Z' });
    const first = sync(undefined, [x0, x1], [], '2026-01-01T00:00:02Z');
    const locked = sync(first.status, [x0, x1], [], '2026-01-01T00:00:03Z', first.lock);
    const held = sync(locked.status, [x1], [], '2026-01-01T00:00:04Z', locked.lock);
    expect(held.status.currentExecution?.name).toBe('x0');
    const later = sync(held.status, [x1], [], '2026-01-01T00:10:00Z', held.lock);
    expect(later.status.currentExecution?.name).toBe('x1');
  });
});
