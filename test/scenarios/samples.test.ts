import { afterEach, describe, expect, it } from 'vitest';
import { expectHealthy, samples, startCluster, type Cluster } from '../fixtures/cluster.js';
import { clusternetCrds } from '../fixtures/clusternet.js';
import { getExecution, getPlan, getWorkflow, jobs } from '../fixtures/dr.js';
import { httpServer } from '../runner/servers.js';

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
    const undo =
      reverted?.stageStatuses?.flatMap((stage) => stage.workflowExecutions?.flatMap((wf) => wf.actionStatuses ?? []) ?? []) ?? [];
    expect(undo.map((action) => action.name)).toEqual(['update-dns', 'promote-replica', 'freeze-writes']);
    // freeze-writes has a custom rollback Job; promote-replica's automatic rollback deleted its Job.
    const actionsWithJobs = jobs(harness)
      .map((job) => job.metadata.labels?.['dr.bkbcs.tencent.com/action'])
      .sort();
    expect(actionsWithJobs).toEqual(['freeze-writes', 'update-dns']);
    expect(getPlan(harness, 'db-failover').status?.phase).toBe('Ready');
  });
});

describe('manifests/samples/actions: a runbook of runner actions', { timeout: 120_000 }, () => {
  it('announces, scales and moves the application, then undoes it all in reverse', async () => {
    const calls: string[] = [];
    const endpoint = await httpServer((request, _index, response) => {
      calls.push(JSON.parse(request.body).text);
      response.writeHead(204).end();
    });
    cluster = await startCluster();
    const { harness } = cluster;
    for (const crd of clusternetCrds()) harness.apply(crd);
    const deployment = (namespace: string, replicas: number) =>
      harness.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace }, spec: { replicas } });
    deployment('app-primary', 3);
    deployment('app-standby', 0);
    // The Deployment controller's part: status catches up with the spec.
    const rollout = setInterval(() => {
      for (const item of harness.list('Deployment')) {
        const replicas = (item.spec as { replicas: number }).replicas;
        const status = {
          observedGeneration: item.metadata.generation,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
        };
        if (JSON.stringify(item.status) !== JSON.stringify(status))
          harness.updateStatus('Deployment', item.metadata.namespace ?? '', 'web', status);
      }
    }, 100);
    try {
      for (const object of samples(
        'actions/workflow-notify.yaml',
        'actions/workflow-scale.yaml',
        'actions/workflow-move.yaml',
        'actions/plan.yaml',
      ))
        harness.apply(object);
      await harness.settle();
      expect(getPlan(harness, 'app-failover').status?.phase).toBe('Ready');
      // The sample's chat endpoint is replaced by a local one, as an execution's params may do.
      for (const execute of samples('actions/execute.yaml')) {
        harness.apply({
          ...execute,
          spec: { ...(execute.spec as object), params: [{ name: 'webhookUrl', value: `${endpoint.url}/hooks/dr` }] },
        });
      }
      await harness.settle();
      expect(getExecution(harness, 'app-failover-exec-001').status?.phase).toBe('Succeeded');
      const replicas = (namespace: string) => (harness.get('Deployment', namespace, 'web')?.spec as { replicas: number }).replicas;
      expect([replicas('app-primary'), replicas('app-standby')]).toEqual([0, 3]);
      expect(harness.get('Localization', 'clusternet-west', 'web-dr')).toBeDefined();
      expect(JSON.stringify(harness.get('Subscription', 'apps', 'web')?.spec)).toContain('cluster-west');
      expect(calls).toEqual(['failover of web started']);

      await harness.advance(60);
      for (const object of samples('actions/revert.yaml')) harness.apply(object);
      await harness.settle();
      expect(getExecution(harness, 'app-failover-revert-001').status?.phase).toBe('Succeeded');
      expect([replicas('app-primary'), replicas('app-standby')]).toEqual([3, 0]);
      expect(harness.get('Localization', 'clusternet-west', 'web-dr')).toBeUndefined();
      expect(JSON.stringify(harness.get('Subscription', 'apps', 'web')?.spec)).toContain('cluster-east');
      expect(calls).toEqual(['failover of web started', 'failover of web reverted']);
    } finally {
      clearInterval(rollout);
      await endpoint.close();
    }
  });
});
