import { afterEach, describe, expect, it } from 'vitest';
import type { ActionStatus } from '../../src/api/execution.js';
import type { ContractHarness } from '../../src/harness/index.js';
import type { Action } from '../../src/api/workflow.js';
import { expectHealthy, startCluster, type Cluster } from '../fixtures/cluster.js';
import { clusternetCrds } from '../fixtures/clusternet.js';
import { apply, getExecution, getPlan } from '../fixtures/dr.js';
import { execution, jobAction, NAMESPACE, plan, workflow } from '../fixtures/objects.js';
import { httpServer, type Received, type TestServer } from '../runner/servers.js';

/**
 * Every action type end to end: hook → runner Job → the project's runner as a process → objects
 * in the harness API server and calls to a local endpoint → Pod termination message → outputs →
 * Revert, in reverse.
 */

let cluster: Cluster | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  if (cluster) {
    expectHealthy(cluster.harness);
    await cluster.close();
  }
  await server?.close();
  cluster = undefined;
  server = undefined;
});

type Handler = (request: Received) => number;

async function setUp(handler: Handler = () => 200): Promise<{ harness: ContractHarness; url: string; calls: Received[] }> {
  server = await httpServer((request, _index, response) => response.writeHead(handler(request)).end(`answer to ${request.url}`));
  cluster = await startCluster();
  for (const crd of clusternetCrds()) cluster.harness.apply(crd);
  return { harness: cluster.harness, url: server.url, calls: server.received };
}

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  failover: "true"\n`;
const create = (name: string, manifest: string, extra: Partial<Action> = {}): Action => ({
  name,
  type: 'KubernetesResource',
  resource: { operation: 'Create', manifest },
  ...extra,
});
const post = (name: string, url: string, extra: Partial<Action> = {}): Action => ({
  name,
  type: 'HTTP',
  retryPolicy: { limit: 0 },
  http: { url, method: 'POST', body: `{"step":"${name}"}`, headers: { Authorization: 'Bearer t0ken' } },
  ...extra,
});

function statuses(harness: ContractHarness, name: string): ActionStatus[] {
  return (getExecution(harness, name).status?.stageStatuses ?? []).flatMap(
    (stage) => stage.workflowExecutions?.flatMap((wf) => wf.actionStatuses ?? []) ?? [],
  );
}

function byName(harness: ContractHarness, name: string): Record<string, ActionStatus> {
  return Object.fromEntries(statuses(harness, name).map((status) => [status.name, status]));
}

async function run(harness: ContractHarness, name: string, spec: Parameters<typeof execution>[1] = {}): Promise<void> {
  apply(harness, execution(name, spec));
  await harness.settle();
}

// Each runner action starts a Node process; on a busy machine a scenario takes a while.
describe('runner actions through the harness', { timeout: 120_000 }, () => {
  it('a plan mixing Job, HTTP and KubernetesResource actions Executes, then Reverts in reverse order', async () => {
    const { harness, url, calls } = await setUp((request) => {
      // The HTTP rollback runs last in the Revert: both objects must be gone by then.
      if (request.url === '/undo-notify')
        expect([harness.get('ConfigMap', NAMESPACE, 'dr-flag'), harness.get('Secret', NAMESPACE, 'dr-secret')]).toEqual([
          undefined,
          undefined,
        ]);
      return 200;
    });
    apply(
      harness,
      workflow('wf', {
        actions: [
          jobAction('prepare'),
          post('notify', `${url}/notify`, { rollback: { type: 'HTTP', http: { url: `${url}/undo-notify`, method: 'POST' } } }),
          create('flag', configMap('dr-flag')),
          create('secret', 'apiVersion: v1\nkind: Secret\nmetadata: {name: dr-secret}\nstringData: {k: v}\n'),
        ],
      }),
    );
    apply(harness, plan('plan'));
    await run(harness, 'exec');

    expect(getExecution(harness, 'exec').status?.phase).toBe('Succeeded');
    const flag = harness.get('ConfigMap', NAMESPACE, 'dr-flag');
    const secret = harness.get('Secret', NAMESPACE, 'dr-secret');
    expect(flag?.['data']).toEqual({ failover: 'true' });
    const forward = byName(harness, 'exec');
    expect(forward['notify']).toMatchObject({
      phase: 'Succeeded',
      message: `HTTP POST ${url}/notify succeeded with status 200`,
      outputs: { httpResponse: { statusCode: 200, body: 'answer to /notify' } },
    });
    expect(forward['flag']?.outputs?.resourceRef).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: NAMESPACE,
      name: 'dr-flag',
      uid: flag?.metadata.uid,
    });
    expect(forward['secret']?.outputs?.resourceRef?.uid).toBe(secret?.metadata.uid);
    expect(forward['flag']?.message).toBe('ConfigMap default/dr-flag created');
    expect(calls.map((call) => call.url)).toEqual(['/notify']);
    expect(calls[0]).toMatchObject({ method: 'POST', body: '{"step":"notify"}' });
    expect(calls[0]?.headers.authorization).toBe('Bearer t0ken');

    await harness.advance(60);
    await run(harness, 'undo', { operationType: 'Revert', revertExecutionRef: 'exec' });
    expect(getExecution(harness, 'undo').status?.phase).toBe('Succeeded');
    expect(harness.get('ConfigMap', NAMESPACE, 'dr-flag')).toBeUndefined();
    expect(harness.get('Secret', NAMESPACE, 'dr-secret')).toBeUndefined();
    const deletions = harness.events.filter((event) => /^delete (ConfigMap|Secret) /.test(event));
    expect(deletions).toEqual(['delete Secret default/dr-secret', 'delete ConfigMap default/dr-flag']);
    expect(calls.map((call) => call.url)).toEqual(['/notify', '/undo-notify']);
    const backward = byName(harness, 'undo');
    expect(backward['secret']).toMatchObject({ phase: 'Succeeded', message: 'Rolled back: Secret default/dr-secret deleted' });
    expect(backward['flag']?.outputs?.resourceRef).toMatchObject({ name: 'dr-flag', uid: flag?.metadata.uid });
    expect(backward['notify']?.message).toBe(`Rolled back: HTTP POST ${url}/undo-notify succeeded with status 200`);
    expect(backward['prepare']?.message).toMatch(/^Rolled back: deleted Job default\//);
    expect(getPlan(harness).status?.phase).toBe('Ready');
  });

  it('moves an application between two ManagedCluster namespaces with a Localization and a Subscription, and back', async () => {
    const { harness } = await setUp();
    const subscription = (cluster: string): Action['subscription'] => ({
      operation: 'Apply',
      name: 'web',
      namespace: 'apps',
      spec: {
        feeds: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'apps' }],
        subscribers: [{ clusterAffinity: { matchLabels: { 'clusters.clusternet.io/cluster-name': cluster } } }],
      },
    });
    apply(
      harness,
      workflow('wf', {
        parameters: [{ name: 'target', default: 'west' }],
        actions: [
          {
            name: 'localize',
            type: 'Localization',
            localization: {
              name: 'web-dr',
              namespace: 'clusternet-$(params.target)',
              spec: {
                priority: 500,
                feed: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'apps' },
                overrides: [{ name: 'replicas', type: 'MergePatch', value: '{"spec":{"replicas":3}}' }],
              },
            },
          },
          {
            name: 'subscribe',
            type: 'Subscription',
            subscription: subscription('$(params.target)'),
            rollback: { type: 'Subscription', subscription: subscription('east') },
          },
        ],
      }),
    );
    apply(harness, plan('plan'));
    await run(harness, 'move');
    expect(getExecution(harness, 'move').status?.phase).toBe('Succeeded');
    const localization = harness.get('Localization', 'clusternet-west', 'web-dr');
    const sub = harness.get('Subscription', 'apps', 'web');
    expect(sub?.spec).toMatchObject({
      subscribers: [{ clusterAffinity: { matchLabels: { 'clusters.clusternet.io/cluster-name': 'west' } } }],
    });
    const forward = byName(harness, 'move');
    expect(forward['localize']?.outputs?.localizationRef).toEqual({
      apiVersion: 'apps.clusternet.io/v1alpha1',
      kind: 'Localization',
      namespace: 'clusternet-west',
      name: 'web-dr',
      uid: localization?.metadata.uid,
    });
    expect(forward['subscribe']).toMatchObject({
      message: 'Subscription apps/web applied',
      outputs: { subscriptionRef: { name: 'web', uid: sub?.metadata.uid } },
    });

    await harness.advance(60);
    await run(harness, 'back', { operationType: 'Revert', revertExecutionRef: 'move' });
    expect(getExecution(harness, 'back').status?.phase).toBe('Succeeded');
    expect(harness.get('Subscription', 'apps', 'web')?.spec).toMatchObject({
      subscribers: [{ clusterAffinity: { matchLabels: { 'clusters.clusternet.io/cluster-name': 'east' } } }],
    });
    expect(harness.get('Localization', 'clusternet-west', 'web-dr')).toBeUndefined();
    expect(byName(harness, 'back')['localize']?.message).toBe('Rolled back: Localization clusternet-west/web-dr deleted');
  });

  it('a failing HTTP action under FailFast stops the workflow with the runner message', async () => {
    const { harness, url } = await setUp((request) => (request.url.startsWith('/fail') ? 500 : 200));
    apply(harness, workflow('wf', { actions: [post('call', `${url}/fail?key=hidden`), create('after', configMap('after'))] }));
    apply(harness, plan('plan'));
    await run(harness, 'exec');
    const status = getExecution(harness, 'exec').status;
    expect(status?.phase).toBe('Failed');
    expect(status?.message).toContain(`HTTP 500 from POST ${url}/fail`);
    expect(status?.message).not.toContain('hidden');
    expect(byName(harness, 'exec')['after']).toMatchObject({ phase: 'Skipped', message: 'not run: action call failed' });
    expect(harness.get('ConfigMap', NAMESPACE, 'after')).toBeUndefined();
  });

  it('a failing HTTP action under Continue lets the rest run and fails the workflow', async () => {
    const { harness, url } = await setUp((request) => (request.url === '/fail' ? 503 : 200));
    apply(
      harness,
      workflow('wf', { failurePolicy: 'Continue', actions: [post('call', `${url}/fail`), create('after', configMap('after'))] }),
    );
    apply(harness, plan('plan'));
    await run(harness, 'exec');
    expect(getExecution(harness, 'exec').status?.phase).toBe('Failed');
    const actions = byName(harness, 'exec');
    expect(actions['call']).toMatchObject({ phase: 'Failed', message: `HTTP 503 from POST ${url}/fail` });
    expect(actions['after']?.phase).toBe('Succeeded');
    expect(harness.get('ConfigMap', NAMESPACE, 'after')).toBeDefined();
  });

  it('pre- and post-rollback hooks run around the undo of a Revert, never on Execute', async () => {
    const seen: string[] = [];
    const { harness, url, calls } = await setUp((request) => {
      seen.push(`${request.url} flag=${harness.get('ConfigMap', NAMESPACE, 'flag') === undefined ? 'gone' : 'present'}`);
      return 200;
    });
    apply(
      harness,
      workflow('wf', {
        actions: [
          post('drain', `${url}/pre`, { hookType: 'pre-rollback' }),
          create('flag', configMap('flag')),
          post('announce', `${url}/post`, { hookType: 'post-rollback' }),
        ],
      }),
    );
    apply(harness, plan('plan'));
    await run(harness, 'exec');
    expect(getExecution(harness, 'exec').status?.phase).toBe('Succeeded');
    expect(calls).toEqual([]);
    expect(byName(harness, 'exec')['drain']).toMatchObject({
      phase: 'Skipped',
      message: 'pre-rollback hook: runs only during a Revert',
      hookType: 'pre-rollback',
    });

    await harness.advance(60);
    await run(harness, 'undo', { operationType: 'Revert', revertExecutionRef: 'exec' });
    expect(getExecution(harness, 'undo').status?.phase).toBe('Succeeded');
    expect(seen).toEqual(['/pre flag=present', '/post flag=gone']);
  });

  it('a Revert of a Failed execution undoes only what succeeded', async () => {
    const { harness, url, calls } = await setUp((request) => (request.url === '/fail' ? 500 : 200));
    apply(
      harness,
      workflow('wf', { actions: [create('first', configMap('first')), post('call', `${url}/fail`), create('never', configMap('never'))] }),
    );
    apply(harness, plan('plan'));
    await run(harness, 'exec');
    expect(getExecution(harness, 'exec').status?.phase).toBe('Failed');
    expect(harness.get('ConfigMap', NAMESPACE, 'first')).toBeDefined();

    await harness.advance(60);
    await run(harness, 'undo', { operationType: 'Revert', revertExecutionRef: 'exec' });
    expect(getExecution(harness, 'undo').status?.phase).toBe('Succeeded');
    expect(harness.get('ConfigMap', NAMESPACE, 'first')).toBeUndefined();
    const undo = byName(harness, 'undo');
    expect(undo['first']).toMatchObject({ phase: 'Succeeded', message: 'Rolled back: ConfigMap default/first deleted' });
    expect(undo['call']).toMatchObject({ phase: 'Skipped', message: 'original action phase was Failed, nothing to roll back' });
    expect(undo['never']).toMatchObject({ phase: 'Skipped', message: 'original action phase was Skipped, nothing to roll back' });
    expect(calls.map((call) => call.url)).toEqual(['/fail']);
  });
});
