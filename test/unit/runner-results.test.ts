import { describe, expect, it } from 'vitest';
import { advanceRun } from '../../src/engine/advance.js';
import { keptResult, MAX_RESULT_BYTES, RESULT_FIXED_BYTES, resultBudget } from '../../src/engine/results.js';
import type { RunnerOutcome } from '../../src/engine/runner.js';
import { RUN_BUDGET_BYTES } from '../../src/engine/size.js';
import { canonicalJson } from '../../src/k8s/json.js';
import type { KubeObject } from '../../src/k8s/metacontroller.js';
import { withoutDefinitions } from '../../src/plan/definitions.js';
import type { Run } from '../../src/api/run.js';
import type { Action } from '../../src/api/workflow.js';
import { NAMESPACE, plan, T0, workflow } from '../fixtures/objects.js';
import { actions, job, startRun } from '../fixtures/runs.js';

/** Runner results in the plan's status (docs/design.md, "Runner results"). */

const bytes = (value: unknown) => Buffer.byteLength(canonicalJson(value));
const http = (body: string): RunnerOutcome => ({ outputs: { httpResponse: { statusCode: 200, body } }, message: 'HTTP POST done' });
const ref = { kind: 'ConfigMap', apiVersion: 'v1', namespace: 'apps', name: 'flag', uid: 'u'.repeat(36) };
const statuses = (count: number) =>
  Array.from({ length: count }, (_, index) => ({ cluster: `cluster-${index}`, phase: 'Succeeded', message: 'm'.repeat(100) }));

/** How many of `statuses(50)` fit next to `ref` within `budget`, counted one by one. */
function statusesThatFit(budget: number): number {
  let count = 0;
  while (count < 50 && bytes({ resourceRef: ref, clusterStatuses: statuses(count + 1) }) <= budget) count += 1;
  return count;
}

describe('a runner result as the status keeps it', () => {
  const budget = resultBudget({}, 'http');
  const cases: Record<string, { outcome: RunnerOutcome; budget: number; want: RunnerOutcome | { error: string } }> = {
    'an HTTP body of 1,000 plain characters is kept whole': {
      outcome: http('a'.repeat(1000)),
      budget,
      want: http('a'.repeat(1000)),
    },
    'a body of quotes is cut where its JSON reaches the budget': {
      outcome: http('"'.repeat(1000)),
      budget,
      want: http('"'.repeat((MAX_RESULT_BYTES - 2) / 2 + 1)),
    },
    'a body is never cut inside a surrogate pair': {
      outcome: http('😀'.repeat(600)),
      budget: RESULT_FIXED_BYTES.http + 10,
      want: http('😀'.repeat(2)),
    },
    'per-cluster statuses past the budget are left out, the first ones kept': {
      outcome: { outputs: { resourceRef: ref }, message: 'ConfigMap apps/flag created', clusterStatuses: statuses(50) },
      budget: resultBudget({}, 'resource'),
      want: {
        outputs: { resourceRef: ref },
        message: 'ConfigMap apps/flag created',
        clusterStatuses: statuses(statusesThatFit(resultBudget({}, 'resource'))),
      },
    },
    'a reference longer than the budget is refused, not shortened': {
      outcome: { outputs: { resourceRef: { ...ref, name: 'n'.repeat(2000) } }, message: 'created' },
      budget: resultBudget({}, 'resource'),
      want: {
        error: `it names an object too long to record: ${bytes({ resourceRef: { ...ref, name: 'n'.repeat(2000) } })} bytes of JSON, more than the ${resultBudget({}, 'resource')} a result may take in this run`,
      },
    },
  };

  it.each(Object.entries(cases))('%s', (_name, { outcome, budget: limit, want }) => {
    const kept = keptResult(outcome, limit);
    expect(kept).toStrictEqual(want);
    if (!('error' in kept))
      expect(bytes({ ...kept.outputs, ...(kept.clusterStatuses ? { clusterStatuses: kept.clusterStatuses } : {}) })).toBeLessThanOrEqual(
        limit,
      );
  });
});

/** A runbook of `count` runner actions that all start at once (one depends on another, so the rest need not wait). */
function runbook(count: number, type: 'HTTP' | 'KubernetesResource'): Run {
  const steps: Action[] = Array.from({ length: count }, (_, index) => ({
    name: `a-${index}`,
    ...(type === 'HTTP'
      ? { type, http: { url: `https://hooks.example.com/${index}`, method: 'POST' } }
      : { type, resource: { manifest: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flag-${index}}\n` } }),
    ...(index === 1 ? { dependsOn: ['a-0'] } : {}),
  }));
  return startRun(plan('plan'), [workflow('wf', { actions: steps })]);
}

function runnerPod(jobName: string, message: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${jobName}-pod`, namespace: NAMESPACE, labels: { 'job-name': jobName } },
    status: { phase: 'Succeeded', containerStatuses: [{ name: 'runner', state: { terminated: { exitCode: 0, message } } }] },
  } as KubeObject;
}

/** Every running action's Job completes, its Pod reporting `result`; until the run ends. */
function runToEnd(run: Run, result: string): Run {
  let current = advanceRun(run, { jobs: new Map(), namespace: NAMESPACE }, new Date(T0));
  for (let round = 0; round < 3 && current.phase === 'Running'; round++) {
    const running = actions(current).flatMap((action) => (action.phase === 'Running' && action.jobName ? [action.jobName] : []));
    current = advanceRun(
      current,
      {
        jobs: new Map(running.map((name) => [name, job(name, 'Complete')])),
        pods: new Map(running.map((name) => [name, [runnerPod(name, result)]])),
        namespace: NAMESPACE,
      },
      new Date(T0),
    );
  }
  return current;
}

describe('the largest runbook of runner actions, every result as large as a Pod can report', () => {
  const largestBody = JSON.stringify({ statusCode: 200, body: '"'.repeat(4000) });
  const largestObject = JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: 'n'.repeat(63),
    name: 'c'.repeat(63),
    uid: 'u'.repeat(36),
    clusterStatuses: statuses(40),
  });

  it.each([
    ['HTTP', 900, largestBody],
    ['KubernetesResource', 800, largestObject],
  ] as const)('%s × %i: runs to the end within the status budget', (type, count, result) => {
    const run = runbook(count, type);
    expect(run.phase).toBe('Running');
    expect(run.resultBytes).toBeLessThan(MAX_RESULT_BYTES);
    const ended = runToEnd(run, result);
    expect(ended.phase).toBe('Succeeded');
    expect(Buffer.byteLength(JSON.stringify(withoutDefinitions(ended)))).toBeLessThanOrEqual(RUN_BUDGET_BYTES);
  });

  it('a short runbook keeps results at their full size', () => {
    const ended = runToEnd(runbook(5, 'HTTP'), JSON.stringify({ statusCode: 200, body: 'ok '.repeat(300) }));
    expect(ended.resultBytes).toBeUndefined();
    expect(actions(ended).map((action) => action.outputs?.httpResponse?.body)).toEqual(Array(5).fill('ok '.repeat(300)));
  });
});
