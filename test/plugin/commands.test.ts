import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findCondition } from '../../src/k8s/conditions.js';
import { USAGE } from '../../src/plugin/options.js';
import { expectHealthy } from '../fixtures/cluster.js';
import { apply, getPlan } from '../fixtures/dr.js';
import { NAMESPACE, plan, stage } from '../fixtures/objects.js';
import { drive, jobsTake, run, start, startPluginCluster, type PluginCluster } from './fixture.js';

let target: PluginCluster;
afterEach(async () => {
  expectHealthy(target.harness);
  await target.close();
});

const executions = () => target.harness.list('DRPlanExecution', NAMESPACE).map((execution) => execution.metadata.name);

/** An Execute then a Revert of it, both Succeeded, each action taking 5 s. */
async function executeThenRevert(): Promise<void> {
  jobsTake(target, 5);
  for (const args of [
    ['execute', 'plan', '--wait'],
    ['revert', 'plan', 'plan-00001', '--wait'],
  ]) {
    const following = start(target, args);
    await drive(target, following);
    expect(await following.done).toBe(0);
  }
}

describe('kubectl drplan: usage', () => {
  it('--help prints the usage and exits 0', async () => {
    target = await startPluginCluster();
    expect(await run(target, ['--help'])).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
  });

  it.each([
    [[], 'no command given (see kubectl drplan --help)'],
    [['bogus'], 'unknown command "bogus" (see kubectl drplan --help)'],
    [['execute'], 'execute takes 1 name(s), got 0'],
    [['revert', 'plan', 'a', 'b'], 'revert takes 1 or 2 name(s), got 3'],
    [['execute', 'plan', '--mode', 'Sideways'], '--mode must be one of Install, Upgrade, Delete, Rollback, not Sideways'],
    [['execute', 'plan', '--param', 'region'], '--param takes name=value, not region'],
    [['execute', 'plan', '--timeout', 'soon'], '--timeout takes a duration such as 90s, 10m or 1h30m, not soon'],
    [['status', 'plan', '--wait'], '--wait does not apply to status'],
    [['history', 'plan', '-o', 'wide'], '--output must be json or yaml, not wide'],
    [['status', 'plan', '--bogus'], 'unknown option --bogus (see kubectl drplan --help)'],
  ])('%j is a usage error: exit 2 and one line on stderr', async (args, message) => {
    target = await startPluginCluster();
    const result = await run(target, args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.startsWith('kubectl drplan: ')).toBe(true);
  });

  it('reads the kubeconfig from KUBECONFIG, takes --context and -n as kubectl does', async () => {
    target = await startPluginCluster();
    const env = { KUBECONFIG: target.kubeconfig };
    expect(await run(target, ['history', 'plan', '--context', 'harness'], { env, noKubeconfigFlag: true })).toMatchObject({ code: 0 });
    expect(await run(target, ['history', 'plan', '--context', 'elsewhere'], { env, noKubeconfigFlag: true })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kubectl drplan: context "elsewhere" is not in the kubeconfig\n',
    });
    expect(await run(target, ['history', 'plan', '-n', 'other'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kubectl drplan: plan other/plan not found\n',
    });
  });
});

describe('kubectl drplan: refusals, before anything is created', () => {
  it('a plan that does not exist', async () => {
    target = await startPluginCluster();
    expect(await run(target, ['execute', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kubectl drplan: refused: plan default/nope not found\n',
    });
    expect(executions()).toEqual([]);
  });

  it('an Invalid plan, with its Ready condition', async () => {
    target = await startPluginCluster();
    apply(target.harness, plan('broken', { stages: [stage('main', ['missing'])] }));
    await target.harness.settle();
    const why = findCondition(getPlan(target.harness, 'broken').status?.conditions, 'Ready')?.message;
    expect(why).toMatch(/missing/);
    expect(await run(target, ['execute', 'broken'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `kubectl drplan: refused (PlanInvalid): plan default/broken is invalid: ${why}\n`,
    });
    expect(executions()).toEqual([]);
    const status = await run(target, ['status', 'broken']);
    expect(status.stdout.split('\n')[0]).toBe(`Plan default/broken: Invalid — ${why}`);
  });

  it('a run in progress, named', async () => {
    target = await startPluginCluster();
    jobsTake(target, 600);
    expect((await run(target, ['execute', 'plan'])).code).toBe(0);
    // Past the second the run started in: an execution created in that second queues behind it.
    await target.harness.advance(1);
    await target.harness.advance(1);
    expect(await run(target, ['execute', 'plan'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kubectl drplan: refused (ConcurrentExecution): plan default/plan already has a running execution: default/plan-00001\n',
    });
    expect(executions()).toEqual(['plan-00001']);
  });

  it('params admission would reject', async () => {
    target = await startPluginCluster();
    expect(await run(target, ['execute', 'plan', '--param', 'mode=fast'])).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/^kubectl drplan: refused \(InvalidParams\): invalid spec.params: .*mode.*\n$/),
    });
    expect(executions()).toEqual([]);
  });

  it('nothing to revert, or a target that is not revertible', async () => {
    target = await startPluginCluster();
    expect(await run(target, ['revert', 'plan'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kubectl drplan: refused (InvalidRevertTarget): no finished, unreverted Execute in the history of plan plan to revert\n',
    });
    await executeThenRevert();
    expect(await run(target, ['revert', 'plan', 'plan-00001'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kubectl drplan: refused (InvalidRevertTarget): revert target plan-00001 is already reverted by plan-00002\n',
    });
    expect(executions()).toEqual(['plan-00001', 'plan-00002']);
  });
});

describe('kubectl drplan: status, history, cancel', () => {
  it('status EXECUTION: the tree of stages, workflows and actions with phase, duration and details', async () => {
    target = await startPluginCluster();
    await executeThenRevert();
    const status = await run(target, ['status', 'plan-00001']);
    expect(status.code).toBe(0);
    expect(status.stdout).toBe(
      [
        'Execution default/plan-00001: Execute of plan plan',
        'Phase Succeeded   Progress 2/2 actions   Elapsed 10s',
        'Message All stages completed successfully',
        '',
        'STEP       PHASE      DURATION  DETAILS',
        '└─✔ main   Succeeded  10s       Stage completed: 1 workflow(s) succeeded',
        '  └─✔ wf   Succeeded  10s       All actions completed successfully',
        '    ├─✔ a  Succeeded  5s        Job default/plan-00001-a-c038f908 completed',
        '    └─✔ b  Succeeded  5s        Job default/plan-00001-b-818f0aa2 completed',
        '',
      ].join('\n'),
    );
  });

  it('status PLAN: its phase, current and last execution, then the tree of the last one', async () => {
    target = await startPluginCluster();
    await executeThenRevert();
    const status = await run(target, ['status', 'plan']);
    const lines = status.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'Plan default/plan: Ready',
      `Current none   Last plan-00002 at ${getPlan(target.harness).status?.lastExecutionTime}`,
      '',
    ]);
    expect(lines[3]).toBe('Execution default/plan-00002: Revert of plan plan');
    // Reverted in reverse order: b's Job deleted before a's.
    expect(lines.slice(-3)).toEqual([
      '    ├─✔ b  Succeeded  0s        Rolled back: deleted Job default/plan-00001-b-818f0aa2',
      '    └─✔ a  Succeeded  0s        Rolled back: deleted Job default/plan-00001-a-c038f908',
      '',
    ]);
  });

  it('status -o yaml and -o json print the object itself', async () => {
    target = await startPluginCluster();
    const yaml = await run(target, ['status', 'plan', '-o', 'yaml']);
    expect(parse(yaml.stdout)).toEqual(getPlan(target.harness));
    expect(await run(target, ['status', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kubectl drplan: no execution or plan named nope in namespace default\n',
    });
  });

  it('history PLAN: the ledger newest first, the lastExecutionRef row marked', async () => {
    target = await startPluginCluster();
    await executeThenRevert();
    const history = getPlan(target.harness).status?.executionHistory ?? [];
    const [revert, execute] = history;
    const result = await run(target, ['history', 'plan']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        '   NAME        OPERATION  PHASE      STARTED               COMPLETED             REVERT                  MESSAGE',
        `*  plan-00002  Revert     Succeeded  ${revert?.startTime}  ${revert?.completionTime}  reverts plan-00001      ${revert?.message}`,
        `   plan-00001  Execute    Succeeded  ${execute?.startTime}  ${execute?.completionTime}  reverted by plan-00002  ${execute?.message}`,
        '',
      ].join('\n'),
    );
    expect(JSON.parse((await run(target, ['history', 'plan', '-o', 'json'])).stdout)).toEqual(history);
  });

  it('cancel refuses an execution that ended or does not exist', async () => {
    target = await startPluginCluster();
    await executeThenRevert();
    expect(await run(target, ['cancel', 'plan-00001'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kubectl drplan: execution default/plan-00001 already ended Succeeded: nothing to cancel\n',
    });
    expect(await run(target, ['cancel', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kubectl drplan: execution default/nope not found\n',
    });
    expect(await run(target, ['watch', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kubectl drplan: execution default/nope not found\n',
    });
  });

  it('execute without --wait prints the name, or the created object with -o json', async () => {
    target = await startPluginCluster();
    const created = await run(target, ['execute', 'plan', '-o', 'json']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      metadata: { name: 'plan-00001', namespace: 'default' },
      spec: { planRef: 'plan', operationType: 'Execute' },
    });
  });
});
