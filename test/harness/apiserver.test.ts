import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractHarness, type ApiServer, type HookTransport } from '../../src/harness/index.js';
import { MANIFESTS } from '../fixtures/crd.js';
import { clusternetCrds } from '../fixtures/clusternet.js';

const noHooks: HookTransport = async () => {
  throw new Error('this test calls no hooks');
};

let harness: ContractHarness;
let api: ApiServer;

beforeAll(async () => {
  harness = await ContractHarness.create({ manifestsDir: MANIFESTS, transport: noHooks });
  api = await harness.apiServer();
});
afterAll(() => harness.close());

async function call(method: string, path: string, body?: unknown, contentType = 'application/json', accept?: string) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': contentType }), ...(accept === undefined ? {} : { accept }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  // Kubernetes objects are loosely typed JSON; the assertions check their shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { code: response.status, body: (await response.json()) as Record<string, any> };
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = { a: '1' }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

describe('harness API server', () => {
  it('serves discovery for built-ins and the CRDs of the manifests', async () => {
    expect((await call('GET', '/api')).body.versions).toEqual(['v1']);
    const core = await call('GET', '/api/v1');
    expect(core.body.resources.map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining(['pods', 'pods/status', 'namespaces', 'configmaps', 'secrets']),
    );
    const groups = (await call('GET', '/apis')).body.groups.map((g: { name: string }) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['batch', 'apps', 'dr.bkbcs.tencent.com', 'apiextensions.k8s.io']));
    const dr = await call('GET', '/apis/dr.bkbcs.tencent.com/v1alpha1');
    expect(dr.body.resources).toContainEqual(expect.objectContaining({ name: 'drplans', kind: 'DRPlan', namespaced: true }));
    expect((await call('GET', '/apis/nope.example.com/v1')).code).toBe(404);
  });

  it('creates, reads and lists with label selectors, setting server metadata', async () => {
    const created = await call('POST', '/api/v1/namespaces/default/configmaps', cm('one', { app: 'web', tier: 'fe' }));
    expect(created.code).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 'one', namespace: 'default', generation: 1 });
    expect(created.body.metadata.uid).toMatch(/\S/);
    expect(created.body.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(created.body.metadata.creationTimestamp).toBe(harness.now().toISOString().slice(0, 19) + 'Z');
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('two', { app: 'db' }));
    await call('POST', '/api/v1/namespaces/other/configmaps', cm('three', { app: 'web' }));
    // The same object the controllers see.
    expect(harness.get('ConfigMap', 'default', 'one')?.metadata.uid).toBe(created.body.metadata.uid);
    const names = async (query: string, path = '/api/v1/namespaces/default/configmaps') =>
      (await call('GET', `${path}?${query}`)).body.items.map((item: { metadata: { name: string } }) => item.metadata.name);
    expect(await names('labelSelector=app%3Dweb')).toEqual(['one']);
    expect(await names('labelSelector=app%20in%20(web,db),!tier')).toEqual(['two']);
    expect(await names('labelSelector=app%3Dweb', '/api/v1/configmaps')).toEqual(['one', 'three']);
    expect(await names('fieldSelector=metadata.name%3Dtwo')).toEqual(['two']);
    const list = await call('GET', '/api/v1/namespaces/default/configmaps');
    expect(list.body).toMatchObject({ kind: 'ConfigMapList', apiVersion: 'v1' });
  });

  it('answers errors as Status objects: NotFound, AlreadyExists, Conflict, Invalid', async () => {
    const missing = await call('GET', '/api/v1/namespaces/default/configmaps/absent');
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'configmaps "absent" not found',
    });
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('dup'));
    const again = await call('POST', '/api/v1/namespaces/default/configmaps', cm('dup'));
    expect(again.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', code: 409 });
    const current = await call('GET', '/api/v1/namespaces/default/configmaps/dup');
    const stale = { ...current.body, metadata: { ...current.body.metadata, resourceVersion: '1' }, data: { a: '2' } };
    const conflict = await call('PUT', '/api/v1/namespaces/default/configmaps/dup', stale);
    expect(conflict.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    const fresh = await call('PUT', '/api/v1/namespaces/default/configmaps/dup', { ...current.body, data: { a: '2' } });
    expect(fresh.code).toBe(200);
    expect(fresh.body.data).toEqual({ a: '2' });
    const invalid = await call('POST', '/api/v1/namespaces/default/configmaps', cm('Not_Valid'));
    expect(invalid.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
  });

  it('applies merge, JSON and server-side apply patches', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments/web';
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    const applied = await call(
      'PATCH',
      `${path}?fieldManager=drplan&force=true`,
      JSON.stringify(deployment),
      'application/apply-patch+yaml',
    );
    expect(applied.code).toBe(201);
    expect(applied.body.metadata.generation).toBe(1);
    const merged = await call(
      'PATCH',
      path,
      { spec: { replicas: 0 }, metadata: { labels: { tier: 'fe' } } },
      'application/merge-patch+json',
    );
    expect(merged.body.spec.replicas).toBe(0);
    expect(merged.body.spec.template.spec.containers[0].image).toBe('nginx');
    expect(merged.body.metadata.labels).toEqual({ app: 'web', tier: 'fe' });
    expect(merged.body.metadata.generation).toBe(2);
    const reapplied = await call(
      'PATCH',
      `${path}?fieldManager=drplan&force=true`,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n',
      'application/apply-patch+yaml',
    );
    expect(reapplied.code).toBe(200);
    expect(reapplied.body.spec).toMatchObject({ replicas: 2, template: { spec: { containers: [{ image: 'nginx' }] } } });
    expect(reapplied.body.metadata.uid).toBe(applied.body.metadata.uid);
    const patched = await call('PATCH', path, [{ op: 'replace', path: '/spec/replicas', value: 5 }], 'application/json-patch+json');
    expect(patched.body.spec.replicas).toBe(5);
    const noManager = await call('PATCH', path, '{}', 'application/apply-patch+yaml');
    expect(noManager.code).toBe(400);
  });

  it('keeps status to its subresource', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments';
    await call('POST', path, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api' },
      spec: { replicas: 1 },
      status: { readyReplicas: 9 },
    });
    expect((await call('GET', `${path}/api`)).body.status).toBeUndefined();
    const status = await call(
      'PATCH',
      `${path}/api/status`,
      { status: { observedGeneration: 1, readyReplicas: 1 } },
      'application/merge-patch+json',
    );
    expect(status.body.status).toEqual({ observedGeneration: 1, readyReplicas: 1 });
    expect(status.body.metadata.generation).toBe(1);
    const main = await call('PATCH', `${path}/api`, { status: { readyReplicas: 0 } }, 'application/merge-patch+json');
    expect(main.body.status.readyReplicas).toBe(1);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/x/status')).code).toBe(404);
  });

  it('deletes: at once, after finalizers, and under a uid precondition', async () => {
    const base = '/api/v1/namespaces/default/configmaps';
    const made = await call('POST', base, { ...cm('gone'), metadata: { name: 'gone' } });
    const wrongUid = await call('DELETE', `${base}/gone`, { preconditions: { uid: 'someone-else' } });
    expect(wrongUid.body).toMatchObject({ reason: 'Conflict', code: 409 });
    const deleted = await call('DELETE', `${base}/gone`, { preconditions: { uid: made.body.metadata.uid } });
    expect(deleted.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'gone', kind: 'configmaps' } });
    expect((await call('DELETE', `${base}/gone`)).code).toBe(404);
    await call('POST', base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    const held = await call('DELETE', `${base}/held`);
    expect(held.body.metadata.deletionTimestamp).toBeDefined();
    expect(harness.events).toContain('deleting ConfigMap default/held');
  });

  it('serves a CustomResourceDefinition as soon as it is created', async () => {
    const [localizations] = clusternetCrds();
    expect((await call('GET', '/apis/apps.clusternet.io/v1alpha1')).code).toBe(404);
    expect((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', localizations)).code).toBe(201);
    const list = await call('GET', '/apis/apps.clusternet.io/v1alpha1');
    expect(list.body.resources).toContainEqual(expect.objectContaining({ name: 'localizations', kind: 'Localization' }));
    const made = await call('POST', '/apis/apps.clusternet.io/v1alpha1/namespaces/clusternet-a/localizations', {
      apiVersion: 'apps.clusternet.io/v1alpha1',
      kind: 'Localization',
      metadata: { name: 'l1' },
      spec: { priority: 500 },
    });
    expect(made.body.metadata.namespace).toBe('clusternet-a');
  });

  it('streams watch events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${api.url}/api/v1/namespaces/watched/configmaps?watch=true&labelSelector=w%3D1`, {
      signal: controller.signal,
    });
    if (response.body === null) throw new Error('watch without a body');
    const reader = response.body.getReader();
    const lines: string[] = [];
    let buffer = '';
    const base = '/api/v1/namespaces/watched/configmaps';
    await call('POST', base, cm('w1', { w: '1' }));
    await call('POST', base, cm('w2', { w: '2' }));
    await call('PATCH', `${base}/w1`, { data: { a: 'changed' } }, 'application/merge-patch+json');
    await call('DELETE', `${base}/w1`);
    while (lines.length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
    }
    controller.abort();
    const events = lines.map((line) => JSON.parse(line) as { type: string; object: { metadata: { name: string } } });
    expect(events.map((event) => `${event.type} ${event.object.metadata.name}`)).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
  });

  it('prints Tables for kubectl get: Name, then the CRD printer columns, with ages', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const base = '/apis/dr.bkbcs.tencent.com/v1alpha1/namespaces/tables/drplanexecutions';
    await call('POST', base, {
      apiVersion: 'dr.bkbcs.tencent.com/v1alpha1',
      kind: 'DRPlanExecution',
      metadata: { name: 'e1' },
      spec: { planRef: 'p', operationType: 'Execute' },
    });
    const table = await call('GET', base, undefined, 'application/json', accept);
    expect(table.body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Plan',
      'Operation',
      'Phase',
      'Started',
      'Completed',
      'Age',
    ]);
    // No status yet: those cells are null, which kubectl prints as blanks; the age is of the fake clock.
    expect(table.body.rows[0].cells).toEqual(['e1', 'p', 'Execute', null, null, null, '0s']);
    expect(table.body.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'e1', namespace: 'tables' } });
    const one = await call('GET', `${base}/e1?includeObject=None`, undefined, 'application/json', accept);
    expect(one.body.rows).toEqual([{ cells: ['e1', 'p', 'Execute', null, null, null, '0s'] }]);
    const jobs = await call('GET', '/apis/batch/v1/jobs', undefined, 'application/json', accept);
    expect(jobs.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Age']);
    // Without the Table media type first, the plain list.
    expect((await call('GET', base, undefined, 'application/json', 'application/json')).body.kind).toBe('DRPlanExecutionList');
  });

  it('answers what kubectl asks before it writes: short names, an empty OpenAPI v2, no OpenAPI v3', async () => {
    const dr = await call('GET', '/apis/dr.bkbcs.tencent.com/v1alpha1');
    expect(dr.body.resources).toContainEqual(expect.objectContaining({ name: 'drplans', shortNames: ['drp'], categories: ['dr'] }));
    const core = await call('GET', '/api/v1');
    expect(core.body.resources).toContainEqual(expect.objectContaining({ name: 'configmaps', shortNames: ['cm'] }));
    const v2 = await fetch(`${api.url}/openapi/v2`);
    expect(v2.status).toBe(200);
    expect(v2.headers.get('content-type')).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect((await v2.arrayBuffer()).byteLength).toBe(0);
    expect((await fetch(`${api.url}/openapi/v3`)).status).toBe(404);
  });

  it('merges strategic merge patches: maps, named lists, null and $patch: delete', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments/smp';
    await call('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'smp' },
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'a', image: 'one' },
              { name: 'b', image: 'two' },
            ],
            volumes: [{ name: 'v' }],
          },
        },
      },
    });
    const patched = await call(
      'PATCH',
      path,
      {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'b', image: 'three' },
                { name: 'c', image: 'new' },
                { name: 'a', $patch: 'delete' },
              ],
              '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }],
              volumes: null,
            },
          },
        },
      },
      'application/strategic-merge-patch+json',
    );
    expect(patched.code).toBe(200);
    expect(patched.body.spec.template.spec).toEqual({
      containers: [
        { name: 'b', image: 'three' },
        { name: 'c', image: 'new' },
      ],
    });
  });

  it('replays to a watch every change since the resourceVersion it starts from', async () => {
    const base = '/api/v1/namespaces/replay/configmaps';
    await call('POST', base, cm('r1'));
    const listed = await call('GET', base);
    // Changes between the list and the watch, which a client must not miss.
    await call('PATCH', `${base}/r1`, { data: { a: 'later' } }, 'application/merge-patch+json');
    await call('POST', base, cm('r2'));
    const controller = new AbortController();
    const response = await fetch(`${api.url}${base}?watch=true&resourceVersion=${listed.body.metadata.resourceVersion}`, {
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    let text = '';
    while (reader !== undefined && text.split('\n').length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const events = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; object: { metadata: { name: string } } });
    expect(events.map((event) => `${event.type} ${event.object.metadata.name}`)).toEqual(['MODIFIED r1', 'ADDED r2']);
  });
});
