import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifests, type KubeObject } from '../../src/harness/index.js';
import { MANIFESTS } from '../fixtures/crd.js';
import { kustomize } from '../fixtures/kubectl.js';

/** Every directory under manifests/ that holds a kustomization: each must build. */
function kustomizations(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((entry) => entry.isFile() && entry.name === 'kustomization.yaml') ? [dir] : [];
  return [...here, ...entries.filter((entry) => entry.isDirectory()).flatMap((entry) => kustomizations(join(dir, entry.name)))];
}

const id = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The one label the base's kustomization adds to every object it installs. */
function withoutPartOf(o: KubeObject): KubeObject {
  const labels = Object.fromEntries(Object.entries(o.metadata.labels ?? {}).filter(([key]) => key !== 'app.kubernetes.io/part-of'));
  const { labels: _dropped, ...metadata } = o.metadata;
  return { ...o, metadata: Object.keys(labels).length > 0 ? { ...metadata, labels } : metadata };
}

describe('manifests/ with a real kubectl', () => {
  it('has the kustomizations the README names', () => {
    expect(kustomizations(MANIFESTS).map((dir) => relative(MANIFESTS, dir) || '.').sort()).toEqual([
      '.',
      'base',
      'overlays/auth',
      'samples',
      'samples/actions',
    ]);
  });

  it.each(kustomizations(MANIFESTS).map((dir) => [relative(MANIFESTS, dir) || '.', dir]))('kubectl kustomize manifests/%s builds', async (_name, dir) => {
    const objects = await kustomize(dir);
    expect(objects.length).toBeGreaterThan(0);
    expect(new Set(objects.map(id)).size).toBe(objects.length);
  });

  it('`kubectl apply -k manifests/` installs exactly the base', async () => {
    expect(await kustomize(MANIFESTS)).toEqual(await kustomize(join(MANIFESTS, 'base')));
  });

  it('the base installs the CRDs, the three controllers and the hook server, and no sample', async () => {
    const ids = (await kustomize(MANIFESTS)).map(id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'CustomResourceDefinition /drworkflows.dr.bkbcs.tencent.com',
        'CustomResourceDefinition /drplans.dr.bkbcs.tencent.com',
        'CustomResourceDefinition /drplanexecutions.dr.bkbcs.tencent.com',
        'CompositeController /drplan',
        'DecoratorController /drworkflow',
        'DecoratorController /drplanexecution',
        'Deployment drplan-system/drplan-hooks',
        'Service drplan-system/drplan-hooks',
      ]),
    );
    expect(ids.filter((name) => name.includes('DRPlan') || name.includes('DRWorkflow'))).toEqual([]);
  });

  it('the samples build into namespace default: the runbook, never an execution', async () => {
    expect((await kustomize(join(MANIFESTS, 'samples'))).map(id).sort()).toEqual([
      'DRPlan default/db-failover',
      'DRWorkflow default/failover-db',
      'DRWorkflow default/switch-traffic',
      'RoleBinding default/drplan-runner',
      'ServiceAccount default/drplan-runner',
    ]);
  });

  it('the contract harness loads the same controllers and CRDs as kubectl builds', async () => {
    const built = (await kustomize(MANIFESTS)).map(withoutPartOf);
    const loaded = await loadManifests(MANIFESTS);
    const byId = (objects: KubeObject[]) => Object.fromEntries(objects.map((o) => [id(o), o]));
    expect(byId(loaded.controllers.map((c) => c.object))).toEqual(
      byId(built.filter((o) => o.kind === 'CompositeController' || o.kind === 'DecoratorController')),
    );
    expect(byId(loaded.crds)).toEqual(byId(built.filter((o) => o.kind === 'CustomResourceDefinition')));
  });
});
