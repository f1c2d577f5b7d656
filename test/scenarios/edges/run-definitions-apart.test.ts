import { afterEach, describe, expect, it } from 'vitest';
import type { ContractHarness, JobPolicy, KubeObject } from '../../../src/harness/index.js';
import type { Action } from '../../../src/api/workflow.js';
import { DEFINITIONS_CHUNK_BYTES } from '../../../src/engine/definitions.js';
import { RUN_BUDGET_BYTES } from '../../../src/engine/size.js';
import { expectHealthy, startCluster, type Cluster } from '../../fixtures/cluster.js';
import { apply, getExecution, getPlan, jobs } from '../../fixtures/dr.js';
import { execution, jobAction, NAMESPACE, plan, workflow } from '../../fixtures/objects.js';

/**
 * A run whose Job templates do not fit in the plan's status keeps them in ConfigMaps
 * (docs/design.md, "Run definitions"): the status stays under its budget, the Jobs are the
 * ones the templates describe, and the ConfigMaps live exactly as long as the run's status.
 */

let cluster: Cluster;
const hold: JobPolicy = () => ({ outcome: 'hold' });

afterEach(async () => {
  await cluster.close();
});

/** A Job action `name` whose one container runs `script`. */
function scriptAction(name: string, script: string): Action {
  return jobAction(name, {
    job: {
      template: {
        spec: {
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script] }] } },
        },
      },
    },
  });
}

/** `count` actions, each with a command of `bytes` characters that names it. */
function bulkyActions(count: number, bytes: number): Action[] {
  return Array.from({ length: count }, (_, index) => scriptAction(`step-${index}`, `echo step ${index} ${'x'.repeat(bytes)}`));
}

async function setUp(actions: Action[], kubelet?: JobPolicy): Promise<ContractHarness> {
  cluster = await startCluster(kubelet ? { kubelet } : {});
  const { harness } = cluster;
  apply(harness, workflow('wf', { actions }));
  apply(harness, plan('plan'));
  await harness.settle();
  return harness;
}

const definitionMaps = (harness: ContractHarness): KubeObject[] =>
  harness.list('ConfigMap', NAMESPACE).filter((configMap) => configMap.metadata.name.includes('-definitions-'));
const commandOf = (job: KubeObject): unknown =>
  (job['spec'] as { template: { spec: { containers: { command: string[] }[] } } }).template.spec.containers[0]?.command[2];
const commandIn = (action: Action | undefined): unknown =>
  (action?.job?.template.spec as { template: { spec: { containers: { command: string[] }[] } } } | undefined)?.template.spec.containers[0]
    ?.command[2];
const statusBytes = (harness: ContractHarness): number => Buffer.byteLength(JSON.stringify(getPlan(harness).status));

// Hundreds of actions played forward and back, a sync at a time: more than the default time on a busy machine.
describe('a run too large for the plan status', { timeout: 90_000 }, () => {
  it('keeps its Job templates in ConfigMaps while it runs, and the status under its budget', async () => {
    // 60 actions of 30 KiB: 1.8 MiB of templates, twice what the status may hold.
    const actions = bulkyActions(60, 30 * 1024);
    const harness = await setUp(actions, hold);
    apply(harness, execution('exec'));
    await harness.settle();
    expectHealthy(harness);

    const run = getPlan(harness).status?.run;
    const maps = definitionMaps(harness);
    expect(run?.definitions).toEqual(maps.map((configMap) => configMap.metadata.name).sort());
    expect(maps.length).toBeGreaterThanOrEqual(Math.ceil((60 * 30 * 1024) / DEFINITIONS_CHUNK_BYTES));
    expect(run?.stages[0]?.workflows[0]?.actions.filter((action) => action.job !== undefined)).toEqual([]);
    expect(statusBytes(harness)).toBeLessThan(RUN_BUDGET_BYTES / 4);
    expect(jobs(harness).map(commandOf)).toEqual([commandIn(actions[0])]);
    for (const configMap of maps) {
      expect(Buffer.byteLength(JSON.stringify(configMap['data']))).toBeLessThanOrEqual(DEFINITIONS_CHUNK_BYTES);
      expect(configMap.metadata.labels).toMatchObject({ 'dr.bkbcs.tencent.com/plan': 'plan', 'dr.bkbcs.tencent.com/execution': 'exec' });
    }
  });

  it('runs every Job as its template says, ends Succeeded, and lets its ConfigMaps go with the run', async () => {
    const actions = bulkyActions(40, 30 * 1024);
    const harness = await setUp(actions);
    apply(harness, execution('exec'));
    await harness.settle();
    expectHealthy(harness);
    expect(getExecution(harness, 'exec').status?.phase).toBe('Succeeded');
    const byAction = new Map(jobs(harness).map((job) => [job.metadata.labels?.['dr.bkbcs.tencent.com/action'], commandOf(job)]));
    expect(actions.map((action) => byAction.get(action.name))).toEqual(actions.map(commandIn));
    expect(getPlan(harness).status?.run).toBeUndefined();
    expect(definitionMaps(harness)).toEqual([]);
  });

  it('an action whose ConfigMap is deleted before it starts fails the run after the grace, naming it; what ran is kept', async () => {
    const harness = await setUp(bulkyActions(40, 30 * 1024), hold);
    apply(harness, execution('exec'));
    await harness.settle();
    const first = jobs(harness)[0]?.metadata.name ?? '';
    const holder = definitionMaps(harness).find((configMap) => (configMap['data'] as Record<string, string>)['action-1'] !== undefined);
    harness.delete('ConfigMap', NAMESPACE, holder?.metadata.name ?? '');
    await harness.settle();
    expect(getExecution(harness, 'exec').status?.phase).toBe('Running');

    harness.kubelet.complete(NAMESPACE, first);
    await harness.settle();
    expect(jobs(harness).map((job) => job.metadata.name)).toEqual([first]);
    expect(getPlan(harness).status?.run?.definitionsMissingSince).toBeDefined();
    await harness.advance(31);
    const status = getExecution(harness, 'exec').status;
    expect(status?.phase).toBe('Failed');
    expect(status?.message).toContain('the definitions of main/0/step-1 (ConfigMaps ');
    expect(status?.message).toContain('are gone or unreadable');
    expect(status?.stageStatuses?.[0]?.workflowExecutions?.[0]?.actionStatuses?.[0]?.phase).toBe('Succeeded');
  });

  it('a Revert of such a run undoes every action with the rollback its execution recorded', async () => {
    const actions = bulkyActions(40, 30 * 1024).map((action, index) => ({
      ...action,
      rollback: scriptAction(`undo-${index}`, `undo ${index}`),
    }));
    const harness = await setUp(actions);
    apply(harness, execution('exec'));
    await harness.settle();
    expect(getPlan(harness).status?.executionHistory?.[0]?.phase).toBe('Succeeded');
    apply(harness, execution('undo', { operationType: 'Revert', revertExecutionRef: 'exec' }));
    await harness.settle();
    expectHealthy(harness);
    expect(getExecution(harness, 'undo').status?.phase).toBe('Succeeded');
    const undone = jobs(harness)
      .filter((job) => job.metadata.labels?.['dr.bkbcs.tencent.com/execution'] === 'undo')
      .map(commandOf)
      .sort();
    expect(undone).toEqual(actions.map((_, index) => `undo ${index}`).sort());
  });

  it('a run that fits keeps its templates in the status, as a single object', async () => {
    const harness = await setUp(bulkyActions(3, 100), hold);
    apply(harness, execution('exec'));
    await harness.settle();
    expectHealthy(harness);
    expect(getPlan(harness).status?.run?.definitions).toBeUndefined();
    expect(getPlan(harness).status?.run?.stages[0]?.workflows[0]?.actions.every((action) => action.job !== undefined)).toBe(true);
    expect(definitionMaps(harness)).toEqual([]);
  });
});
