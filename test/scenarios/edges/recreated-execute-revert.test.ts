import { afterEach, describe, expect, it } from 'vitest';
import { expectHealthy, startCluster, type Cluster } from '../../fixtures/cluster.js';
import { apply, getExecution, getPlan } from '../../fixtures/dr.js';
import { execution, jobAction, NAMESPACE, plan, workflow } from '../../fixtures/objects.js';

/**
 * "Records are keyed by uid: a deleted and re-created execution of the same name is a
 * new record." InvalidRevertTarget only when the target is "already reverted". A
 * re-created Execute that ran and was never reverted must be revertible, even though an old
 * Revert object naming the same execution name still exists.
 */
let cluster: Cluster;
afterEach(async () => {
  expectHealthy(cluster.harness);
  await cluster.close();
});

async function recreatedFailover() {
  cluster = await startCluster();
  const { harness } = cluster;
  apply(harness, workflow('wf', { actions: [jobAction('a')] }));
  apply(harness, plan('plan'));
  await harness.settle();
  apply(harness, execution('failover'));
  await harness.settle();
  await harness.advance(10);
  apply(harness, execution('undo', { operationType: 'Revert', revertExecutionRef: 'failover' }));
  await harness.settle();
  expect(getExecution(harness, 'undo').status?.phase).toBe('Succeeded');
  await harness.advance(10);
  // GitOps re-creates the Execute under the same name (a new uid).
  harness.delete('DRPlanExecution', NAMESPACE, 'failover');
  await harness.settle();
  expect(harness.get('DRPlanExecution', NAMESPACE, 'failover')).toBeUndefined();
  await harness.advance(10);
  apply(harness, execution('failover'));
  await harness.settle();
  expect(getExecution(harness, 'failover').status?.phase).toBe('Succeeded');
  expect(getPlan(harness).status?.phase).toBe('Executed');
  await harness.advance(10);
  return harness;
}

describe('Revert of a re-created Execute of the same name', () => {
  it('with revertExecutionRef: admitted (the new uid was never reverted)', async () => {
    const harness = await recreatedFailover();
    apply(harness, execution('undo-2', { operationType: 'Revert', revertExecutionRef: 'failover' }));
    await harness.settle();
    const status = getExecution(harness, 'undo-2').status;
    expect(status?.conditions?.find((c) => c.type === 'Accepted')?.message).not.toMatch(/already reverted/);
    expect(status?.phase).toBe('Succeeded');
    expect(getPlan(harness).status?.phase).toBe('Ready');
  });

  it('without revertExecutionRef: picks the re-created Execute', async () => {
    const harness = await recreatedFailover();
    apply(harness, execution('undo-2', { operationType: 'Revert' }));
    await harness.settle();
    const status = getExecution(harness, 'undo-2').status;
    expect(status?.revertTarget).toBe('failover');
    expect(status?.phase).toBe('Succeeded');
  });
});
