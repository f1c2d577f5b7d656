import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractHarness, type HookTransport } from '../../src/harness/index.js';
import { clusternetCrds } from '../fixtures/clusternet.js';
import { MANIFESTS } from '../fixtures/crd.js';
import { runCli, runInProcess } from './run.js';

const noHooks: HookTransport = async () => {
  throw new Error('this test calls no hooks');
};

let harness: ContractHarness;
let env: Record<string, string>;

beforeAll(async () => {
  harness = await ContractHarness.create({ manifestsDir: MANIFESTS, transport: noHooks });
  for (const crd of clusternetCrds()) harness.apply(crd);
  const api = await harness.apiServer();
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kubeconfig-')), 'config');
  writeFileSync(kubeconfig, api.kubeconfig());
  // The runner reads credentials the standard way; in-process runs share this environment.
  process.env['KUBECONFIG'] = kubeconfig;
  env = { KUBECONFIG: kubeconfig, DRPLAN_NAMESPACE: 'team-a' };
});
afterAll(() => harness.close());

function resource(operation: string, manifest: string, extra: Record<string, unknown> = {}) {
  return { name: 'step', type: 'KubernetesResource', resource: { operation, manifest }, ...extra };
}

const deployment = (name: string, replicas: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${replicas}\n  template:\n    spec:\n      containers: [{name: app, image: nginx}]\n`;

describe('run resource', { timeout: 60_000 }, () => {
  it('creates a manifest without a namespace in the plan namespace and reports its reference with uid', async () => {
    const run = await runCli(
      'resource',
      resource('Create', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: dr}\n'),
      env,
    );
    expect(run.code).toBe(0);
    const stored = harness.get('ConfigMap', 'team-a', 'settings');
    expect(stored?.['data']).toEqual({ mode: 'dr' });
    expect(run.report).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-a', name: 'settings', uid: stored?.metadata.uid });
  });

  it('fails Create of an object that exists with AlreadyExists', async () => {
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: twice, namespace: team-b}\n';
    expect((await runInProcess('resource', resource('Create', manifest), env)).code).toBe(0);
    const again = await runInProcess('resource', resource('Create', manifest), env);
    expect(again.code).toBe(1);
    expect(again.report).toEqual({ message: 'create ConfigMap team-b/twice: HTTP 409 AlreadyExists: configmaps "twice" already exists' });
  });

  it('applies server-side, then merge-patches', async () => {
    const applied = await runInProcess('resource', resource('Apply', deployment('web', 3)), env);
    expect(applied.code).toBe(0);
    const uid = harness.get('Deployment', 'team-a', 'web')?.metadata.uid;
    expect(applied.report).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-a', name: 'web', uid });
    const reapplied = await runInProcess('resource', resource('Apply', deployment('web', 4)), env);
    expect(reapplied.report['uid']).toBe(uid);
    expect(harness.get('Deployment', 'team-a', 'web')?.spec).toMatchObject({ replicas: 4 });
    const patched = await runInProcess(
      'resource',
      resource('Patch', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 0}\n'),
      env,
    );
    expect(patched.code).toBe(0);
    expect(harness.get('Deployment', 'team-a', 'web')?.spec).toMatchObject({
      replicas: 0,
      template: { spec: { containers: [{ image: 'nginx' }] } },
    });
    const absent = await runInProcess(
      'resource',
      resource('Patch', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nowhere}\nspec: {replicas: 0}\n'),
      env,
    );
    expect(absent.code).toBe(1);
    expect(absent.report['message']).toContain('NotFound');
  });

  it('deletes exactly the recorded object, and succeeds when it is already gone', async () => {
    const created = await runInProcess('resource', resource('Create', 'apiVersion: v1\nkind: Secret\nmetadata: {name: token}\n'), env);
    const uid = String(created.report['uid']);
    const wrong = await runInProcess(
      'resource',
      resource('Delete', `apiVersion: v1\nkind: Secret\nmetadata: {name: token, uid: not-${uid}}\n`),
      env,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.report['message']).toContain('Precondition failed');
    expect(harness.get('Secret', 'team-a', 'token')).toBeDefined();
    const deleted = await runInProcess(
      'resource',
      resource('Delete', `apiVersion: v1\nkind: Secret\nmetadata: {name: token, uid: ${uid}}\n`),
      env,
    );
    expect(deleted.code).toBe(0);
    expect(deleted.report).toEqual({ apiVersion: 'v1', kind: 'Secret', namespace: 'team-a', name: 'token', uid });
    expect(harness.get('Secret', 'team-a', 'token')).toBeUndefined();
    const again = await runInProcess('resource', resource('Delete', 'apiVersion: v1\nkind: Secret\nmetadata: {name: token}\n'), env);
    expect(again.code).toBe(0);
    expect(again.report).toEqual({ apiVersion: 'v1', kind: 'Secret', namespace: 'team-a', name: 'token' });
  });

  it('runs the Clusternet kinds from their blocks, in the block namespace or cluster-wide', async () => {
    const localization = await runInProcess(
      'resource',
      {
        name: 'loc',
        type: 'Localization',
        localization: {
          name: 'app-loc',
          namespace: 'clusternet-east',
          spec: { priority: 500, feed: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'team-a' } },
        },
      },
      env,
    );
    expect(localization.code).toBe(0);
    expect(localization.report).toMatchObject({
      apiVersion: 'apps.clusternet.io/v1alpha1',
      kind: 'Localization',
      namespace: 'clusternet-east',
      name: 'app-loc',
    });
    expect(harness.get('Localization', 'clusternet-east', 'app-loc')?.spec).toMatchObject({ feed: { name: 'web' } });
    const globalization = await runInProcess(
      'resource',
      { name: 'glob', type: 'Globalization', globalization: { name: 'everywhere', spec: { priority: 100 } } },
      env,
    );
    expect(globalization.report).toEqual({
      apiVersion: 'apps.clusternet.io/v1alpha1',
      kind: 'Globalization',
      name: 'everywhere',
      uid: harness.get('Globalization', '', 'everywhere')?.metadata.uid,
    });
    const chart = await runInProcess(
      'resource',
      {
        name: 'chart',
        type: 'HelmChart',
        helmChart: { name: 'redis', namespace: 'team-a', spec: { repo: 'https://charts.example.com', chart: 'redis' } },
      },
      env,
    );
    expect(chart.report).toMatchObject({ kind: 'HelmChart', namespace: 'team-a', name: 'redis' });
  });

  it('replaces a Subscription: deletes it, waits until it is gone, creates it anew', async () => {
    const subscription = (operation: string) => ({
      name: 'sub',
      type: 'Subscription',
      subscription: {
        operation,
        name: 'app-sub',
        namespace: 'apps',
        spec: { feeds: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }], subscribers: [{ clusterAffinity: {} }] },
      },
    });
    const first = await runInProcess('resource', subscription('Create'), env);
    const replaced = await runInProcess('resource', subscription('Replace'), env);
    expect(replaced.code).toBe(0);
    expect(replaced.report['uid']).not.toBe(first.report['uid']);
    expect(harness.get('Subscription', 'apps', 'app-sub')?.metadata.uid).toBe(replaced.report['uid']);
    expect(harness.events.filter((event) => event.endsWith('Subscription apps/app-sub'))).toEqual([
      'create Subscription apps/app-sub',
      'delete Subscription apps/app-sub',
      'create Subscription apps/app-sub',
    ]);
  });

  it('waits until the object is ready by kstatus rules', async () => {
    const steps: [number, Record<string, unknown>][] = [
      [300, { observedGeneration: 0 }],
      [600, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 }],
      [
        900,
        {
          observedGeneration: 1,
          replicas: 2,
          updatedReplicas: 2,
          readyReplicas: 2,
          availableReplicas: 2,
          conditions: [{ type: 'Available', status: 'True' }],
        },
      ],
    ];
    let readyAt = 0;
    for (const [delay, status] of steps) {
      setTimeout(() => {
        harness.updateStatus('Deployment', 'team-a', 'rollout', status);
        if (status['conditions']) readyAt = Date.now();
      }, delay);
    }
    const run = await runInProcess('resource', resource('Create', deployment('rollout', 2), { waitReady: true, timeout: '20s' }), env);
    expect(run.code).toBe(0);
    expect(readyAt).toBeGreaterThan(0);
    expect(run.ms).toBeGreaterThanOrEqual(900);
    expect(run.logs.some((line) => line.includes('is ready'))).toBe(true);
  });

  it('fails waitReady at the action timeout with the last reason', async () => {
    const run = await runInProcess('resource', resource('Create', deployment('stuck', 1), { waitReady: true, timeout: '2s' }), env);
    expect(run.code).toBe(1);
    expect(run.report['message']).toMatch(/^timed out waiting for Deployment team-a\/stuck to be ready: updatedReplicas 0 of 1$/);
    expect(run.ms).toBeLessThan(2500);
  });

  it('reports one entry per subscriber cluster for a PerCluster Subscription', async () => {
    setTimeout(() => {
      harness.updateStatus('Subscription', 'apps', 'per-cluster', {
        bindingClusters: ['clusternet-east/east', 'clusternet-west/west'],
        desiredReleases: 2,
        completedReleases: 2,
      });
    }, 300);
    const run = await runInProcess(
      'resource',
      {
        name: 'sub',
        type: 'Subscription',
        waitReady: true,
        clusterExecutionMode: 'PerCluster',
        timeout: '20s',
        subscription: {
          name: 'per-cluster',
          namespace: 'apps',
          spec: { feeds: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }], subscribers: [{ clusterAffinity: {} }] },
        },
      },
      env,
    );
    expect(run.code).toBe(0);
    expect(run.report['clusterStatuses']).toEqual([
      { cluster: 'clusternet-east/east', phase: 'Succeeded' },
      { cluster: 'clusternet-west/west', phase: 'Succeeded' },
    ]);
  });

  it('says which kind the API server does not serve', async () => {
    const run = await runInProcess('resource', resource('Create', 'apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\n'), env);
    expect(run.code).toBe(1);
    expect(run.report['message']).toContain('example.com/v1 Gizmo');
  });
});
