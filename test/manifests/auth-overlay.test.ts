import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startCluster, type Cluster } from '../fixtures/cluster.js';
import { MANIFESTS } from '../fixtures/crd.js';
import { apply, getPlan } from '../fixtures/dr.js';
import { plan, workflow } from '../fixtures/objects.js';

const overlay = (file: string) => parse(readFileSync(join(MANIFESTS, 'overlays', 'auth', file), 'utf8')) as unknown;

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('auth overlay', () => {
  it('points every controller at the token Secret and gives the server the same token', () => {
    expect(overlay('endpoint-auth.yaml')).toEqual([
      {
        op: 'add',
        path: '/spec/endpointConfigs',
        value: [
          {
            host: 'drplan-hooks.drplan-system:80',
            authorization: { type: 'Bearer', secretRef: { name: 'drplan-hooks-token', namespace: 'drplan-system', key: 'token' } },
          },
        ],
      },
    ]);
    const host = (parse(readFileSync(join(MANIFESTS, 'controllers', 'drplan.yaml'), 'utf8')) as {
      spec: { hooks: { sync: { webhook: { service: { name: string; namespace: string; port: number } } } } };
    }).spec.hooks.sync.webhook.service;
    expect(`${host.name}.${host.namespace}:${host.port}`).toBe('drplan-hooks.drplan-system:80');
    expect(JSON.stringify(overlay('deployment-token.yaml'))).toContain('"name":"HOOK_AUTH_TOKEN"');
  });

  it('with the token on both sides the hooks work; without it Metacontroller gets 401', async () => {
    cluster = await startCluster({ authToken: 'tok', hookHeaders: { authorization: 'Bearer tok' } });
    apply(cluster.harness, workflow('wf'));
    apply(cluster.harness, plan('plan'));
    await cluster.harness.settle();
    expect(getPlan(cluster.harness).status?.phase).toBe('Ready');
    expect(cluster.harness.errors).toEqual([]);
    await cluster.close();

    cluster = await startCluster({ authToken: 'tok' });
    apply(cluster.harness, plan('plan'));
    await cluster.harness.settle();
    expect(cluster.harness.errors.map((error) => error.statusCode)).toContain(401);
  });
});
