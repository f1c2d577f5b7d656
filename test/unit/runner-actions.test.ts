import { describe, expect, it } from 'vitest';
import { advanceRun } from '../../src/engine/advance.js';
import { desiredJob } from '../../src/engine/jobs.js';
import { stageStatusesOf } from '../../src/engine/project.js';
import { LABEL_RUNNER } from '../../src/k8s/labels.js';
import type { Run } from '../../src/api/run.js';
import type { KubeObject } from '../../src/k8s/metacontroller.js';
import type { Action } from '../../src/api/workflow.js';
import { NAMESPACE, plan, readyWorkflow, T0 } from '../fixtures/objects.js';
import { actions, job, startRun } from '../fixtures/runs.js';

const http: Action = {
  name: 'notify',
  type: 'HTTP',
  timeout: '90s',
  http: { url: 'https://dns.example.com/switch?token=$(params.token)', method: 'POST', body: 'to=$(params.region)' },
  retryPolicy: { limit: 1 },
};
const workflow = readyWorkflow('wf', {
  parameters: [
    { name: 'token', default: 's3cret' },
    { name: 'region', default: 'east' },
  ],
  actions: [
    http,
    { name: 'cm', type: 'KubernetesResource', resource: { manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flag}\n' } },
  ],
});

function pod(jobName: string, message: string | undefined, labels: Record<string, string> = {}): KubeObject {
  const terminated = { exitCode: 0, ...(message === undefined ? {} : { message }) };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${jobName}-abcde`, namespace: NAMESPACE, labels: { 'job-name': jobName, ...labels } },
    status: { phase: 'Succeeded', containerStatuses: [{ name: 'runner', state: { terminated } }] },
  } as KubeObject;
}

function begin(): Run {
  return advanceRun(
    startRun(plan('plan', { runner: { serviceAccountName: 'dr-sa' } }), [workflow]),
    { jobs: new Map(), namespace: NAMESPACE },
    new Date(T0),
  );
}

function finishFirst(run: Run, pods: KubeObject[] | undefined, outcome: 'Complete' | 'Failed' = 'Complete'): Run {
  const name = actions(run)[0]?.jobName ?? '';
  return advanceRun(
    run,
    { jobs: new Map([[name, job(name, outcome)]]), pods: new Map(pods === undefined ? [] : [[name, pods]]), namespace: NAMESPACE },
    new Date(T0),
  );
}

describe('runner actions', () => {
  it('run as a runner Job: rendered action in env, runner labels, no retries by Kubernetes, deadline from timeout', () => {
    const run = begin();
    const first = actions(run)[0];
    if (first === undefined) throw new Error('no action');
    expect(first.runner?.kind).toBe('http');
    const desired = desiredJob(run, first, { planName: 'plan', namespace: NAMESPACE });
    // A Job spec as JSON; the assertions check its shape.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const spec = desired.spec as Record<string, any>;
    expect(spec['backoffLimit']).toBe(0);
    expect(spec['activeDeadlineSeconds']).toBe(90);
    expect(spec['template'].metadata.labels).toMatchObject({
      'dr.bkbcs.tencent.com/plan': 'plan',
      [LABEL_RUNNER]: 'true',
      'dr.bkbcs.tencent.com/action': 'notify',
    });
    const pod = spec['template'].spec;
    expect(pod.serviceAccountName).toBe('dr-sa');
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].image).toBe('ghcr.io/drplan-hooks/drplan-hooks:0.1.0');
    expect([...pod.containers[0].command, ...pod.containers[0].args]).toEqual(['node', 'dist/cli.js', 'run', 'http']);
    const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env['DRPLAN_NAMESPACE']).toBe(NAMESPACE);
    expect(JSON.parse(env['DRPLAN_ACTION'])).toEqual({
      name: 'notify',
      type: 'HTTP',
      timeout: '90s',
      http: { url: 'https://dns.example.com/switch?token=s3cret', method: 'POST', body: 'to=east' },
      retryPolicy: { limit: 1 },
    });
  });

  it('read their result from the Pod into outputs and the message', () => {
    const run = finishFirst(begin(), [pod(actions(begin())[0]?.jobName ?? '', '{"statusCode":202,"body":"queued"}')]);
    const first = actions(run)[0];
    expect(first?.phase).toBe('Succeeded');
    expect(first?.outputs?.httpResponse).toEqual({ statusCode: 202, body: 'queued' });
    expect(first?.outputs?.jobRef?.name).toBe(first?.jobName);
    expect(first?.message).toBe('HTTP POST https://dns.example.com/switch succeeded with status 202');
    expect(actions(run)[1]?.phase).toBe('Running');
  });

  it('wait for the Pod of a completed Job, and fail clearly when it has no usable result', () => {
    expect(actions(finishFirst(begin(), undefined))[0]?.phase).toBe('Running');
    const name = actions(begin())[0]?.jobName ?? '';
    const none = actions(finishFirst(begin(), [pod(name, undefined)]))[0];
    expect(none).toMatchObject({
      phase: 'Failed',
      message: `runner Job ${NAMESPACE}/${name} completed, but its Pod left no termination message`,
    });
    const garbage = actions(finishFirst(begin(), [pod(name, 'not json')]))[0];
    expect(garbage).toMatchObject({
      phase: 'Failed',
      message: `runner Job ${NAMESPACE}/${name} completed, but its Pod left a termination message that is not JSON: not json`,
    });
  });

  it('fail with what the runner said, or with the Job condition when it said nothing', () => {
    const name = actions(begin())[0]?.jobName ?? '';
    const said = actions(finishFirst(begin(), [pod(name, '{"message":"HTTP 500 from POST https://dns.example.com/switch"}')], 'Failed'))[0];
    expect(said).toMatchObject({ phase: 'Failed', message: 'HTTP 500 from POST https://dns.example.com/switch' });
    const silent = actions(finishFirst(begin(), undefined, 'Failed'))[0];
    expect(silent?.message).toBe(`runner Job ${NAMESPACE}/${name} failed: BackoffLimitExceeded: boom (its Pod was not observed)`);
  });

  it('carry per-cluster statuses of a PerCluster Subscription into the action status', () => {
    const sub = readyWorkflow('wf', {
      actions: [
        {
          name: 'sub',
          type: 'Subscription',
          waitReady: true,
          clusterExecutionMode: 'PerCluster',
          subscription: { name: 'web', namespace: 'apps', spec: { feeds: [{ kind: 'Deployment', name: 'web' }], subscribers: [{}] } },
        },
      ],
    });
    const started = advanceRun(startRun(plan('plan'), [sub]), { jobs: new Map(), namespace: NAMESPACE }, new Date(T0));
    const name = actions(started)[0]?.jobName ?? '';
    const clusterStatuses = [{ cluster: 'clusternet-a/a', phase: 'Succeeded' }];
    const result = {
      apiVersion: 'apps.clusternet.io/v1alpha1',
      kind: 'Subscription',
      namespace: 'apps',
      name: 'web',
      uid: 'u1',
      clusterStatuses,
    };
    const done = finishFirst(started, [pod(name, JSON.stringify(result))]);
    const [status] = stageStatusesOf(done)[0]?.workflowExecutions?.[0]?.actionStatuses ?? [];
    expect(status).toMatchObject({
      phase: 'Succeeded',
      message: 'Subscription apps/web created',
      operation: 'Create',
      clusterStatuses,
      outputs: { subscriptionRef: { kind: 'Subscription', namespace: 'apps', name: 'web', uid: 'u1' } },
    });
  });

  it('an unparsable manifest fails the run before anything starts', () => {
    const broken = readyWorkflow('wf', { actions: [{ name: 'bad', type: 'KubernetesResource', resource: { manifest: 'kind: [' } }] });
    const run = startRun(plan('plan'), [broken]);
    expect(run.phase).toBe('Failed');
    expect(run.message).toMatch(/^cannot start: stage main workflow default\/wf action bad: resource.manifest is not valid YAML/);
  });
});
