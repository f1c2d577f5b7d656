import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stagesWithoutDefinitions, withDefinitions } from '../../src/engine/joined-definitions.js';
import { cancelRun } from '../../src/engine/cancel.js';
import { noteObservedJobs } from '../../src/engine/lock.js';
import { stageStatusesOf } from '../../src/engine/project.js';
import { deepFreeze } from '../../src/shared/frozen.js';
import type { Run } from '../../src/api/run.js';
import type { KubeObject } from '../../src/k8s/metacontroller.js';
import { jobAction, plan, readyWorkflow, stage, T0 } from '../fixtures/objects.js';
import { actions, job, startRun, step } from '../fixtures/runs.js';

/**
 * A run that keeps its definitions apart reads them back on every sync. A frozen status (a
 * rehearsal's) and a parsed one must come to the same run and write the same status back.
 */
const objects = (value: unknown): object[] =>
  typeof value !== 'object' || value === null ? [] : [value, ...Object.values(value).flatMap(objects)];

describe('run definitions read back', () => {
  const started = startRun(plan('plan'), [readyWorkflow('wf', { actions: [jobAction('a'), jobAction('b')] })]);
  const status: Run = { ...started, definitions: ['defs'], stages: stagesWithoutDefinitions(started.stages) };
  const job = actions(started)[0]?.job;
  const configMap = (entry: unknown): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'defs', namespace: 'default' },
    data: { 'action-0': JSON.stringify(entry), 'action-1': JSON.stringify({ job: actions(started)[1]?.job }) },
  });

  it.each([
    ['a definition', { job }],
    ['a definition with a key of the action besides', { job, timeoutSeconds: 5, phase: 'Succeeded' }],
  ])('%s: joined to its action and written back the same, frozen or not', (_, entry) => {
    const parsed = withDefinitions(structuredClone(status), [configMap(entry)]);
    const frozen = withDefinitions(deepFreeze(structuredClone(status)), [deepFreeze(configMap(entry))]);
    expect(frozen).toEqual(parsed);
    expect(actions(parsed)[0]).toEqual({ ...actions(status)[0], job });
    expect(stagesWithoutDefinitions(frozen.stages)).toEqual(status.stages);
    expect(stagesWithoutDefinitions(parsed.stages)).toEqual(status.stages);
    // Frozen all through after a frozen status, so that what is worked out of it can be carried; never frozen after a parsed one.
    expect(objects(frozen).every((object) => Object.isFrozen(object))).toBe(true);
    expect(objects(stagesWithoutDefinitions(frozen.stages)).every((object) => Object.isFrozen(object))).toBe(true);
    expect(objects(parsed).some((object) => Object.isFrozen(object))).toBe(false);
    expect(objects(stagesWithoutDefinitions(parsed.stages)).some((object) => Object.isFrozen(object))).toBe(false);
  });

  it('writes back without its definition an action that ended after it was joined', () => {
    const joined = withDefinitions(deepFreeze(structuredClone(status)), [deepFreeze(configMap({ job }))]);
    const [stage] = joined.stages;
    const [workflow] = stage?.workflows ?? [];
    const [first, ...rest] = workflow?.actions ?? [];
    const ended = deepFreeze([{ ...first, phase: 'Succeeded' }, ...rest] as typeof rest);
    const stages = deepFreeze([{ ...stage, workflows: [{ ...workflow, actions: ended }] }] as typeof joined.stages);
    const [written] = stagesWithoutDefinitions(stages)[0]?.workflows[0]?.actions ?? [];
    expect(written).toEqual({ ...actions(status)[0], phase: 'Succeeded' });
    expect(written?.job).toBeUndefined();
  });

  it('reads a frozen run again from the ConfigMaps it is read with now, not from those it was read with before', () => {
    const frozen = deepFreeze(structuredClone(status));
    const other = actions(started)[1]?.job;
    expect(actions(withDefinitions(frozen, [deepFreeze(configMap({ job }))]))[0]?.job).toEqual(job);
    expect(actions(withDefinitions(frozen, [deepFreeze(configMap({ job: other }))]))[0]?.job).toEqual(other);
    expect(actions(withDefinitions(frozen, []))[0]?.job).toBeUndefined();
  });

  it('takes only the keys it writes: an entry under another key defines no action', () => {
    const stray = { ...configMap({ job }), data: { 'action-00': JSON.stringify({ job }), 'action-1 ': JSON.stringify({ job }) } };
    expect(actions(withDefinitions(structuredClone(status), [stray])).map((action) => action.job)).toEqual([undefined, undefined]);
  });

  it('reads a ConfigMap that is not frozen again, even under a frozen list of names', () => {
    const frozen = deepFreeze(structuredClone(status));
    const observed = configMap({ job });
    expect(actions(withDefinitions(frozen, [observed]))[0]?.job).toEqual(job);
    (observed as unknown as { data: Record<string, string> }).data['action-0'] = JSON.stringify({ job: actions(started)[1]?.job });
    expect(actions(withDefinitions(frozen, [observed]))[0]?.job).toEqual(actions(started)[1]?.job);
  });
});

/**
 * A long run's status is joined to its definitions and stripped again on every sync: the stages
 * and workflows a sync leaves alone must come back as the status's own objects, so that what is
 * worked out of them is carried to the next sync.
 */
describe('run definitions joined and stripped', () => {
  const workflow = (name: string) => readyWorkflow(name, { actions: [jobAction(`${name}-a`), jobAction(`${name}-b`)] });
  const started = startRun(plan('plan', { stages: [stage('one', ['w1']), stage('two', ['w2'])] }), [workflow('w1'), workflow('w2')]);
  const entries = Object.fromEntries(actions(started).map((action, index) => [`action-${index}`, JSON.stringify({ job: action.job })]));
  const configMaps = deepFreeze([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'defs', namespace: 'default' }, data: entries }]);
  const status = deepFreeze({ ...started, definitions: ['defs'], stages: stagesWithoutDefinitions(structuredClone(started.stages)) });

  it('reads a frozen status twice into the same run parts, and writes an unchanged one back as the status itself', () => {
    const joined = withDefinitions(status, configMaps);
    expect(joined.stages).toEqual(started.stages);
    expect(withDefinitions(status, configMaps).stages.every((part, index) => part === joined.stages[index])).toBe(true);
    const written = stagesWithoutDefinitions(joined.stages);
    expect(written.every((part, index) => part === status.stages[index])).toBe(true);
  });

  it('writes back a stage a sync moved as a new one, and the stages it left alone as they were', () => {
    const moved = step(withDefinitions(status, configMaps), { 'w1-a': 'Complete' });
    const written = stagesWithoutDefinitions(moved.stages);
    expect(written).toEqual(stagesWithoutDefinitions(structuredClone(moved.stages)));
    expect(written[0]).not.toBe(status.stages[0]);
    expect(written[0]?.workflows[0]?.actions[1]).toBe(status.stages[0]?.workflows[0]?.actions[1]);
    expect(written[1]).toBe(status.stages[1]);
  });

  it('reads a run whose actions have all ended as it is', () => {
    const succeeded = <T>(part: T): T => ({ ...part, phase: 'Succeeded' });
    const stages = status.stages.map((part) =>
      succeeded({ ...part, workflows: part.workflows.map((flow) => succeeded({ ...flow, actions: flow.actions.map(succeeded) })) }),
    );
    const ended = deepFreeze({ ...status, stages });
    expect(withDefinitions(ended, configMaps)).toBe(ended);
  });
});

/**
 * A rehearsal reads a frozen status, moves it and writes it back, sync after sync; a server reads
 * the same status parsed from each request. Both must come to the same runs, statuses written and
 * stage statuses, and the parsed input must never change.
 */
describe('run definitions across syncs, frozen or parsed', () => {
  const workflow = (name: string, count: number) =>
    readyWorkflow(name, { actions: Array.from({ length: count }, (_, index) => jobAction(`${name}-${index}`)) });
  const started = startRun(
    plan('plan', { stages: [stage('one', ['w1', 'w2'], { parallel: true }), stage('two', ['w3']), stage('three', ['w4', 'w5'])] }),
    [workflow('w1', 2), workflow('w2', 3), workflow('w3', 1), workflow('w4', 2), workflow('w5', 2)],
  );
  const entries = Object.fromEntries(actions(started).map((action, index) => [`action-${index}`, JSON.stringify({ job: action.job })]));
  const configMaps: KubeObject[] = deepFreeze([
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'defs', namespace: 'default' }, data: entries },
  ]);
  const status: Run = { ...started, definitions: ['defs'], stages: stagesWithoutDefinitions(structuredClone(started.stages)) };
  type Move = 'Complete' | 'Failed' | 'active' | 'seen' | 'cancel';

  /** The run after `move`, applied to one of its running actions (`pick`); the input is left as it was. */
  const moved = (run: Run, pick: number, move: Move): Run => {
    const running = actions(run).filter((action) => action.phase === 'Running');
    const before = structuredClone(run);
    let next: Run;
    if (move === 'cancel') next = cancelRun(run, 'cancelled by user', T0);
    else if (move === 'seen')
      next = noteObservedJobs(
        run,
        new Map(running.flatMap((action) => (action.jobName ? [[action.jobName, job(action.jobName, 'active')] as const] : []))),
      );
    else {
      const target = running[pick % Math.max(1, running.length)];
      next = step(run, target === undefined ? {} : { [target.name]: move });
    }
    expect(run).toEqual(before);
    return next;
  };

  it('gives the same runs and statuses from a frozen status as from a parsed one, sync after sync', () => {
    const move = fc.tuple(fc.nat(20), fc.constantFrom<Move>('Complete', 'Failed', 'active', 'seen', 'cancel'));
    fc.assert(
      fc.property(fc.array(move, { maxLength: 30 }), (moves) => {
        let frozen: Run = deepFreeze(structuredClone(status));
        let parsed: Run = structuredClone(status);
        for (const [pick, what] of moves) {
          const joinedFrozen = withDefinitions(frozen, configMaps);
          const joinedParsed = withDefinitions(structuredClone(parsed), structuredClone(configMaps));
          expect(joinedFrozen).toEqual(joinedParsed);
          const nextFrozen = moved(joinedFrozen, pick, what);
          const nextParsed = moved(joinedParsed, pick, what);
          expect(nextFrozen).toEqual(nextParsed);
          expect(stageStatusesOf(nextFrozen)).toEqual(stageStatusesOf(nextParsed));
          frozen = deepFreeze({ ...nextFrozen, stages: stagesWithoutDefinitions(nextFrozen.stages) });
          parsed = { ...nextParsed, stages: stagesWithoutDefinitions(nextParsed.stages) };
          expect(frozen).toEqual(parsed);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('joins a frozen stage met at another place in a run to the definitions of that place', () => {
    const frozen = deepFreeze(structuredClone(status));
    const [one, two, three] = frozen.stages;
    if (one === undefined || two === undefined || three === undefined) throw new Error('three stages expected');
    const before = withDefinitions(frozen, configMaps);
    const reordered = deepFreeze({ ...frozen, stages: [three, one, two] });
    const after = withDefinitions(reordered, configMaps);
    expect(after).toEqual(withDefinitions(structuredClone(reordered), structuredClone(configMaps)));
    expect(after.stages[0]).not.toBe(before.stages[2]);
  });
});
