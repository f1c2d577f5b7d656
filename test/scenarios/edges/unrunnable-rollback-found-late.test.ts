import { afterEach, describe, expect, it } from 'vitest';
import { expectHealthy, startCluster, type Cluster } from '../../fixtures/cluster.js';
import { apply, getExecution, getWorkflow } from '../../fixtures/dr.js';
import { execution, jobAction, plan, workflow } from '../../fixtures/objects.js';

/**
 * A rollback of a type this version cannot run is valid upstream, so the workflow stays Ready
 * and a failover is never blocked by its undo; the workflow says so up front, and the Revert
 * fails before it starts anything, naming the action.
 */
let cluster: Cluster;
afterEach(async () => {
  expectHealthy(cluster.harness);
  await cluster.close();
});

describe('a rollback this version cannot run', () => {
  it('is announced on the workflow before any run, and the Revert fails before starting', async () => {
    cluster = await startCluster();
    const { harness } = cluster;
    apply(harness, workflow('wf', { actions: [jobAction('a', { rollback: { type: 'HTTP', http: { url: 'https://example.com/undo' } } })] }));
    apply(harness, plan('plan'));
    await harness.settle();
    const ready = getWorkflow(harness, 'wf').status?.conditions?.find((condition) => condition.type === 'Ready');
    expect(ready?.status).toBe('True');
    expect(ready?.message).toContain('action[0] a: rollback action type HTTP is not supported yet; a Revert of this action will fail');

    apply(harness, execution('exec'));
    await harness.settle();
    expect(getExecution(harness, 'exec').status?.phase).toBe('Succeeded');
    await harness.advance(30);
    apply(harness, execution('undo', { operationType: 'Revert', revertExecutionRef: 'exec' }));
    await harness.settle();
    expect(getExecution(harness, 'undo').status).toMatchObject({
      phase: 'Failed',
      message: 'cannot start: stage main workflow default/wf action a rollback: action type HTTP is not supported yet',
    });
  });
});
