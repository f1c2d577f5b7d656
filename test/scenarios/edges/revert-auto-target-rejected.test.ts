import { afterEach, describe, expect, it } from 'vitest';
import type { JobPolicy } from '../../../src/harness/index.js';
import { expectHealthy, startCluster, type Cluster } from '../../fixtures/cluster.js';
import { apply, getExecution, getPlan, jobs } from '../../fixtures/dr.js';
import { execution, jobAction, plan, workflow } from '../../fixtures/objects.js';

/**
 * A Revert without revertExecutionRef targets "the newest Execute of the plan that
 * ended Succeeded, Failed or Cancelled and has not been reverted". An Execute rejected at
 * admission (ConcurrentExecution) never ran and never had a history record; picking it makes
 * the Revert a no-op that still "succeeds" and flips the plan to Ready, leaving the failover
 * in place.
 */
let cluster: Cluster;
afterEach(async () => {
  expectHealthy(cluster.harness);
  await cluster.close();
});

describe('Revert without ref after a rejected Execute', () => {
  it('targets the Execute that actually ran, not the one rejected with ConcurrentExecution', async () => {
    let policy: JobPolicy = () => ({ outcome: 'hold' });
    cluster = await startCluster({ kubelet: (job, now) => policy(job, now) });
    const { harness } = cluster;
    apply(harness, workflow('wf', { actions: [jobAction('a')] }));
    apply(harness, plan('plan'));
    await harness.settle();
    apply(harness, execution('failover'));
    await harness.settle();
    await harness.advance(5);
    apply(harness, execution('failover-again'));
    await harness.settle();
    expect(getExecution(harness, 'failover-again').status?.conditions?.find((c) => c.type === 'Accepted')?.reason).toBe(
      'ConcurrentExecution',
    );
    policy = () => ({ outcome: 'succeed' });
    await harness.advance(5);
    expect(getExecution(harness, 'failover').status?.phase).toBe('Succeeded');
    expect(getPlan(harness).status?.phase).toBe('Executed');

    await harness.advance(60);
    apply(harness, execution('undo', { operationType: 'Revert' }));
    await harness.settle();
    const undo = getExecution(harness, 'undo').status;
    expect(undo?.revertTarget).toBe('failover');
    // The failover's Job is what the automatic rollback deletes.
    expect(jobs(harness).filter((job) => job.metadata.labels?.['dr.bkbcs.tencent.com/execution'] === 'failover')).toEqual([]);
  });
});
