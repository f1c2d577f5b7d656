import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/harness/index.js';
import { startCluster, type Cluster } from '../fixtures/cluster.js';
import { MANIFESTS } from '../fixtures/crd.js';
import { apply, getPlan } from '../fixtures/dr.js';
import { kustomize } from '../fixtures/kubectl.js';
import { plan, workflow } from '../fixtures/objects.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const SECRET = { name: 'drplan-hooks-token', namespace: 'drplan-system' };
const isController = (o: KubeObject) => o.kind === 'CompositeController' || o.kind === 'DecoratorController';

interface Webhook {
  service?: { name: string; namespace: string; port?: number };
}
interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
}

/** `name.namespace:port` of every hook, as Metacontroller matches it against endpointConfigs. */
function hookHosts(controller: KubeObject): string[] {
  const hooks = (controller.spec as { hooks: Record<string, { webhook: Webhook }> }).hooks;
  return Object.values(hooks).map(({ webhook }) => `${webhook.service?.name}.${webhook.service?.namespace}:${webhook.service?.port ?? 80}`);
}

function hooksContainer(objects: KubeObject[]): Container {
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'drplan-hooks');
  const containers = (deployment?.spec as { template: { spec: { containers: Container[] } } } | undefined)?.template.spec.containers;
  const container = containers?.find((c) => c.name === 'hooks');
  if (container === undefined) throw new Error('no hooks container in the drplan-hooks Deployment');
  return container;
}

describe('auth overlay', () => {
  it('gives all three controllers a bearer token from the Secret, on the host their hooks call', async () => {
    const controllers = (await kustomize(join(MANIFESTS, 'overlays', 'auth'))).filter(isController);
    expect(controllers.map((c) => `${c.kind}/${c.metadata.name}`).sort()).toEqual([
      'CompositeController/drplan',
      'DecoratorController/drplanexecution',
      'DecoratorController/drworkflow',
    ]);
    for (const controller of controllers) {
      const [host, ...others] = new Set(hookHosts(controller));
      expect(others).toEqual([]);
      expect((controller.spec as { endpointConfigs?: unknown }).endpointConfigs, controller.metadata.name).toEqual([
        { host, authorization: { type: 'Bearer', secretRef: { ...SECRET, key: 'token' } } },
      ]);
    }
  });

  it('gives the hook server the same token, and changes nothing else of the base', async () => {
    const overlay = await kustomize(join(MANIFESTS, 'overlays', 'auth'));
    const base = await kustomize(join(MANIFESTS, 'base'));
    const deployment = overlay.find((o) => o.kind === 'Deployment');
    expect(deployment?.metadata.namespace).toBe(SECRET.namespace);
    const env = hooksContainer(overlay).env ?? [];
    expect(env.filter((e) => e.name.startsWith('HOOK_AUTH_TOKEN'))).toEqual([
      { name: 'HOOK_AUTH_TOKEN', valueFrom: { secretKeyRef: { name: SECRET.name, key: 'token' } } },
      // Present only while a rotation is under way.
      { name: 'HOOK_AUTH_TOKEN_PREVIOUS', valueFrom: { secretKeyRef: { name: SECRET.name, key: 'previous', optional: true } } },
    ]);
    expect(hooksContainer(base).env?.some((e) => e.name.startsWith('HOOK_AUTH_TOKEN'))).toBe(false);

    const withoutAuth = (o: KubeObject): KubeObject => {
      if (isController(o)) {
        const { endpointConfigs: _auth, ...spec } = o.spec as Record<string, unknown>;
        return { ...o, spec };
      }
      if (o.kind !== 'Deployment') return o;
      const copy = structuredClone(o);
      const container = hooksContainer([copy]);
      container.env = container.env?.filter((e) => !e.name.startsWith('HOOK_AUTH_TOKEN'));
      return copy;
    };
    expect(overlay.map(withoutAuth)).toEqual(base);
  });

  it('with the token on both sides the hooks work; without it Metacontroller gets 401', async () => {
    cluster = await startCluster({ auth: { current: 'tok' }, hookHeaders: { authorization: 'Bearer tok' } });
    apply(cluster.harness, workflow('wf'));
    apply(cluster.harness, plan('plan'));
    await cluster.harness.settle();
    expect(getPlan(cluster.harness).status?.phase).toBe('Ready');
    expect(cluster.harness.errors).toEqual([]);
    await cluster.close();

    cluster = await startCluster({ auth: { current: 'tok' } });
    apply(cluster.harness, plan('plan'));
    await cluster.harness.settle();
    expect(cluster.harness.errors.map((error) => error.statusCode)).toContain(401);
  });

  it('during a rotation the server takes the old token Metacontroller still sends, and the new one', async () => {
    for (const sent of ['old', 'new']) {
      cluster = await startCluster({ auth: { current: 'new', previous: 'old' }, hookHeaders: { authorization: `Bearer ${sent}` } });
      apply(cluster.harness, workflow('wf'));
      apply(cluster.harness, plan('plan'));
      await cluster.harness.settle();
      expect(cluster.harness.errors).toEqual([]);
      expect(getPlan(cluster.harness).status?.phase).toBe('Ready');
      await cluster.close();
      cluster = undefined;
    }
  });
});
