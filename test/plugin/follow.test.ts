import { afterEach, describe, expect, it } from 'vitest';
import type { DRPlanExecution } from '../../src/api/execution.js';
import { ANNOTATION_CANCEL } from '../../src/k8s/labels.js';
import { expectHealthy } from '../fixtures/cluster.js';
import { getExecution } from '../fixtures/dr.js';
import { NAMESPACE } from '../fixtures/objects.js';
import { drive, jobsTake, run, start, startPluginCluster, withoutTimes, type PluginCluster } from './fixture.js';

let target: PluginCluster;
afterEach(async () => {
  expectHealthy(target.harness);
  await target.close();
});

const phaseOf = (name: string) => (target.harness.get('DRPlanExecution', NAMESPACE, name) as DRPlanExecution | undefined)?.status?.phase;

describe('kubectl drplan execute --wait and watch follow a run', () => {
  it('prints the name, then one plain line per change without a terminal; exit 0 on Succeeded', async () => {
    target = await startPluginCluster();
    jobsTake(target, 5);
    const following = start(target, ['execute', 'plan', '--wait', '--param', 'region=east', '--mode', 'Upgrade']);
    await drive(target, following);
    expect(await following.done).toBe(0);
    expect(following.stderr()).toBe('');
    expect(withoutTimes(following.stdout())).toEqual([
      'plan-00001',
      '[0/0] execution default/plan-00001 Pending',
      '[0/2] execution default/plan-00001 Running',
      '[0/2] stage main Running',
      '[0/2] workflow main/wf Running',
      '[0/2] action main/wf/a Running: Job default/plan-00001-a-c038f908',
      '[0/2] action main/wf/b Pending',
      '[1/2] action main/wf/a Succeeded after 5s: Job default/plan-00001-a-c038f908 completed',
      '[1/2] action main/wf/b Running: Job default/plan-00001-b-818f0aa2',
      '[2/2] execution default/plan-00001 Succeeded after 10s: All stages completed successfully',
      '[2/2] stage main Succeeded after 10s: Stage completed: 1 workflow(s) succeeded',
      '[2/2] workflow main/wf Succeeded after 10s: All actions completed successfully',
      '[2/2] action main/wf/b Succeeded after 5s: Job default/plan-00001-b-818f0aa2 completed',
    ]);
    // Each line carries the cluster clock, so a CI log reads as a timeline.
    expect(following.stdout().split('\n')[1]).toMatch(/^00:00:\d\d \[0\/0\]/);
    expect(getExecution(target.harness, 'plan-00001').spec).toEqual({
      planRef: 'plan',
      operationType: 'Execute',
      mode: 'Upgrade',
      params: [{ name: 'region', value: 'east' }],
    });
  });

  it('exits 1 on Failed, with the failing action and its message on stderr', async () => {
    target = await startPluginCluster();
    jobsTake(target, 2, ['b']);
    const following = start(target, ['execute', 'plan', '--wait']);
    await drive(target, following);
    expect(await following.done).toBe(1);
    expect(following.stderr()).toMatch(
      /^kubectl drplan: default\/plan-00001 Failed: action main\/wf\/b failed: Job default\/plan-00001-b-\w+ failed: .*\n$/,
    );
    expect(withoutTimes(following.stdout())).toContain(
      '[2/2] execution default/plan-00001 Failed after 4s: ' + getExecution(target.harness, 'plan-00001').status?.message,
    );
  });

  it('exits 1 when the run is cancelled while followed, and watch follows it too', async () => {
    target = await startPluginCluster();
    jobsTake(target, 60);
    const created = await run(target, ['execute', 'plan']);
    expect(created).toEqual({ code: 0, stdout: 'plan-00001\n', stderr: '' });
    const watching = start(target, ['watch', 'plan-00001']);
    await drive(target, watching, { until: () => watching.stdout().includes('action main/wf/a Running') });
    const cancel = await run(target, ['cancel', 'plan-00001']);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toBe(
      `plan-00001: cancel requested (${ANNOTATION_CANCEL}=true); running Jobs are deleted, finished actions stay\n`,
    );
    await drive(target, watching);
    expect(await watching.done).toBe(1);
    expect(phaseOf('plan-00001')).toBe('Cancelled');
    expect(watching.stderr()).toMatch(/^kubectl drplan: default\/plan-00001 Cancelled: /);
  });

  it('exits 3 on --timeout and leaves the run going, saying how to follow or stop it', async () => {
    target = await startPluginCluster();
    jobsTake(target, 600);
    const following = start(target, ['execute', 'plan', '--wait', '--timeout', '30s']);
    await drive(target, following, { step: 5 });
    expect(await following.done).toBe(3);
    expect(following.stderr()).toBe(
      'kubectl drplan: timed out after 30s waiting for default/plan-00001 (Running); it keeps running: ' +
        'follow it with kubectl drplan watch plan-00001 -n default, stop it with kubectl drplan cancel plan-00001 -n default\n',
    );
    expect(phaseOf('plan-00001')).toBe('Running');
  });

  it('Ctrl-C while waiting stops following only: the run goes on, and the hint says how to cancel it', async () => {
    target = await startPluginCluster();
    jobsTake(target, 20);
    const interrupt = new AbortController();
    const following = start(target, ['execute', 'plan', '--wait'], { signal: interrupt.signal });
    await drive(target, following, { until: () => following.stdout().includes('action main/wf/a Running') });
    interrupt.abort();
    expect(await following.done).toBe(130);
    expect(following.stderr()).toBe(
      'kubectl drplan: stopped following default/plan-00001 (Running); it keeps running. To cancel it: kubectl drplan cancel plan-00001 -n default\n',
    );
    const execution = getExecution(target.harness, 'plan-00001');
    expect(execution.metadata.annotations?.[ANNOTATION_CANCEL]).toBeUndefined();
    for (let i = 0; i < 6; i += 1) await target.harness.advance(10);
    expect(phaseOf('plan-00001')).toBe('Succeeded');
  });

  it('-o json and -o yaml print the final execution for scripts, and nothing while waiting', async () => {
    target = await startPluginCluster();
    const json = start(target, ['execute', 'plan', '--wait', '-o', 'json']);
    await drive(target, json);
    expect(await json.done).toBe(0);
    const printed = JSON.parse(json.stdout()) as { metadata: { name: string }; status: { phase: string } };
    expect(printed.metadata.name).toBe('plan-00001');
    expect(printed.status.phase).toBe('Succeeded');
    const yaml = start(target, ['watch', 'plan-00001', '-o', 'yaml']);
    await drive(target, yaml);
    expect(await yaml.done).toBe(0);
    expect(yaml.stdout()).toMatch(/^apiVersion: dr.bkbcs.tencent.com\/v1alpha1\nkind: DRPlanExecution\n/);
    expect(yaml.stdout()).toContain('  phase: Succeeded\n');
  });

  it('revert without EXECUTION shows the target the plan would revert first, names it in the request, and follows it', async () => {
    target = await startPluginCluster();
    await drive(target, start(target, ['execute', 'plan', '--wait']), { until: () => phaseOf('plan-00001') === 'Succeeded' });
    const reverting = start(target, ['revert', 'plan', '--wait']);
    await drive(target, reverting);
    expect(await reverting.done).toBe(0);
    expect(reverting.stderr()).toBe('reverting default/plan-00001, the newest finished Execute of plan plan not reverted yet\n');
    expect(withoutTimes(reverting.stdout())[0]).toBe('plan-00002');
    expect(getExecution(target.harness, 'plan-00002').spec).toEqual({
      planRef: 'plan',
      operationType: 'Revert',
      revertExecutionRef: 'plan-00001',
    });
    expect(phaseOf('plan-00002')).toBe('Succeeded');
    expect(target.harness.get('DRPlan', NAMESPACE, 'plan')?.['status']).toMatchObject({ phase: 'Ready', lastExecutionRef: 'plan-00002' });
  });
});
