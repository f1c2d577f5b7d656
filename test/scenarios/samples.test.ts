import { afterEach, describe, expect, it } from 'vitest';
import { expectHealthy, samples, startCluster, type Cluster } from '../fixtures/cluster.js';
import { getExecution, getPlan, getWorkflow, jobs } from '../fixtures/dr.js';

let cluster: Cluster;
afterEach(async () => {
  expectHealthy(cluster.harness);
  await cluster.close();
});

describe('manifests/samples work as the README says', () => {
  it('workflows and plan become Ready; the Execute runs both stages; the Revert undoes them', async () => {
    cluster = await startCluster();
    const { harness } = cluster;
    for (const object of samples('workflow.yaml', 'workflow-traffic.yaml', 'plan.yaml')) harness.apply(object);
    await harness.settle();
    expect(getWorkflow(harness, 'failover-db').status?.phase).toBe('Ready');
    expect(getWorkflow(harness, 'failover-db').status?.usedBy).toEqual(['default/db-failover']);
    expect(getPlan(harness, 'db-failover').status?.phase).toBe('Ready');

    for (const object of samples('execute.yaml')) harness.apply(object);
    await harness.settle();
    const executed = getExecution(harness, 'db-failover-exec-001').status;
    expect(executed?.phase).toBe('Succeeded');
    expect(executed?.stageStatuses?.map((stage) => `${stage.name}:${stage.phase}`)).toEqual(['database:Succeeded', 'traffic:Succeeded']);
    const freeze = jobs(harness).find((job) => job.metadata.labels?.['dr.bkbcs.tencent.com/action'] === 'freeze-writes');
    // Parameters are rendered into the Job: the plan's targetCluster and the workflow's default image.
    expect(JSON.stringify(freeze?.['spec'])).toContain('echo freezing writes on cluster-b');
    expect(JSON.stringify(freeze?.['spec'])).toContain('"image":"busybox:1.36"');
    expect(getPlan(harness, 'db-failover').status?.phase).toBe('Executed');

    for (const object of samples('revert.yaml')) harness.apply(object);
    await harness.settle();
    const reverted = getExecution(harness, 'db-failover-revert-001').status;
    expect(reverted?.phase).toBe('Succeeded');
    expect(reverted?.stageStatuses?.map((stage) => stage.name)).toEqual(['traffic', 'database']);
    const undo = reverted?.stageStatuses?.flatMap((stage) => stage.workflowExecutions?.flatMap((wf) => wf.actionStatuses ?? []) ?? []) ?? [];
    expect(undo.map((action) => action.name)).toEqual(['update-dns', 'promote-replica', 'freeze-writes']);
    // freeze-writes has a custom rollback Job; promote-replica's automatic rollback deleted its Job.
    const actionsWithJobs = jobs(harness).map((job) => job.metadata.labels?.['dr.bkbcs.tencent.com/action']).sort();
    expect(actionsWithJobs).toEqual(['freeze-writes', 'update-dns']);
    expect(getPlan(harness, 'db-failover').status?.phase).toBe('Ready');
  });
});
