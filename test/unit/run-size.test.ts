import { describe, expect, it } from 'vitest';
import { advanceRun } from '../../src/engine/advance.js';
import { footprintOf, keepsDefinitionsApart, RUN_BUDGET_BYTES } from '../../src/engine/size.js';
import { MAX_STEP_MESSAGE_CHARS } from '../../src/k8s/bounds.js';
import { withoutDefinitions } from '../../src/plan/definitions.js';
import type { Action } from '../../src/api/workflow.js';
import type { Run } from '../../src/api/run.js';
import { jobAction, NAMESPACE, plan, T0, workflow } from '../fixtures/objects.js';
import { actions, job, startRun } from '../fixtures/runs.js';

/**
 * How large a runbook fits (docs/design.md, "Size" and "Run definitions"): measured on Job
 * actions as an operator writes them (an image, a script with a parameter, one variable),
 * with and without a custom rollback on each.
 */

const template = (script: string) => ({
  template: {
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: 'registry.example.com/ops/tools:1.4',
              command: ['sh', '-c', script],
              env: [{ name: 'TARGET', value: '$(params.target)' }],
            },
          ],
        },
      },
    },
  },
});

function runbook(count: number, withRollbacks: boolean): Run {
  const steps: Action[] = Array.from({ length: count }, (_, index) =>
    jobAction(`step-${index}`, {
      job: template(`/scripts/failover.sh step-${index} --target $(params.target)`),
      ...(withRollbacks
        ? { rollback: { type: 'Job', job: template(`/scripts/failback.sh step-${index} --target $(params.target)`) } }
        : {}),
    } as Partial<Action>),
  );
  return startRun(plan('plan'), [workflow('wf', { parameters: [{ name: 'target', default: 'cluster-b' }], actions: steps })]);
}

const statusBytes = (run: Run) => Buffer.byteLength(JSON.stringify(withoutDefinitions(run)));

describe('the largest runbook', () => {
  it('a short runbook keeps everything in the status, with full-length messages', () => {
    const run = runbook(10, true);
    expect(run.phase).toBe('Running');
    expect(keepsDefinitionsApart(footprintOf(run))).toBe(false);
    expect(run.stepMessageChars).toBeUndefined();
    expect(run.definitions).toBeUndefined();
  });

  it('1,000 Job actions: the templates go to ConfigMaps, the status keeps full-length messages', () => {
    const run = runbook(1000, false);
    expect(run.phase).toBe('Running');
    expect(keepsDefinitionsApart(footprintOf(run))).toBe(true);
    expect(run.stepMessageChars).toBeUndefined();
    expect(run.definitions?.length).toBeGreaterThan(0);
    expect(statusBytes(run)).toBeLessThan(RUN_BUDGET_BYTES / 2);
  });

  it('1,000 Job actions each with a custom rollback: fits, with step messages cut shorter', () => {
    const run = runbook(1000, true);
    expect(run.phase).toBe('Running');
    expect(run.stepMessageChars).toBeGreaterThanOrEqual(64);
    expect(run.stepMessageChars).toBeLessThan(MAX_STEP_MESSAGE_CHARS);
    const started = advanceRun(run, { jobs: new Map(), namespace: NAMESPACE }, new Date(T0));
    const jobName = actions(started)[0]?.jobName ?? '';
    const failed = advanceRun(
      started,
      { jobs: new Map([[jobName, job(jobName, 'Failed', 'x'.repeat(1000))]]), namespace: NAMESPACE },
      new Date(T0),
    );
    const messages = failed.stages.flatMap((stage) => [stage, ...stage.workflows, ...stage.workflows.flatMap((w) => w.actions)]);
    expect(actions(failed)[0]?.phase).toBe('Failed');
    expect(Math.max(...messages.map((step) => step.message?.length ?? 0))).toBe(run.stepMessageChars);
  });

  it('a runbook whose rollbacks alone would not fit fails before anything starts, saying how large it is', () => {
    const run = runbook(1200, true);
    expect(run.phase).toBe('Failed');
    expect(run.stages).toEqual([]);
    expect(run.message).toMatch(
      /^cannot start: the run would take about \d+ KiB of the plan's status without its Job templates and runner work, more than the 880 KiB it may use/,
    );
  });
});
