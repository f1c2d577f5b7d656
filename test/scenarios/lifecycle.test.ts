import { afterEach, describe, expect, it } from 'vitest';
import type { JobPolicy } from '../../src/harness/index.js';
import { expectHealthy, startCluster, type Cluster } from '../fixtures/cluster.js';
import { apply, getExecution, getPlan, getWorkflow, history, jobActions, jobs } from '../fixtures/dr.js';
import { execution, jobAction, NAMESPACE, plan, stage, workflow } from '../fixtures/objects.js';

let cluster: Cluster;
const hold: JobPolicy = () => ({ outcome: 'hold' });

afterEach(async () => {
  expectHealthy(cluster.harness);
  await cluster.close();
});

async function setUp(options: { kubelet?: JobPolicy } = {}, actions = ['a', 'b']) {
  cluster = await startCluster(options);
  const { harness } = cluster;
  apply(harness, workflow('wf', { actions: actions.map((name) => jobAction(name)) }));
  apply(harness, plan('plan'));
  await harness.settle();
  return harness;
}

describe('plan and workflow lifecycle', () => {
  it('deleting a plan mid-run cancels the run, deletes its Jobs, then lets the plan go; the execution ends PlanDeleted', async () => {
    const harness = await setUp({ kubelet: hold });
    apply(harness, execution('exec'));
    await harness.settle();
    expect(jobs(harness)).toHaveLength(1);
    harness.delete('DRPlan', NAMESPACE, 'plan');
    await harness.settle();
    expect(harness.get('DRPlan', NAMESPACE, 'plan')).toBeUndefined();
    expect(jobs(harness)).toEqual([]);
    const status = getExecution(harness, 'exec').status;
    expect(status?.phase).toBe('Cancelled');
    expect(status?.conditions?.find((c) => c.type === 'Succeeded')?.reason).toMatch(/^Plan(Deleted)$/);
  });

  it('a workflow in use cannot be deleted until its plan is gone', async () => {
    const harness = await setUp();
    harness.delete('DRWorkflow', NAMESPACE, 'wf');
    await harness.settle();
    const held = getWorkflow(harness, 'wf');
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(held.status?.conditions?.find((c) => c.type === 'InUse')?.message).toBe(
      'deletion waits: referenced by DRPlan(s): [default/plan]',
    );
    harness.delete('DRPlan', NAMESPACE, 'plan');
    await harness.settle();
    expect(harness.get('DRWorkflow', NAMESPACE, 'wf')).toBeUndefined();
  });

  it('a parameter without a value fails the run at snapshot time with every error listed', async () => {
    cluster = await startCluster();
    const { harness } = cluster;
    const uses = (param: string) =>
      jobAction('a', { job: { template: { spec: { template: { spec: { containers: [{ name: 'c', image: `$(params.${param})` }] } } } } } });
    apply(harness, workflow('wf', { parameters: [{ name: 'region', required: true }], actions: [uses('image')] }));
    apply(harness, plan('plan'));
    apply(harness, execution('exec'));
    await harness.settle();
    expect(getExecution(harness, 'exec').status?.message).toBe(
      'cannot start: stage main workflow default/wf: parameter "region" is required but has no value; stage main workflow default/wf action a: undefined parameter(s) image',
    );
  });

  it('an action that outlives its timeout fails and its Job is deleted', async () => {
    cluster = await startCluster({ kubelet: hold });
    const { harness } = cluster;
    apply(harness, workflow('wf', { actions: [jobAction('slow', { timeout: '2m' })] }));
    apply(harness, plan('plan'));
    apply(harness, execution('exec'));
    await harness.settle();
    expect(jobs(harness)[0]?.['spec']).toMatchObject({ activeDeadlineSeconds: 120 });
    await harness.advance(121);
    const status = getExecution(harness, 'exec').status;
    expect(status?.phase).toBe('Failed');
    expect(status?.message).toMatch(/action slow failed: /);
  });

  it('edits to the plan and workflow during a run do not change it (snapshot)', async () => {
    const harness = await setUp({
      kubelet: (job) => (job.metadata.labels?.['dr.bkbcs.tencent.com/action'] === 'a' ? { outcome: 'hold' } : { outcome: 'succeed' }),
    });
    apply(harness, execution('exec'));
    await harness.settle();
    apply(harness, workflow('wf', { actions: [jobAction('a'), jobAction('x'), jobAction('y')] }));
    await harness.settle();
    harness.kubelet.policy = () => ({ outcome: 'succeed' });
    await harness.advance(1);
    expect(getExecution(harness, 'exec').status?.phase).toBe('Succeeded');
    expect(jobActions(harness)).toEqual(['a', 'b']);
  });

  it('a plan that turns Invalid and back keeps the phase its last success implies', async () => {
    const harness = await setUp();
    apply(harness, execution('exec'));
    await harness.settle();
    expect(getPlan(harness).status?.phase).toBe('Executed');
    apply(harness, plan('plan', { stages: [stage('main', ['missing'])] }));
    await harness.settle();
    expect(getPlan(harness).status?.phase).toBe('Invalid');
    apply(harness, plan('plan'));
    await harness.settle();
    expect(getPlan(harness).status?.phase).toBe('Executed');
  });

  it('queued executions fail with PlanInvalid when the plan turns Invalid', async () => {
    const harness = await setUp({ kubelet: hold });
    apply(harness, execution('one'));
    apply(harness, execution('two'));
    await harness.settle();
    apply(harness, plan('plan', { stages: [stage('main', ['missing'])] }));
    await harness.settle();
    expect(history(harness)).toEqual(['two:Failed', 'one:Running']);
    expect(getExecution(harness, 'two').status?.conditions?.find((c) => c.type === 'Succeeded')?.reason).toBe('PlanInvalid');
  });

  it('an execution whose plan never appears is rejected with PlanNotFound after 30 s', async () => {
    cluster = await startCluster();
    const { harness } = cluster;
    apply(harness, execution('exec', { planRef: 'later' }));
    await harness.settle();
    expect(getExecution(harness, 'exec').status?.phase).toBeUndefined();
    await harness.advance(40);
    const status = getExecution(harness, 'exec').status;
    expect(status?.phase).toBe('Failed');
    expect(status?.conditions?.find((c) => c.type === 'Accepted')?.reason).toBe('PlanNotFound');
  });

  it('a plan created a little after its execution still runs it', async () => {
    cluster = await startCluster();
    const { harness } = cluster;
    apply(harness, execution('exec'));
    await harness.settle();
    await harness.advance(10);
    apply(harness, workflow('wf'));
    apply(harness, plan('plan'));
    await harness.advance(10);
    expect(getExecution(harness, 'exec').status?.phase).toBe('Succeeded');
  });

  it('a Revert without revertExecutionRef undoes the newest unreverted Execute', async () => {
    const harness = await setUp();
    apply(harness, execution('old'));
    await harness.settle();
    await harness.advance(5);
    apply(harness, execution('new'));
    await harness.settle();
    apply(harness, execution('undo', { operationType: 'Revert' }));
    await harness.settle();
    expect(getExecution(harness, 'undo').status).toMatchObject({ phase: 'Succeeded', revertTarget: 'new' });
    expect(getPlan(harness).status?.executionHistory?.find((r) => r.name === 'new')?.revertedBy).toBe('undo');
  });
});

describe('damaged plan status', () => {
  it('a lock whose run state was removed by hand fails that execution and releases the plan', async () => {
    const harness = await setUp({ kubelet: hold });
    apply(harness, execution('exec'));
    await harness.settle();
    const status = getPlan(harness).status;
    const { run: _run, ...withoutRun } = status ?? {};
    harness.updateStatus('DRPlan', NAMESPACE, 'plan', withoutRun);
    await harness.settle();
    expect(getExecution(harness, 'exec').status).toMatchObject({
      phase: 'Failed',
      message: 'the plan lost the state of this run (status.run is missing)',
    });
    expect(getPlan(harness).status?.currentExecution).toBeUndefined();
    expect(history(harness)).toEqual(['exec:Failed']);
  });
});
