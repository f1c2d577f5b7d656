import { describe, expect, it } from 'vitest';
import { stageStatusesOf } from '../../src/engine/project.js';
import { deepFreeze } from '../../src/shared/frozen.js';
import { jobAction, plan, readyWorkflow, stage } from '../fixtures/objects.js';
import { startRun, step } from '../fixtures/runs.js';

/**
 * The execution mirrors its plan's run on every sync. A frozen run's statuses are frozen and
 * shared where its stages are, so that the execution's stored status keeps the same objects and
 * what is worked out of it is carried; a parsed run's are made anew and never frozen.
 */
const objects = (value: unknown): object[] =>
  typeof value !== 'object' || value === null ? [] : [value, ...Object.values(value).flatMap(objects)];

describe('stage statuses of a run', () => {
  const workflow = (name: string) => readyWorkflow(name, { actions: [jobAction(`${name}-a`), jobAction(`${name}-b`)] });
  const started = startRun(plan('plan', { stages: [stage('one', ['w1']), stage('two', ['w2'])] }), [workflow('w1'), workflow('w2')]);

  it.each([
    ['an Execute', started],
    ['a Revert', { ...started, operationType: 'Revert' as const }],
  ])('%s: the same statuses from a frozen run as from a parsed one, frozen only then', (_, run) => {
    const frozen = stageStatusesOf(deepFreeze(structuredClone(run)));
    const parsed = stageStatusesOf(structuredClone(run));
    expect(frozen).toEqual(parsed);
    expect(
      objects(frozen)
        .slice(1)
        .every((object) => Object.isFrozen(object)),
    ).toBe(true);
    expect(objects(parsed).some((object) => Object.isFrozen(object))).toBe(false);
  });

  it('shares the statuses of the stages a step left alone', () => {
    const before = deepFreeze(structuredClone(started));
    const after = step(before, { 'w1-a': 'Complete' });
    const [one, two] = stageStatusesOf(before);
    const [moved, kept] = stageStatusesOf(after);
    expect(moved).not.toBe(one);
    expect(moved?.workflowExecutions?.[0]?.actionStatuses?.[1]).toBe(one?.workflowExecutions?.[0]?.actionStatuses?.[1]);
    expect(kept).toBe(two);
    expect([moved, kept]).toEqual(stageStatusesOf(structuredClone(after)));
  });

  it('tells a Revert from an Execute of the same stages', () => {
    const stages = deepFreeze(structuredClone(started.stages));
    const progress = (run: typeof started) => stageStatusesOf(run)[0]?.workflowExecutions?.[0]?.progress;
    expect(progress({ ...started, stages })).toBe('0/2 actions completed');
    expect(progress({ ...started, stages, operationType: 'Revert' })).toBe('0/2 actions rolled back');
  });
});
