import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { KubeObject } from '../../src/harness/index.js';
import { MANIFESTS } from '../fixtures/crd.js';
import { kustomize } from '../fixtures/kubectl.js';

interface Container {
  name: string;
  env: { name: string; value?: string }[];
  resources: { requests: { memory: string }; limits: { memory: string } };
}

const MiB = 1024 * 1024;
const mebibytes = (quantity: string) => {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (match === null) throw new Error(`unexpected quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
};

/** The variables the Deployment sets to a literal value. */
const literalEnv = (container: Container) => Object.fromEntries(container.env.flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])));

async function hooksContainer(): Promise<Container> {
  const objects = await kustomize(join(MANIFESTS, 'base'));
  const deployment = objects.find((o: KubeObject) => o.kind === 'Deployment' && o.metadata.name === 'drplan-hooks');
  const container = (deployment?.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers.find((c) => c.name === 'hooks');
  if (container === undefined) throw new Error('no hooks container');
  return container;
}

describe('the hook Deployment, as kubectl builds it', () => {
  it('sets environment the server reads without complaint, and never lets a request set the clock', async () => {
    const env = literalEnv(await hooksContainer());
    expect(loadConfig(env).fixedClockEnabled).toBe(false);
  });

  it('turns the heap guard on, under the V8 heap cap, and sizes the memory limit for the body limit, the worker pool and its queue', async () => {
    const container = await hooksContainer();
    const env = literalEnv(container);
    const config = loadConfig(env);
    const guardMiB = config.overload.maxHeapUsedBytes / MiB;
    const heapCapMiB = Number(/--max-old-space-size=(\d+)/.exec(env['NODE_OPTIONS'] ?? '')?.[1]);
    const limitMiB = mebibytes(container.resources.limits.memory);
    expect(guardMiB).toBeGreaterThan(0);
    expect(guardMiB).toBeLessThan(heapCapMiB);
    expect(heapCapMiB).toBeLessThan(limitMiB);
    // Outside the heaps (20 MiB more per worker thread), the main heap's guard, one near-limit call
    // per worker at ~5× its size, the queue's bodies as bytes, and a round of 5 plan syncs' bodies
    // still being received.
    const bodyMiB = config.bodyLimitBytes / MiB;
    const { count: workers, queueLimit } = config.workers;
    expect(limitMiB).toBeGreaterThanOrEqual(100 + 20 * workers + guardMiB + workers * 5 * bodyMiB + queueLimit * bodyMiB + 5 * bodyMiB);
    expect(mebibytes(container.resources.requests.memory)).toBeGreaterThanOrEqual(80 + 20 * workers);
    expect(env['NODE_OPTIONS']).toContain('--enable-source-maps');
  });
});
