import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceRun } from '../../src/engine/advance.js';
import { keptResult, MAX_RESULT_BYTES, resultBudget, resultFixedBytes } from '../../src/engine/results.js';
import { runnerPodsByJob, runnerReport, type RunnerOutcome } from '../../src/engine/runner.js';
import { LABEL_PLAN, LABEL_RUNNER } from '../../src/k8s/labels.js';
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
const httpAction = { runner: { kind: 'http' as const, action: { type: 'HTTP', http: { url: 'https://hooks.example.com/' } } } };
const manifestAction = (manifest: string) => ({
  runner: { kind: 'resource' as const, action: { type: 'KubernetesResource', resource: { manifest } } },
});
const flagAction = manifestAction('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flag, namespace: apps}\n');

/** How many of `statuses(50)` fit next to `ref` within `budget`, counted one by one. */
function statusesThatFit(budget: number): number {
  let count = 0;
  while (count < 50 && bytes({ resourceRef: ref, clusterStatuses: statuses(count + 1) }) <= budget) count += 1;
  return count;
}

describe('a runner result as the status keeps it', () => {
  const budget = resultBudget({}, httpAction, NAMESPACE);
  const resourceBudget = resultBudget({ resultBytes: 600 }, flagAction, NAMESPACE);
  const cases: Record<string, { outcome: RunnerOutcome; budget: number; want: RunnerOutcome }> = {
    'an HTTP body of 1,000 plain characters is kept whole': {
      outcome: http('a'.repeat(1000)),
      budget,
      want: http('a'.repeat(1000)),
    },
    'a body of quotes is cut where its JSON reaches the budget': {
      outcome: http('"'.repeat(1000)),
      budget,
      want: http('"'.repeat(MAX_RESULT_BYTES / 2)),
    },
    'a body is never cut inside a surrogate pair': {
      outcome: http('😀'.repeat(600)),
      budget: resultBudget({ resultBytes: 10 }, httpAction, NAMESPACE),
      want: http('😀'.repeat(2)),
    },
    'per-cluster statuses past the budget are left out, the first ones kept': {
      outcome: { outputs: { resourceRef: ref }, message: 'ConfigMap apps/flag created', clusterStatuses: statuses(50) },
      budget: resourceBudget,
      want: {
        outputs: { resourceRef: ref },
        message: 'ConfigMap apps/flag created',
        clusterStatuses: statuses(statusesThatFit(resourceBudget)),
      },
    },
    'a reference is kept whole even past the budget, without its per-cluster statuses': {
      outcome: { outputs: { resourceRef: { ...ref, name: 'n'.repeat(2000) } }, message: 'created', clusterStatuses: statuses(3) },
      budget: resourceBudget,
      want: { outputs: { resourceRef: { ...ref, name: 'n'.repeat(2000) } }, message: 'created' },
    },
  };

  it.each(Object.entries(cases))('%s', (_name, { outcome, budget: limit, want }) => {
    expect(keptResult(outcome, limit)).toStrictEqual(want);
  });

  it('keeps room for the reference a resource action names, whatever its names', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,62}$/);
    const subdomain = fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.').slice(0, 253));
    const kind = fc.stringMatching(/^[A-Z][A-Za-z]{0,62}$/);
    const apiVersion = fc.oneof(
      fc.constant('v1'),
      fc.tuple(subdomain, label).map(([group, version]) => `${group}/${version}`),
    );
    fc.assert(
      fc.property(kind, apiVersion, subdomain, fc.option(label, { nil: undefined }), (k, v, name, namespace) => {
        const manifest = `apiVersion: ${v}\nkind: ${k}\nmetadata:\n  name: ${name}\n${namespace === undefined ? '' : `  namespace: ${namespace}\n`}`;
        const reported = { kind: k, apiVersion: v, namespace: namespace ?? NAMESPACE, name, uid: 'u'.repeat(36) };
        expect(bytes({ resourceRef: reported, clusterStatuses: [] })).toBeLessThanOrEqual(
          resultFixedBytes(manifestAction(manifest), NAMESPACE),
        );
      }),
    );
  });

  it('keeps room for the longest reference when the manifest cannot be read', () => {
    const longest = {
      kind: 'K'.repeat(63),
      apiVersion: `${'g'.repeat(253)}/${'v'.repeat(63)}`,
      namespace: 'n'.repeat(63),
      name: 'x'.repeat(253),
      uid: 'u'.repeat(36),
    };
    expect(bytes({ globalizationRef: longest, clusterStatuses: [] })).toBe(resultFixedBytes(manifestAction('{not yaml'), NAMESPACE));
  });
});

/** A name and namespace as long as a DNS label allows, for action `index`. */
const longName = (index: number) => `${'c'.repeat(57)}-${String(index).padStart(5, '0')}`;
const LONG_NAMESPACE = 'n'.repeat(63);

/** A runbook of `count` runner actions that all start at once (one depends on another, so the rest need not wait). */
function runbook(count: number, type: 'HTTP' | 'KubernetesResource'): Run {
  const steps: Action[] = Array.from({ length: count }, (_, index) => ({
    name: `a-${index}`,
    ...(type === 'HTTP'
      ? { type, http: { url: `https://hooks.example.com/${index}`, method: 'POST' } }
      : {
          type,
          resource: { manifest: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${longName(index)}, namespace: ${LONG_NAMESPACE}}\n` },
        }),
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

/** Every running action's Job completes, its Pod reporting `result` of the action's index; until the run ends. */
function runToEnd(run: Run, result: (index: number) => string): Run {
  let current = advanceRun(run, { jobs: new Map(), namespace: NAMESPACE }, new Date(T0));
  for (let round = 0; round < 3 && current.phase === 'Running'; round++) {
    const running = actions(current).flatMap((action) =>
      action.phase === 'Running' && action.jobName ? [{ name: action.jobName, index: Number(action.name.slice(2)) }] : [],
    );
    current = advanceRun(
      current,
      {
        jobs: new Map(running.map(({ name }) => [name, job(name, 'Complete')])),
        pods: new Map(running.map(({ name, index }) => [name, [runnerPod(name, result(index))]])),
        namespace: NAMESPACE,
      },
      new Date(T0),
    );
  }
  return current;
}

describe('the largest runbook of runner actions, every result as large as a Pod can report', () => {
  const largestBody = () => JSON.stringify({ statusCode: 200, body: '"'.repeat(4000) });
  const largestObject = (index: number) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: LONG_NAMESPACE,
      name: longName(index),
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
    if (type === 'KubernetesResource') expect(actions(ended)[7]?.outputs?.resourceRef?.name).toBe(longName(7));
    expect(Buffer.byteLength(JSON.stringify(withoutDefinitions(ended)))).toBeLessThanOrEqual(RUN_BUDGET_BYTES);
  });

  it('a short runbook keeps results at their full size', () => {
    const ended = runToEnd(runbook(5, 'HTTP'), () => JSON.stringify({ statusCode: 200, body: 'ok '.repeat(300) }));
    expect(ended.resultBytes).toBeUndefined();
    expect(actions(ended).map((action) => action.outputs?.httpResponse?.body)).toEqual(Array(5).fill('ok '.repeat(300)));
  });
});

describe("a runner Job's Pods", () => {
  const pod = (name: string, message: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: { [LABEL_RUNNER]: 'true', [LABEL_PLAN]: 'p', 'job-name': 'j' } },
    status: { containerStatuses: [{ name: 'runner', state: { terminated: { exitCode: 0, message } } }] },
  });
  const related = (pods: KubeObject[]) => ({ 'Pod.v1': Object.fromEntries(pods.map((one) => [`${NAMESPACE}/${one.metadata.name}`, one])) });

  it('are read in name order whatever order the request lists them in, the last one reporting', () => {
    const first = pod('j-aaaaa', '{"statusCode":500}');
    const second = pod('j-bbbbb', '{"statusCode":200}');
    for (const order of [
      [first, second],
      [second, first],
    ]) {
      const pods = runnerPodsByJob(related(order), 'p').get('j');
      expect(pods).toEqual([first, second]);
      expect(runnerReport(pods)).toEqual({ state: 'result', value: { statusCode: 200 } });
    }
  });
});
