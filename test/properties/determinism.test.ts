import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/harness/index.js';
import { buildApp } from '../../src/http/app.js';
import type { KubeObject, ObjectMap } from '../../src/k8s/metacontroller.js';
import { LABEL_PLAN } from '../../src/k8s/labels.js';
import { executionRequest, NAMESPACE, PLAN, planRequest, runs, scenario, timeout, simulate, workflowRequest, type World } from './model.js';

/**
 * "the same request and the same `now` give byte-identical output, whatever the key
 * order of the input", and the hooks "never depend on the inner keys of children/attachments/
 * related maps" (v1 sends `name`, v2 sends `namespace/name`). Each request is posted once as
 * built, then again with every object's keys permuted (recursively) and every inner map keyed
 * in a random style; the response bodies must be the same bytes.
 */

let clock = new Date(0);
const app = buildApp({ clock: () => clock });
afterAll(() => app.close());

const VARIANTS = 3;

async function post(path: string, request: unknown): Promise<{ statusCode: number; body: string }> {
  const response = await app.inject({
    method: 'POST',
    url: path,
    payload: JSON.stringify(request),
    headers: { 'content-type': 'application/json' },
  });
  return { statusCode: response.statusCode, body: response.body };
}

function permutation<T>(items: T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Same value, every object's keys in a fresh random order; arrays keep their order (it means something). */
export function deepShuffle(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => deepShuffle(item, rand));
  if (value === null || typeof value !== 'object') return value;
  const entries = permutation(Object.entries(value), rand);
  return Object.fromEntries(entries.map(([key, child]) => [key, deepShuffle(child, rand)]));
}

/** Re-keys each group of a Metacontroller object map in v1 (`name`) or v2 (`namespace/name`) style. */
function rekey(map: ObjectMap | undefined, rand: () => number): ObjectMap | undefined {
  if (map === undefined) return undefined;
  const out: ObjectMap = {};
  for (const [group, objects] of Object.entries(map)) {
    const v1 = rand() < 0.5;
    out[group] = Object.fromEntries(
      Object.values(objects).map((object) => [
        v1 ? object.metadata.name : `${object.metadata.namespace ?? ''}/${object.metadata.name}`,
        object,
      ]),
    );
  }
  return out;
}

function variant(request: Record<string, unknown>, seed: number): unknown {
  // Seeded, so a failing permutation is reproducible.
  const prng = new Prng(seed);
  const rand = () => prng.next();
  const rekeyed: Record<string, unknown> = { ...request };
  for (const key of ['children', 'attachments', 'related'] as const) {
    if (request[key] !== undefined) rekeyed[key] = rekey(request[key] as ObjectMap, rand);
  }
  return deepShuffle(rekeyed, rand);
}

/** A runner Pod of the plan (the customize rules select them), to check unused related objects are harmless. */
function runnerPod(world: World): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'runner-pod',
      namespace: NAMESPACE,
      uid: 'uid-pod',
      labels: { [LABEL_PLAN]: PLAN, 'job-name': world.children.find((child) => child.kind === 'Job')?.metadata.name ?? 'none' },
    },
    spec: { containers: [{ name: 'runner', image: 'drplan-hooks:dev' }] },
    status: {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'runner', state: { terminated: { exitCode: 0, message: '{"statusCode":200,"body":"ok"}' } } }],
    },
  };
}

type Requests = (world: World) => [path: string, request: Record<string, unknown>][];

async function sameBytesUnderReordering(requests: Requests): Promise<void> {
  await fc.assert(
    fc.asyncProperty(scenario, fc.array(fc.integer(), { minLength: VARIANTS, maxLength: VARIANTS }), async ({ shape, ops }, seeds) => {
      const world = simulate(shape, ops);
      clock = new Date(world.now);
      for (const [path, request] of requests(world)) {
        const baseline = await post(path, request);
        expect(baseline.statusCode, `${path}: ${baseline.body}`).toBe(200);
        for (const seed of seeds) {
          const shuffled = await post(path, variant(request, seed));
          expect(shuffled.body, `${path} with key-order seed ${seed}`).toBe(baseline.body);
        }
      }
    }),
    { numRuns: runs(60) },
  );
}

describe('hook output does not depend on the key order of the input', () => {
  it(
    'DRPlan sync and finalize',
    async () => {
      await sameBytesUnderReordering((world) => {
        const request = planRequest(world, { pods: [runnerPod(world)] }) as unknown as Record<string, unknown>;
        return [
          ['/drplan/sync', request],
          ['/drplan/finalize', { ...request, finalizing: true }],
        ];
      });
    },
    timeout(30_000),
  );

  it(
    'DRPlanExecution sync (and finalize for the ones being deleted)',
    async () => {
      await sameBytesUnderReordering((world) =>
        world.executions.flatMap((target) => {
          const request = executionRequest(world, target) as unknown as Record<string, unknown>;
          return target.metadata.deletionTimestamp
            ? [['/drplanexecution/finalize', request] as [string, Record<string, unknown>]]
            : [['/drplanexecution/sync', request] as [string, Record<string, unknown>]];
        }),
      );
    },
    timeout(30_000),
  );

  it(
    'DRWorkflow sync',
    async () => {
      await sameBytesUnderReordering((world) =>
        world.workflows.map((target) => ['/drworkflow/sync', workflowRequest(world, target) as unknown as Record<string, unknown>]),
      );
    },
    timeout(30_000),
  );
});
