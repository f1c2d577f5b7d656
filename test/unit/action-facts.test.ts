import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionFacts, DONE, eachActionWith, HAS_JOB, JOB_UNSEEN, mayHave, RUNNING } from '../../src/engine/action-facts.js';
import { deepFreeze } from '../../src/shared/frozen.js';
import type { Run, RunAction } from '../../src/api/run.js';
import { jobAction, plan, readyWorkflow, stage } from '../fixtures/objects.js';
import { actions, startRun, step } from '../fixtures/runs.js';

/**
 * The facts of a run's actions, and of its stages taken whole: a pass that asks for some facts
 * must visit exactly the actions that have them, whether the run is frozen (its stages' facts
 * remembered) or not.
 */
const wf = (name: string) => readyWorkflow(name, { actions: [jobAction(`${name}-a`), jobAction(`${name}-b`)] });
const started = startRun(plan('plan', { stages: [stage('one', ['w1']), stage('two', ['w2']), stage('three', ['w3'])] }), [
  wf('w1'),
  wf('w2'),
  wf('w3'),
]);
/** The run after `steps` of its actions have completed, one by one. */
const after = (steps: number): Run => {
  let run = step(started, {});
  for (const action of actions(started).slice(0, steps)) run = step(run, { [action.name]: 'Complete' });
  return run;
};

describe('action facts', () => {
  it('a pass visits exactly the actions with the facts it asks for, frozen or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.constantFrom(RUNNING, DONE, HAS_JOB, JOB_UNSEEN, RUNNING | DONE), (steps, bits) => {
        const run = after(steps);
        const expected = actions(run).filter((action) => ((actionFacts([action])[0] ?? 0) & bits) !== 0);
        for (const shown of [run, deepFreeze(structuredClone(run))]) {
          const visited: RunAction[] = [];
          eachActionWith(shown, bits, (action) => visited.push(action));
          expect(visited).toEqual(expected);
        }
      }),
    );
  });

  it('tells a frozen stage that has none of the facts asked for; an unfrozen one may always have them', () => {
    const run = deepFreeze(structuredClone(after(2)));
    const [ended, running, pending] = run.stages;
    expect(ended && mayHave(ended, RUNNING)).toBe(false);
    expect(ended && mayHave(ended, DONE)).toBe(true);
    expect(running && mayHave(running, RUNNING)).toBe(true);
    expect(pending && mayHave(pending, RUNNING | DONE)).toBe(false);
    expect(mayHave(structuredClone(pending) as NonNullable<typeof pending>, RUNNING)).toBe(true);
  });
});
