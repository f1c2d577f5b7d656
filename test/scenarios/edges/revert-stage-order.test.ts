import { afterEach, describe, expect, it } from 'vitest';
import type { JobPolicy } from '../../../src/harness/index.js';
import { expectHealthy, startCluster, type Cluster } from '../../fixtures/cluster.js';
import { apply, getExecution, jobs } from '../../fixtures/dr.js';
import { execution, jobAction, plan, stage, workflow } from '../../fixtures/objects.js';

/**
 * "an action's rollback starts only after the rollbacks of every action that ran
 * after it (later stages, ...)". With stage dependsOn, the run order is not the plan order.
 */
let cluster: Cluster;
afterEach(async () => {
  expectHealthy(cluster.harness);
  await cluster.close();
});

const withRollback = (name: string) => {
  const undo = jobAction(`undo-${name}`);
  return jobAction(name, { rollback: { type: 'Job', job: undo.job } });
};

describe('revert order across stages with dependsOn', () => {
  it('undoes the stage that ran last first, even when it is listed first in the plan', async () => {
    let policy: JobPolicy = () => ({ outcome: 'succeed' });
    cluster = await startCluster({ kubelet: (job, now) => policy(job, now) });
    const { harness } = cluster;
    apply(harness, workflow('wf-early', { actions: [withRollback('early-action')] }));
    apply(harness, workflow('wf-late', { actions: [withRollback('late-action')] }));
    // Listed first, but depends on "early": it runs second.
    apply(harness, plan('plan', { stages: [stage('late', ['wf-late'], { dependsOn: ['early'] }), stage('early', ['wf-early'])] }));
    await harness.settle();
    apply(harness, execution('exec'));
    await harness.settle();
    const ran = getExecution(harness, 'exec').status?.stageStatuses ?? [];
    expect(ran.map((s) => s.name)).toEqual(['late', 'early']);
    expect((ran[1]?.startTime ?? '') <= (ran[0]?.startTime ?? '')).toBe(true);
    expect(getExecution(harness, 'exec').status?.phase).toBe('Succeeded');

    await harness.advance(60);
    policy = () => ({ outcome: 'hold' });
    apply(harness, execution('undo', { operationType: 'Revert', revertExecutionRef: 'exec' }));
    await harness.settle();
    const rollbackJobs = jobs(harness)
      .filter((job) => job.metadata.labels?.['dr.bkbcs.tencent.com/execution'] === 'undo')
      .map((job) => job.metadata.labels?.['dr.bkbcs.tencent.com/action']);
    // The stage that ran last (late) must be rolled back first.
    expect(rollbackJobs).toEqual(['late-action']);
  });
});
