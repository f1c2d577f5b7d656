import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/harness/index.js';
import { simulatedRunner } from '../../src/render/kubelet.js';
import { condition, FIXTURES, fixtures, GARBAGE, healthyClusterPerTest, ofKind, render, runToEnd, statusOf } from './play.js';

/**
 * Every family of runbook the Go controller's project publishes, written in its shapes, played
 * through the hook server and the contract harness, and through `render`: accepted (workflows
 * and plans Ready) and each execution ends, Succeeded or Failed with a message that names the
 * workflow or action it is about. Action types the runner does not run yet fail that way before anything
 * starts; once it runs them they may succeed, which these tests accept as well.
 */
const FAMILIES = [
  'config-samples',
  'clusternet-install',
  'clusternet-switchover',
  'helm-managed',
  'generator',
  'http-quickstart',
  'kubernetes-resource',
  'helmchart-globalization',
  'jobs',
];

const clusterPerTest = healthyClusterPerTest();

/** What a failure message may name: the workflows and their actions. */
function stepNames(workflows: readonly KubeObject[]): string[] {
  return workflows.flatMap((workflow) => [
    workflow.metadata.name,
    ...((workflow['spec'] as { actions: { name: string }[] }).actions ?? []).map((action) => action.name),
  ]);
}

describe.each(FAMILIES)('upstream family %s', (family) => {
  const objects = fixtures(family);
  const workflows = ofKind(objects, 'DRWorkflow');
  const plans = ofKind(objects, 'DRPlan');
  const executions = ofKind(objects, 'DRPlanExecution');

  it('is accepted: every workflow and plan Ready; every execution ends, naming the step when it fails', async () => {
    // Upstream's examples call hosts that do not exist here: runner actions get the rehearsal's result.
    const cluster = await clusterPerTest({ runner: simulatedRunner([]) });
    const { harness } = cluster;
    for (const object of [...workflows, ...plans]) harness.apply(object);
    await harness.settle();
    for (const workflow of workflows) {
      const status = statusOf(harness, workflow);
      expect(status.phase, `${workflow.metadata.name}: ${condition(status, 'Ready')?.message ?? ''}`).toBe('Ready');
    }
    for (const plan of plans) {
      const status = statusOf(harness, plan);
      expect(status.phase, `${plan.metadata.name}: ${condition(status, 'Ready')?.message ?? ''}`).toBe('Ready');
    }
    const steps = stepNames(workflows);
    for (const execution of executions) {
      const status = await runToEnd(harness, execution);
      const accepted = condition(status, 'Accepted');
      expect(accepted?.status, `${execution.metadata.name}: ${accepted?.message ?? ''}`).toBe('True');
      expect(['Succeeded', 'Failed'], `${execution.metadata.name}: ${status.message ?? ''}`).toContain(status.phase);
      if (status.phase === 'Failed') {
        expect(
          steps.some((step) => status.message?.includes(step)),
          status.message,
        ).toBe(true);
        expect(status.message).not.toMatch(/not found/);
      }
    }
  });

  it('renders: exit 0 or 1, nothing printed that was not meant to be', async () => {
    const { code, stdout, stderr } = await render(join(FIXTURES, family));
    expect([0, 1]).toContain(code);
    expect(stdout).not.toMatch(GARBAGE);
    for (const line of stderr
      .trimEnd()
      .split('\n')
      .filter((text) => text !== ''))
      expect(line).toMatch(/^render: execution \S+ ended (Failed|Cancelled): \S/);
  });
});

describe('the Job family runs to the end', () => {
  it('the Execute runs both Jobs and the Revert undoes them: the custom rollback runs, the other Job is deleted', async () => {
    // Upstream's examples call hosts that do not exist here: runner actions get the rehearsal's result.
    const cluster = await clusterPerTest({ runner: simulatedRunner([]) });
    const { harness } = cluster;
    const objects = fixtures('jobs');
    for (const object of [...ofKind(objects, 'DRWorkflow'), ...ofKind(objects, 'DRPlan')]) harness.apply(object);
    await harness.settle();
    const [execute, revert] = ofKind(objects, 'DRPlanExecution');
    if (execute === undefined || revert === undefined) throw new Error('jobs fixtures: an Execute and a Revert');
    expect((await runToEnd(harness, execute)).phase).toBe('Succeeded');
    const reverted = await runToEnd(harness, revert);
    expect(reverted.phase).toBe('Succeeded');
    const plan = statusOf(harness, ofKind(objects, 'DRPlan')[0] as KubeObject);
    expect(plan['lastExecutionRef']).toBe(revert.metadata.name);
    const jobActions = harness.list('Job', 'default').map((job) => job.metadata.labels?.['dr.bkbcs.tencent.com/action']);
    expect(jobActions).toEqual(['verify-backup']);
  });
});
