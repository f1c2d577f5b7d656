import { afterEach, describe, expect, it } from 'vitest';
import { ANNOTATION_CANCEL } from '../../src/k8s/labels.js';
import { expectHealthy, startCluster, type Cluster } from '../fixtures/cluster.js';
import { apply, getExecution, getPlan, history, jobActions, jobs } from '../fixtures/dr.js';
import { execution, jobAction, NAMESPACE, plan, stage, workflow } from '../fixtures/objects.js';
import type { JobPolicy } from '../../src/harness/index.js';

/** The required scenarios, end to end: real hook server, fake Metacontroller, fake kubelet. */

let cluster: Cluster;
const hold: JobPolicy = () => ({ outcome: 'hold' });
const actionOf = (job: { metadata: { labels?: Record<string, string> } }) => job.metadata.labels?.['dr.bkbcs.tencent.com/action'];

async function setUp(options: { kubelet?: JobPolicy; actions?: string[]; historyLimit?: number } = {}) {
  cluster = await startCluster(options.kubelet ? { kubelet: options.kubelet } : {});
  const { harness } = cluster;
  apply(harness, workflow('wf', { actions: (options.actions ?? ['a', 'b']).map((name) => jobAction(name)) }));
  apply(
    harness,
    plan('plan', { stages: [stage('main', ['wf'])], ...(options.historyLimit ? { historyLimit: options.historyLimit } : {}) }),
  );
  await harness.settle();
  return harness;
}

afterEach(async () => {
  if (cluster) {
    expectHealthy(cluster.harness);
    await cluster.close();
  }
});

describe('the required scenarios', () => {
  it('1. Execute then Revert: phases, lastExecutionRef, history and revertedBy', async () => {
    const harness = await setUp();
    apply(harness, execution('exec'));
    await harness.settle();
    expect(getExecution(harness, 'exec').status?.phase).toBe('Succeeded');
    let status = getPlan(harness).status;
    expect([status?.phase, status?.lastExecutionRef, history(harness)]).toEqual(['Executed', 'exec', ['exec:Succeeded']]);
    expect(status?.currentExecution).toBeUndefined();

    await harness.advance(60);
    apply(harness, execution('revert', { operationType: 'Revert', revertExecutionRef: 'exec' }));
    await harness.settle();
    expect(getExecution(harness, 'revert').status?.phase).toBe('Succeeded');
    status = getPlan(harness).status;
    expect([status?.phase, status?.lastExecutionRef, history(harness)]).toEqual([
      'Ready',
      'revert',
      ['revert:Succeeded', 'exec:Succeeded'],
    ]);
    expect(status?.executionHistory?.[0]?.operationType).toBe('Revert');
    expect(status?.executionHistory?.[1]?.revertedBy).toBe('revert');
    expect(status?.lastExecutionTime).toBe(getExecution(harness, 'revert').status?.completionTime);
    // Without custom rollbacks, undoing a Job action deletes its Job.
    expect(jobs(harness)).toEqual([]);
  });

  it('2. deleting a Running execution: Cancelled at deletionTimestamp, Jobs deleted, lock released, finalizer gone', async () => {
    const harness = await setUp({ kubelet: hold });
    apply(harness, execution('exec'));
    await harness.settle();
    expect(getExecution(harness, 'exec').status?.phase).toBe('Running');
    expect(jobs(harness)).toHaveLength(1);

    await harness.advance(10);
    harness.delete('DRPlanExecution', NAMESPACE, 'exec');
    const deletedAt = harness.get('DRPlanExecution', NAMESPACE, 'exec')?.metadata.deletionTimestamp;
    await harness.settle();
    expect(harness.get('DRPlanExecution', NAMESPACE, 'exec')).toBeUndefined();
    const record = getPlan(harness).status?.executionHistory?.[0];
    expect([record?.phase, record?.completionTime]).toEqual(['Cancelled', deletedAt]);
    expect(jobs(harness)).toEqual([]);
    expect(getPlan(harness).status?.currentExecution).toBeUndefined();

    harness.kubelet.policy = () => ({ outcome: 'succeed' });
    apply(harness, execution('next'));
    await harness.settle();
    expect(getExecution(harness, 'next').status?.phase).toBe('Succeeded');
  });

  it('3. deleting a Pending (queued) execution: its record is Cancelled and it never runs', async () => {
    const harness = await setUp({ kubelet: hold });
    apply(harness, execution('first'));
    apply(harness, execution('second'));
    await harness.settle();
    expect(getExecution(harness, 'second').status?.phase).toBe('Pending');
    harness.delete('DRPlanExecution', NAMESPACE, 'second');
    await harness.settle();
    expect(history(harness)).toEqual(['second:Cancelled', 'first:Running']);
    harness.kubelet.policy = () => ({ outcome: 'succeed' });
    await harness.advance(1);
    expect(history(harness)).toEqual(['second:Cancelled', 'first:Succeeded']);
    expect(jobs(harness).map((job) => job.metadata.labels?.['dr.bkbcs.tencent.com/execution'])).not.toContain('second');
  });

  it('4. a second Execute while one runs is rejected and never recorded; two at once run one after the other', async () => {
    const harness = await setUp({ kubelet: hold });
    apply(harness, execution('one'));
    apply(harness, execution('two'));
    await harness.settle();
    expect([getExecution(harness, 'one').status?.phase, getExecution(harness, 'two').status?.phase]).toEqual(['Running', 'Pending']);

    await harness.advance(5);
    apply(harness, execution('late'));
    await harness.settle();
    const late = getExecution(harness, 'late').status;
    expect(late?.phase).toBe('Failed');
    expect(late?.conditions?.find((c) => c.type === 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'ConcurrentExecution',
      message: 'plan default/plan already has a running execution: default/one',
    });
    expect(history(harness)).toEqual(['two:Pending', 'one:Running']);

    harness.kubelet.policy = () => ({ outcome: 'succeed' });
    await harness.advance(1);
    expect(history(harness)).toEqual(['two:Succeeded', 'one:Succeeded']);
    const [two, one] = getPlan(harness).status?.executionHistory ?? [];
    expect(Date.parse(two?.startTime ?? '')).toBeGreaterThanOrEqual(Date.parse(one?.completionTime ?? ''));
  });

  it('5. eleven executions with historyLimit 10: the oldest record goes, the rest newest first', async () => {
    const harness = await setUp({ historyLimit: 10, actions: ['a'] });
    for (let index = 1; index <= 11; index++) {
      apply(harness, execution(`e${String(index).padStart(2, '0')}`));
      await harness.settle();
      await harness.advance(5);
    }
    const expected = Array.from({ length: 10 }, (_, i) => `e${String(11 - i).padStart(2, '0')}:Succeeded`);
    expect(history(harness)).toEqual(expected);
  });

  it('6. FailFast: Failed, later actions Skipped, message names the action; its Revert undoes only what succeeded, in reverse', async () => {
    const harness = await setUp({
      actions: ['a', 'b', 'c', 'd'],
      kubelet: (job) => (actionOf(job) === 'c' ? { outcome: 'fail', message: 'disk full' } : { outcome: 'succeed' }),
    });
    apply(harness, execution('exec'));
    await harness.settle();
    const failed = getExecution(harness, 'exec').status;
    expect(failed?.phase).toBe('Failed');
    expect(failed?.message).toContain('action c failed');
    expect(failed?.message).toContain('disk full');
    const actions = failed?.stageStatuses?.[0]?.workflowExecutions?.[0]?.actionStatuses?.map((a) => `${a.name}:${a.phase}`);
    expect(actions).toEqual(['a:Succeeded', 'b:Succeeded', 'c:Failed', 'd:Skipped']);
    expect(jobActions(harness)).toEqual(['a', 'b', 'c']);

    apply(harness, execution('undo', { operationType: 'Revert', revertExecutionRef: 'exec' }));
    await harness.settle();
    const revert = getExecution(harness, 'undo').status;
    expect(revert?.phase).toBe('Succeeded');
    const undone = revert?.stageStatuses?.[0]?.workflowExecutions?.[0]?.actionStatuses ?? [];
    expect(undone.map((a) => `${a.name}:${a.phase}`)).toEqual(['d:Skipped', 'c:Skipped', 'b:Succeeded', 'a:Succeeded']);
    expect(Date.parse(undone[3]?.startTime ?? '')).toBeGreaterThanOrEqual(Date.parse(undone[2]?.completionTime ?? ''));
    expect(jobs(harness)).toEqual([]);
  });

  it('7. a plan with a cycle or a missing workflow is Invalid with a readable reason; an Execute is rejected with PlanInvalid', async () => {
    cluster = await startCluster();
    const { harness } = cluster;
    apply(harness, workflow('wf'));
    apply(
      harness,
      plan('plan', {
        stages: [stage('a', ['wf'], { dependsOn: ['b'] }), stage('b', ['wf'], { dependsOn: ['a'] }), stage('c', ['missing'])],
      }),
    );
    await harness.settle();
    const ready = getPlan(harness).status?.conditions?.find((c) => c.type === 'Ready');
    expect(getPlan(harness).status?.phase).toBe('Invalid');
    expect(ready?.message).toContain('cycle detected in stage dependencies: a -> b -> a');
    expect(ready?.message).toContain('workflow default/missing not found');

    apply(harness, execution('exec'));
    await harness.settle();
    const status = getExecution(harness, 'exec').status;
    expect(status?.phase).toBe('Failed');
    expect(status?.conditions?.find((c) => c.type === 'Accepted')?.reason).toBe('PlanInvalid');
    expect(history(harness)).toEqual([]);
  });

  it('8. the cancel annotation on a Running execution: Cancelled, lock released', async () => {
    const harness = await setUp({ kubelet: hold });
    apply(harness, execution('exec'));
    await harness.settle();
    await harness.advance(3);
    harness.annotate('DRPlanExecution', NAMESPACE, 'exec', { [ANNOTATION_CANCEL]: 'true' });
    await harness.settle();
    const status = getExecution(harness, 'exec').status;
    expect(status?.phase).toBe('Cancelled');
    expect(status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
    expect(getPlan(harness).status?.currentExecution).toBeUndefined();
    expect(history(harness)).toEqual(['exec:Cancelled']);
    expect(jobs(harness)).toEqual([]);
  });

  it('9. an execution force-deleted past its finalizer: the record becomes Cancelled, never stays Running', async () => {
    const harness = await setUp({ kubelet: hold });
    apply(harness, execution('exec'));
    await harness.settle();
    harness.forceDelete('DRPlanExecution', NAMESPACE, 'exec');
    await harness.settle();
    const record = getPlan(harness).status?.executionHistory?.[0];
    expect([record?.phase, record?.message]).toEqual(['Cancelled', 'execution deleted before its finalizer ran']);
    expect(getPlan(harness).status?.currentExecution).toBeUndefined();
    expect(jobs(harness)).toEqual([]);
  });

  it('10. a completed action whose Job is deleted is not re-run', async () => {
    const harness = await setUp({ kubelet: (job) => (actionOf(job) === 'b' ? { outcome: 'hold' } : { outcome: 'succeed' }) });
    apply(harness, execution('exec'));
    await harness.settle();
    const first = jobs(harness).find((job) => actionOf(job) === 'a');
    expect(first).toBeDefined();
    harness.delete('Job', NAMESPACE, first?.metadata.name ?? '');
    await harness.settle();
    expect(jobActions(harness)).toEqual(['b']);
    harness.kubelet.policy = () => ({ outcome: 'succeed' });
    await harness.advance(1);
    expect(getExecution(harness, 'exec').status?.phase).toBe('Succeeded');
    expect(jobActions(harness)).toEqual(['b']);
  });
});
