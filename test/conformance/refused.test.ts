import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContractHarness, KubeObject } from '../../src/harness/index.js';
import { condition, FIXTURES, fixtures, GARBAGE, healthyClusterPerTest, ofKind, render, runToEnd, statusOf, type Status } from './play.js';

/**
 * Upstream objects this project refuses, each with the reason named where the user looks: the
 * workflow's Ready condition, the plan's (which names the workflow and why it cannot be used,
 * never "not found" for one that exists), the execution's Accepted condition, or `render`'s one
 * line naming the file and the object.
 */
const clusterPerTest = healthyClusterPerTest();

interface Played {
  harness: ContractHarness;
  workflow: Status;
  plan: Status;
  execution: Status;
}

async function play(family: string): Promise<Played> {
  const cluster = await clusterPerTest();
  const { harness } = cluster;
  const objects = fixtures(family);
  const [workflow, plan, execution] = ['DRWorkflow', 'DRPlan', 'DRPlanExecution'].map((kind) => ofKind(objects, kind)[0]) as [
    KubeObject,
    KubeObject,
    KubeObject,
  ];
  harness.apply(workflow);
  harness.apply(plan);
  await harness.settle();
  const executed = await runToEnd(harness, execution);
  return { harness, workflow: statusOf(harness, workflow), plan: statusOf(harness, plan), execution: executed };
}

/** The workflow Invalid for `why`, the plan Invalid naming it, the Execute refused PlanInvalid. */
function expectRefusedForWorkflow({ workflow, plan, execution }: Played, name: string, why: RegExp): void {
  expect(workflow.phase).toBe('Invalid');
  expect(condition(workflow, 'Ready')?.message).toMatch(why);
  expect(plan.phase).toBe('Invalid');
  const planWhy = condition(plan, 'Ready')?.message ?? '';
  expect(planWhy).toContain(`workflow default/${name} cannot be used: `);
  expect(planWhy).toMatch(why);
  expect(planWhy).not.toMatch(/not found/);
  expect(execution.phase).toBe('Failed');
  expect(condition(execution, 'Accepted')?.reason).toBe('PlanInvalid');
}

describe('refused, with the reason', () => {
  it('a Localization with its feed inline (early user guide): the feed belongs under spec.feed', async () => {
    const played = await play('refused-localization-inline-feed');
    expectRefusedForWorkflow(
      played,
      'app-localize-legacy',
      /localization\.spec\.feed \(apiVersion, kind, name\) is required for Localization Create \(found apiVersion, kind, name directly under localization\.spec/,
    );
  });

  it('a Job whose job.template.spec is a pod spec (early user guide): say where the pod goes', async () => {
    const played = await play('refused-job-pod-spec');
    expectRefusedForWorkflow(
      played,
      'db-backup-legacy',
      /job\.template\.spec is a Job spec, not a pod spec: put the pod .* under job\.template\.spec\.template\.spec/,
    );
  });

  it('a workflow the schema refuses (failurePolicy Stop, type int): the plan names the fields, not "not found"', async () => {
    const played = await play('refused-workflow-schema');
    expectRefusedForWorkflow(played, 'notify-legacy', /spec\/failurePolicy: must be one of FailFast, Continue \(got "Stop"\)/);
    expect(condition(played.plan, 'Ready')?.message).toContain(
      'spec/parameters/0/type: must be one of string, number, boolean (got "int")',
    );
  });

  it('execution params the Go controller refused at creation: rejected InvalidParams, every problem listed, never run', async () => {
    const { harness, plan, execution } = await play('refused-execution-params');
    expect(plan.phase).toBe('Ready');
    expect(execution.phase).toBe('Failed');
    expect(condition(execution, 'Accepted')).toMatchObject({ status: 'False', reason: 'InvalidParams' });
    expect(execution.message).toBe(
      'invalid spec.params: params[0] "mode": the name mode is reserved; set spec.mode instead; ' +
        'params[1] "1st-host": name must match [a-zA-Z][a-zA-Z0-9_-]*; params[3] "dbHost": duplicate parameter name; ' +
        'params[4] "jobName": value and valueFrom are mutually exclusive',
    );
    expect(harness.list('Job')).toEqual([]);
    expect((plan['executionHistory'] as unknown[] | undefined) ?? []).toEqual([]);
  });

  it('kubebuilder scaffolds (spec: null) through the hooks: Invalid or rejected with the reason, nothing crashes', async () => {
    const cluster = await clusterPerTest();
    const { harness } = cluster;
    const [workflow, plan, execution] = fixtures('refused-scaffolds') as [KubeObject, KubeObject, KubeObject];
    for (const object of [workflow, plan, execution]) harness.apply(object);
    await harness.settle();
    expect(condition(statusOf(harness, workflow), 'Ready')?.message).toBe('Validation failed: [spec: must be an object (got null)]');
    expect(condition(statusOf(harness, plan), 'Ready')?.message).toBe('Validation failed: [spec: must be an object (got null)]');
    expect(condition(statusOf(harness, execution), 'Accepted')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
  });
});

describe('render refuses what the API server would, in one line naming the file and the object', () => {
  it.each([
    [
      'refused-scaffolds',
      'samples.yaml: DRWorkflow default/drworkflow-sample: the API server would reject it: spec: must be an object (got null)',
    ],
    [
      'refused-workflow-schema',
      'drworkflow.yaml: DRWorkflow default/notify-legacy: the API server would reject it: spec/parameters/0/type: must be one of string, number, boolean (got "int"); ' +
        'spec/failurePolicy: must be one of FailFast, Continue (got "Stop") (a workflow stops at the first failure with failurePolicy: FailFast; Stop is the plan-level value)',
    ],
  ])('%s: exit 2', async (family, message) => {
    const dir = join(FIXTURES, family);
    const { code, stdout, stderr } = await render(dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`render: ${join(dir, message)}\n`);
  });

  it('an execution in the layout of early upstream documents: exit 2 with what to write instead', async () => {
    const { code, stderr } = await render(
      join(FIXTURES, 'jobs', 'drworkflow.yaml'),
      join(FIXTURES, 'jobs', 'drplan.yaml'),
      join(FIXTURES, 'early-layout.yaml'),
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^render: \S+early-layout\.yaml: DRPlanExecution default\/db-backup-exec-early: the API server would reject it: spec\/operationType: is required; spec\/planRef: must be a string \(got an object\) \(this is the layout of early upstream documents: write planRef: <plan name> and operationType: Execute or Revert\)\n$/,
    );
    expect(stderr).not.toMatch(GARBAGE);
  });

  it.each(['refused-localization-inline-feed', 'refused-job-pod-spec', 'refused-execution-params'])(
    '%s: exit 1, the reason on stderr',
    async (family) => {
      const { code, stdout, stderr } = await render(join(FIXTURES, family));
      expect(code).toBe(1);
      expect(stdout).not.toMatch(GARBAGE);
      expect(stderr).toMatch(
        /^render: execution default\/\S+ ended Failed: (plan default\/\S+ is invalid: Validation failed: \[stage\[0\] main: workflow default\/\S+ cannot be used: it is Invalid: |invalid spec\.params: )/,
      );
    },
  );
});
