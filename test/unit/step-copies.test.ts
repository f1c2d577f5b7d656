import { describe, expect, it } from 'vitest';
import { advanceRun } from '../../src/engine/advance.js';
import { cancelRun } from '../../src/engine/cancel.js';
import { noteObservedJobs } from '../../src/engine/lock.js';
import { deepFreeze } from '../../src/shared/frozen.js';
import type { Run } from '../../src/api/run.js';
import type { KubeObject } from '../../src/k8s/metacontroller.js';
import { jobAction, NAMESPACE, plan, readyWorkflow, stage, T0 } from '../fixtures/objects.js';
import { actions, job, startRun } from '../fixtures/runs.js';

const at = new Date(T0);
const begin = (run: Run) => advanceRun(run, { jobs: new Map(), namespace: NAMESPACE }, at);

/** The Jobs of the running actions, each with the outcome given for its action's name. */
function jobsOf(run: Run, outcomes: Record<string, 'Complete' | 'Failed' | 'active'>): Map<string, KubeObject> {
  const jobs = new Map<string, KubeObject>();
  for (const action of actions(run)) {
    const outcome = outcomes[action.name];
    if (action.phase === 'Running' && action.jobName !== undefined && outcome !== undefined)
      jobs.set(action.jobName, job(action.jobName, outcome));
  }
  return jobs;
}

/** Every way a sync changes a run, each applied to a frozen run and to an unfrozen copy of it. */
const edits: [string, (run: Run) => Run][] = [
  ['an action completes and the next starts', (run) => advanceRun(run, { jobs: jobsOf(run, { a: 'Complete' }), namespace: NAMESPACE }, at)],
  ['an action fails and the rest are skipped', (run) => advanceRun(run, { jobs: jobsOf(run, { a: 'Failed' }), namespace: NAMESPACE }, at)],
  [
    'an action times out',
    (run) => advanceRun(run, { jobs: jobsOf(run, { a: 'active' }), namespace: NAMESPACE }, new Date(Date.parse(T0) + 3_600_000)),
  ],
  ['the run is cancelled', (run) => cancelRun(run, 'cancelled by user', T0)],
  ['a Job is seen', (run) => noteObservedJobs(run, jobsOf(run, { a: 'active' }))],
];

describe('a sync copies only the steps it changes', () => {
  const wf = (name: string) => readyWorkflow(name, { actions: [jobAction('a'), jobAction('b'), jobAction('c')] });
  const started = () => begin(startRun(plan('plan', { stages: [stage('one', ['w1']), stage('two', ['w2'])] }), [wf('w1'), wf('w2')]));

  it.each(edits)('%s: the same run from a frozen run as from a copy, and the input untouched', (_, edit) => {
    const frozen = deepFreeze(started());
    const copy = structuredClone(frozen);
    expect(edit(frozen)).toEqual(edit(copy));
    expect(copy).toEqual(frozen);
  });

  it.each(edits)('%s: the steps left as they were are the same objects', (_, edit) => {
    const before = started();
    const after = edit(before);
    const pairs = actions(before).map((action, index) => [action, actions(after)[index]] as const);
    const changed = pairs.filter(([old, now]) => JSON.stringify(old) !== JSON.stringify(now));
    expect(changed.length).toBeGreaterThan(0);
    for (const [old, now] of pairs) expect(now === old).toBe(!changed.some(([was]) => was === old));
    // The second stage has not started in any of these, unless the run was stopped.
    const untouched = JSON.stringify(before.stages[1]) === JSON.stringify(after.stages[1]);
    expect(after.stages[1] === before.stages[1]).toBe(untouched);
  });

  it.each(edits)('%s: frozen all through after a frozen run, not frozen at all after one that is not', (_, edit) => {
    const objects = (value: unknown): object[] =>
      typeof value !== 'object' || value === null ? [] : [value, ...Object.values(value).flatMap(objects)];
    expect(objects(edit(deepFreeze(started()))).every((object) => Object.isFrozen(object))).toBe(true);
    expect(objects(edit(started())).some((object) => Object.isFrozen(object))).toBe(false);
  });

  it('a sync that changes nothing returns the run itself', () => {
    const run = started();
    expect(advanceRun(run, { jobs: new Map(), namespace: NAMESPACE }, at)).toBe(run);
    expect(noteObservedJobs(run, new Map())).toBe(run);
  });
});

describe('a sync edits only the stages where something can still change', () => {
  const wf = (name: string) => readyWorkflow(name, { actions: [jobAction(`${name}-a`), jobAction(`${name}-b`)] });
  const started = begin(startRun(plan('plan', { stages: [stage('one', ['w1']), stage('two', ['w2'])] }), [wf('w1'), wf('w2')]));
  const finishOne = (run: Run) => {
    let next = run;
    for (const name of ['w1-a', 'w1-b']) next = advanceRun(next, { jobs: jobsOf(next, { [name]: 'Complete' }), namespace: NAMESPACE }, at);
    return next;
  };
  // A status edited by hand: the first stage says it ended, yet one of its actions still runs.
  const handEdited = (run: Run): Run => {
    const [one, two] = structuredClone(run.stages);
    const [first] = one?.workflows ?? [];
    if (one === undefined || two === undefined || first === undefined) throw new Error('two stages expected');
    const stillRunning = {
      ...first,
      actions: first.actions.map((action, index) => (index === 0 ? { ...action, phase: 'Running' as const } : action)),
    };
    return { ...run, stages: [{ ...one, workflows: [stillRunning] }, two] };
  };

  it('leaves an ended stage as it was, the same object, while the next one moves', () => {
    const before = deepFreeze(finishOne(started));
    expect(before.stages.map((part) => part.phase)).toEqual(['Succeeded', 'Running']);
    const after = advanceRun(before, { jobs: jobsOf(before, { 'w2-a': 'Complete' }), namespace: NAMESPACE }, at);
    expect(after.stages[0]).toBe(before.stages[0]);
    expect(after.stages[1]).not.toBe(before.stages[1]);
    expect(after).toEqual(advanceRun(structuredClone(before), { jobs: jobsOf(before, { 'w2-a': 'Complete' }), namespace: NAMESPACE }, at));
  });

  it('still stops an action that runs in a stage said to have ended, frozen or not, and leaves the input untouched', () => {
    const edited = handEdited(finishOne(started));
    const frozen = deepFreeze(structuredClone(edited));
    const cancelled = cancelRun(frozen, 'cancelled by user', T0);
    expect(cancelled).toEqual(cancelRun(edited, 'cancelled by user', T0));
    expect(cancelled.stages[0]?.workflows[0]?.actions[0]?.phase).toBe('Failed');
    expect(edited).toEqual(frozen);
  });
});
