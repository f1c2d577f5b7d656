import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContractHarness, injectTransport, type KubeObject } from '../../src/harness/index.js';
import { FakeHooks } from './fixtures.js';

const LEGACY = `
apiVersion: metacontroller.k8s.io/v1alpha1
kind: DecoratorController
metadata: { name: legacy }
spec:
  resources:
    - apiVersion: v1
      resource: configmaps
      labelSelector: { matchLabels: { legacy: "yes" } }
  hooks:
    sync: { webhook: { path: /legacy/sync } }
    finalize: { webhook: { path: /legacy/finalize } }
    customize: { webhook: { path: /legacy/customize } }
`;

function cm(name: string, namespace: string, labels: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: {} };
}

describe('hook version v1 and target selectors', () => {
  it('uses relative keys, same-namespace related objects, loose decoding, and finalizes on opt-out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harness-v1-'));
    await writeFile(join(dir, 'legacy.yaml'), LEGACY);
    await writeFile(join(dir, 'kustomization.yaml'), 'resources: [legacy.yaml]\n');
    const hooks = new FakeHooks();
    hooks.on('/legacy/customize', () => ({
      relatedResources: [{ apiVersion: 'v1', resource: 'configmaps', labelSelector: { matchLabels: { peer: 'yes' } } }],
    }));
    hooks.on('/legacy/sync', () => ({ labels: { synced: 'yes' }, somethingElse: 1 }));
    hooks.on('/legacy/finalize', () => ({ labels: { synced: null }, finalized: true }));
    const h = await ContractHarness.create({ manifestsDir: dir, transport: injectTransport(hooks.app) });

    h.apply(cm('ignored', 'ns1', {}));
    h.apply(cm('p1', 'ns1', { peer: 'yes' }));
    h.apply(cm('p2', 'ns2', { peer: 'yes' }));
    await h.settle();
    expect(hooks.calls('/legacy/sync')).toHaveLength(0);

    h.apply(cm('t', 'ns1', { legacy: 'yes' }));
    await h.settle();
    expect(h.errors).toEqual([]); // the unknown key is tolerated in loose mode
    const request = hooks.calls('/legacy/sync').at(-1);
    expect(Object.keys(request?.related?.['ConfigMap.v1'] ?? {})).toEqual(['p1']);
    expect(h.get('ConfigMap', 'ns1', 't')?.metadata).toMatchObject({
      labels: { legacy: 'yes', synced: 'yes' },
      finalizers: ['metacontroller.io/decoratorcontroller-legacy'],
    });

    // No longer selected but still holding the finalizer: finalize runs, then lets go.
    h.apply(cm('t', 'ns1', {}));
    await h.settle();
    expect(hooks.calls('/legacy/finalize').at(-1)?.finalizing).toBe(true);
    const t = h.get('ConfigMap', 'ns1', 't');
    expect(t?.metadata.labels).toBeUndefined();
    expect(t?.metadata.finalizers).toBeUndefined();
    expect(t?.metadata.deletionTimestamp).toBeUndefined();
  });
});
