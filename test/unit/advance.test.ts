import { describe, expect, it } from 'vitest';
import { advanceRun } from '../../src/engine/advance.js';
import { cancelRun } from '../../src/engine/cancel.js';
import { secondsUntilNextTimeout } from '../../src/engine/timeouts.js';
import { jobAction, NAMESPACE, plan, readyWorkflow, stage, T0 } from '../fixtures/objects.js';
import type { Run, RunAction, RunStage } from '../../src/api/run.js';
import { job, phases, startRun, step } from '../fixtures/runs.js';

const three = readyWorkflow('wf', { actions: [jobAction('a'), jobAction('b'), jobAction('c')] });
const begin = (run: ReturnType<typeof startRun>) => advanceRun(run, { jobs: new Map(), namespace: NAMESPACE }, new Date(T0));

describe('advanceRun: one workflow, actions in order', () => {
  it('starts only the first action, then the next once its Job completes', () => {
    let run = begin(startRun(plan('plan'), [three]));
    expect(phases(run)).toEqual({ 'main/0/a': 'Running', 'main/0/b': 'Pending', 'main/0/c': 'Pending' });
    run = step(run, { a: 'Complete' });
    expect(phases(run)).toEqual({ 'main/0/a': 'Succeeded', 'main/0/b': 'Running', 'main/0/c': 'Pending' });
    run = step(step(run, { b: 'Complete' }), { c: 'Complete' });
    expect(run.phase).toBe('Succeeded');
    expect(run.message).toBe('All stages completed successfully');
  });

  it('FailFast: skips the rest and names the failed action in the run message', () => {
    const run = step(begin(startRun(plan('plan'), [three])), { a: 'Failed' });
    expect(phases(run)).toEqual({ 'main/0/a': 'Failed', 'main/0/b': 'Skipped', 'main/0/c': 'Skipped' });
    expect(run.phase).toBe('Failed');
    expect(run.message).toMatch(
      /^stage main failed: workflow default\/wf failed: action a failed: Job default\/.+ failed: BackoffLimitExceeded: boom$/,
    );
    expect(run.stages[0]?.workflows[0]?.actions[1]?.message).toBe('not run: action a failed');
  });

  it('Continue: runs the rest after a failure and still fails the workflow', () => {
    const wf = readyWorkflow('wf', { failurePolicy: 'Continue', actions: [jobAction('a'), jobAction('b')] });
    let run = step(begin(startRun(plan('plan'), [wf])), { a: 'Failed' });
    expect(phases(run)).toEqual({ 'main/0/a': 'Failed', 'main/0/b': 'Running' });
    run = step(run, { b: 'Complete' });
    expect(run.phase).toBe('Failed');
  });

  it('DAG: independent actions start together, a dependant waits, a failed dependency skips it', () => {
    const wf = readyWorkflow('wf', {
      failurePolicy: 'Continue',
      actions: [jobAction('a'), jobAction('b'), jobAction('c', { dependsOn: ['a'] }), jobAction('d', { dependsOn: ['b'] })],
    });
    let run = begin(startRun(plan('plan'), [wf]));
    expect(phases(run)).toEqual({ 'main/0/a': 'Running', 'main/0/b': 'Running', 'main/0/c': 'Pending', 'main/0/d': 'Pending' });
    run = step(run, { a: 'Complete', b: 'Failed' });
    expect(phases(run)).toEqual({ 'main/0/a': 'Succeeded', 'main/0/b': 'Failed', 'main/0/c': 'Running', 'main/0/d': 'Skipped' });
  });
});

describe('advanceRun: stages', () => {
  const one = (name: string) => readyWorkflow(name, { actions: [jobAction(`${name}-job`)] });

  it('a parallel stage starts every workflow at once; stages run one at a time', () => {
    const spec = { stages: [stage('first', ['w1', 'w2'], { parallel: true }), stage('second', ['w3'])] };
    const run = begin(startRun(plan('plan', spec), [one('w1'), one('w2'), one('w3')]));
    expect(phases(run)).toEqual({ 'first/0/w1-job': 'Running', 'first/1/w2-job': 'Running', 'second/0/w3-job': 'Pending' });
  });

  it('a sequential stage stops after a failed workflow', () => {
    const run = step(begin(startRun(plan('plan', { stages: [stage('s', ['w1', 'w2'])] }), [one('w1'), one('w2')])), { 'w1-job': 'Failed' });
    expect(run.stages[0]?.workflows.map((workflow) => workflow.phase)).toEqual(['Failed', 'Skipped']);
  });

  it('plan failurePolicy Stop skips every later stage', () => {
    const spec = { stages: [stage('a', ['w1']), stage('b', ['w2'])] };
    const run = step(begin(startRun(plan('plan', spec), [one('w1'), one('w2')])), { 'w1-job': 'Failed' });
    expect(run.stages.map((s) => [s.phase, s.reason])).toEqual([
      ['Failed', undefined],
      ['Skipped', 'PlanStopped'],
    ]);
    expect(run.phase).toBe('Failed');
  });

  it('plan failurePolicy Continue runs independent stages and skips dependants', () => {
    const spec = {
      failurePolicy: 'Continue' as const,
      stages: [stage('a', ['w1']), stage('b', ['w2'], { dependsOn: ['a'] }), stage('c', ['w3'])],
    };
    let run = step(begin(startRun(plan('plan', spec), [one('w1'), one('w2'), one('w3')])), { 'w1-job': 'Failed' });
    expect(run.stages.map((s) => s.phase)).toEqual(['Failed', 'Skipped', 'Running']);
    run = step(run, { 'w3-job': 'Complete' });
    expect(run.phase).toBe('Failed');
  });

  it('a stage whose actions were all skipped by when does not block its dependants', () => {
    const skipped = readyWorkflow('w1', { actions: [jobAction('only-on-delete', { when: 'mode == "delete"' })] });
    const spec = { stages: [stage('a', ['w1']), stage('b', ['w2'], { dependsOn: ['a'] })] };
    const run = begin(startRun(plan('plan', spec), [skipped, one('w2')], { mode: 'Install' }));
    expect(phases(run)).toEqual({ 'a/0/only-on-delete': 'Skipped', 'b/0/w2-job': 'Running' });
    expect(run.stages.map((s) => [s.phase, s.reason])).toEqual([
      ['Skipped', 'WhenNotMatched'],
      ['Running', undefined],
    ]);
  });
});

describe('timeouts and cancel', () => {
  it('fails an action whose Job outlives its timeout and asks for a resync before that', () => {
    const wf = readyWorkflow('wf', { actions: [jobAction('slow', { timeout: '90s' })] });
    const run = begin(startRun(plan('plan'), [wf]));
    expect(secondsUntilNextTimeout(run, new Date(Date.parse(T0) + 30_000))).toBe(60);
    const later = step(run, { slow: 'active' }, new Date(Date.parse(T0) + 90_000));
    expect(later.phase).toBe('Failed');
    expect(later.stages[0]?.workflows[0]?.actions[0]?.message).toMatch(/^timed out after 1m30s: Job default\/.+ did not complete$/);
  });

  it('cancel interrupts running actions and skips the rest, keeping finished ones', () => {
    const run = cancelRun(step(begin(startRun(plan('plan'), [three])), { a: 'Complete' }), 'cancelled by user', '2026-01-01T00:05:00Z');
    expect(phases(run)).toEqual({ 'main/0/a': 'Succeeded', 'main/0/b': 'Failed', 'main/0/c': 'Skipped' });
    expect(run).toMatchObject({ phase: 'Cancelled', message: 'cancelled by user', completionTime: '2026-01-01T00:05:00Z' });
  });
});

describe('skips reach every level', () => {
  it('a stage that will not run marks its workflows and actions Skipped with the same reason', () => {
    const one = (name: string) => readyWorkflow(name, { actions: [jobAction(`${name}-job`), jobAction(`${name}-more`)] });
    const spec = { stages: [stage('a', ['w1']), stage('b', ['w2'])] };
    const run = step(begin(startRun(plan('plan', spec), [one('w1'), one('w2')])), { 'w1-job': 'Failed' });
    const later = run.stages[1];
    expect([
      later?.phase,
      later?.workflows[0]?.phase,
      ...(later?.workflows[0]?.actions.map((a) => `${a.phase}/${a.reason}`) ?? []),
    ]).toEqual(['Skipped', 'Skipped', 'Skipped/PlanStopped', 'Skipped/PlanStopped']);
  });
});

describe('advanceRun is linear in the run', () => {
  // Runs as a hand-edited status could hold them: far more steps than a plan may start.
  const STEPS = 30_000;
  const revertRun = (stages: RunStage[]): Run => ({
    execution: { name: 'undo', namespace: NAMESPACE, uid: 'uid-undo' },
    operationType: 'Revert',
    failurePolicy: 'Stop',
    phase: 'Running',
    startTime: T0,
    stages,
  });
  const undo = (name: string, extra: Partial<RunAction> = {}): RunAction => ({
    id: name,
    name,
    type: 'Job',
    phase: 'Pending',
    timeoutSeconds: 60,
    deleteJob: `job-${name}`,
    ...extra,
  });
  const cpuMs = (work: () => Run): [Run, number] => {
    const before = process.cpuUsage();
    const run = work();
    const used = process.cpuUsage(before);
    return [run, (used.user + used.system) / 1000];
  };

  it('settles 30,000 stages that each end at once in one call', () => {
    const stages = Array.from({ length: STEPS }, (_, index): RunStage => ({
      name: `s${index}`,
      parallel: false,
      phase: 'Pending',
      ...(index > 0 ? { dependsOn: [`s${index - 1}`] } : {}),
      workflows: [
        { workflowRef: { name: 'wf', namespace: NAMESPACE }, failurePolicy: 'FailFast', phase: 'Pending', actions: [undo(`a${index}`)] },
      ],
    }));
    const [run, ms] = cpuMs(() => advanceRun(revertRun(stages), { jobs: new Map(), namespace: NAMESPACE }, new Date(T0)));
    expect(run.phase).toBe('Succeeded');
    expect(run.stages.every((stage) => stage.phase === 'Skipped' && stage.reason === 'NothingToRevert')).toBe(true);
    expect(ms).toBeLessThan(5_000);
  });

  it('follows a chain of 30,000 dependencies listed backwards in one call', () => {
    const actions = Array.from({ length: STEPS }, (_, index) =>
      undo(`a${index}`, index < STEPS - 1 ? { dependsOn: [`a${index + 1}`] } : {}),
    );
    const jobs = new Map(actions.map((action) => [`job-${action.name}`, job(`job-${action.name}`, 'Complete')]));
    const stages: RunStage[] = [
      {
        name: 'main',
        parallel: false,
        phase: 'Pending',
        workflows: [{ workflowRef: { name: 'wf', namespace: NAMESPACE }, failurePolicy: 'FailFast', phase: 'Pending', actions }],
      },
    ];
    const [run, ms] = cpuMs(() => advanceRun(revertRun(stages), { jobs, namespace: NAMESPACE }, new Date(T0)));
    expect(run.message).toBe(`Plan reverted successfully: ${STEPS} action(s) rolled back`);
    expect(ms).toBeLessThan(5_000);
  });
});
