import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterEach, expect } from 'vitest';
import { startCluster, type Cluster, type ClusterOptions } from '../fixtures/cluster.js';
import type { ContractHarness, KubeObject } from '../../src/harness/index.js';
import { runRender } from '../../src/render/command.js';
import { crdSchema, schemaViolations } from '../fixtures/crd.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

/** The objects of a fixture directory: its YAML files in name order, documents in file order. */
export function fixtures(family: string): KubeObject[] {
  const dir = join(FIXTURES, family);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .flatMap((name) => parseAllDocuments(readFileSync(join(dir, name), 'utf8')).map((document) => document.toJSON() as KubeObject))
    .filter((object) => object !== null);
}

export function ofKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind);
}

export function live(harness: ContractHarness, object: KubeObject): KubeObject {
  const found = harness.get(object.kind ?? '', object.metadata.namespace ?? 'default', object.metadata.name);
  if (found === undefined) throw new Error(`${object.kind} ${object.metadata.name} is gone`);
  return found;
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface Status {
  phase?: string;
  message?: string;
  conditions?: Condition[];
  [field: string]: unknown;
}

export function statusOf(harness: ContractHarness, object: KubeObject): Status {
  return (live(harness, object).status ?? {}) as Status;
}

export function condition(status: Status, type: string): Condition | undefined {
  return status.conditions?.find((candidate) => candidate.type === type);
}

/** Applies an execution and lets the world move until it ends (or a simulated hour passes). */
export async function runToEnd(harness: ContractHarness, execution: KubeObject): Promise<Status> {
  harness.apply(execution);
  await harness.settle();
  for (let waited = 0; waited < 3600 && !isTerminal(statusOf(harness, execution).phase); waited += 10) await harness.advance(10);
  return statusOf(harness, execution);
}

function isTerminal(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Cancelled';
}

const PLURALS: Record<string, string> = { DRWorkflow: 'drworkflows', DRPlan: 'drplans', DRPlanExecution: 'drplanexecutions' };

/**
 * No hook failed and every status the hooks wrote is one the CRDs accept. Specs are the user's:
 * a fixture may hold one the API server would refuse, to see what the hooks make of it.
 */
export function expectStatusesHealthy(harness: ContractHarness): void {
  expect(harness.errors).toEqual([]);
  for (const [kind, plural] of Object.entries(PLURALS)) {
    const schema = crdSchema(plural).properties?.['status'];
    if (schema === undefined) throw new Error(`no status schema in ${plural}`);
    for (const object of harness.list(kind)) {
      expect(schemaViolations(schema, object.status), `${kind} ${object.metadata.name} status`).toEqual([]);
    }
  }
}

/** Words that mean a value was printed that should not have been. */
// JavaScript leaking into the output; "undefined parameter(s)" is a real message, not a leak.
export const GARBAGE = /\bundefined\b(?! parameter)|\[object Object\]|\bNaN\b/;

export async function render(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runRender(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

/**
 * A cluster per test: each test starts one with the returned function; after the test every
 * status the hooks wrote is checked against its CRD and the cluster is closed.
 */
export function healthyClusterPerTest(): (options?: ClusterOptions) => Promise<Cluster> {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    if (cluster === undefined) return;
    expectStatusesHealthy(cluster.harness);
    await cluster.close();
    cluster = undefined;
  });
  return async (options = {}) => {
    cluster = await startCluster(options);
    return cluster;
  };
}
