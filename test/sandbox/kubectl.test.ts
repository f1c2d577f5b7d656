import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlSandbox, ROOT, type KubectlSandbox } from '../fixtures/sandbox.js';
import { TOUR } from './tour.js';

let cluster: KubectlSandbox;
let sh: (line: string) => Promise<string>;

beforeAll(async () => {
  cluster = await kubectlSandbox('kubectl');
  sh = cluster.sh;
});
afterAll(() => cluster.close());

/** Each tour line that has something to show, and what it shows. */
const EXPECTED: Readonly<Record<number, (stdout: string) => void>> = {
  0: (out) =>
    expect(out.trim().split('\n')).toEqual([
      'serviceaccount/drplan-runner created',
      'rolebinding.rbac.authorization.k8s.io/drplan-runner created',
      'drplan.dr.bkbcs.tencent.com/db-failover created',
      'drworkflow.dr.bkbcs.tencent.com/failover-db created',
      'drworkflow.dr.bkbcs.tencent.com/switch-traffic created',
    ]),
  1: (out) => expect(out).toContain('condition met'),
  // The server-side Table: Name, then the CRD's printer columns.
  2: (out) => {
    expect(out).toMatch(/^NAME\s+PHASE\s+CURRENT\s+LAST\s+AGE\n/);
    expect(out).toMatch(/^db-failover\s+Ready\s+\d+s$/m);
  },
  5: (out) => expect(out).toBe('db-failover-exec-001'),
  8: (out) => expect(out).toBe('db-failover-revert-001 Revert Succeeded\ndb-failover-exec-001 Execute Succeeded\n'),
  11: (out) => expect(out).toContain('drplanexecution.dr.bkbcs.tencent.com/db-failover-exec-002 annotated'),
  15: (out) => expect(out).toContain('"db-failover-exec-003" deleted'),
  16: (out) => {
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^db-failover-exec-003 Cancelled \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lines[1]).toMatch(/^db-failover-exec-002 Cancelled \d{4}-/);
  },
  17: (out) => expect(out).toBe('drplan.dr.bkbcs.tencent.com/db-failover serverside-applied\n'),
};

describe('the sandbox, driven by a real kubectl 1.32', () => {
  it('runs the README tour', async () => {
    const watchLine = TOUR.length - 1;
    for (const [index, line] of TOUR.entries()) {
      if (index === watchLine) continue;
      const out = await sh(line);
      EXPECTED[index]?.(out);
    }
    // The execution deleted mid-run is gone; the others stay, each in its final phase.
    const phases = await sh("kubectl get drpe -o jsonpath='{range .items[*]}{.metadata.name}={.status.phase} {end}'");
    expect(phases.trim()).toBe('db-failover-exec-001=Succeeded db-failover-exec-002=Cancelled db-failover-revert-001=Succeeded');
  });

  it('watches with `get -w`, printing the Table header and a row per event', async () => {
    const child = spawn('bash', ['-c', TOUR[TOUR.length - 1] ?? ''], { cwd: ROOT, env: cluster.env });
    let out = '';
    const lines = new Promise<string[]>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const complete = out.split('\n').slice(0, -1);
        if (complete.length >= 3) resolve(complete);
      });
    });
    await sh(`kubectl annotate drpe db-failover-exec-001 note=watched`);
    const seen = await lines;
    child.kill();
    expect(seen[0]).toMatch(/^NAME\s+PLAN\s+OPERATION\s+PHASE\s+STARTED\s+COMPLETED\s+AGE$/);
    expect(seen.slice(1).join('\n')).toMatch(/^db-failover-exec-001\s+db-failover\s+Execute\s+Succeeded\s/m);
  });

  it('applies built-in kinds with a strategic merge patch that drops what the file dropped', async () => {
    const file = join(cluster.dir, 'cm.yaml');
    const write = (data: string) =>
      sh(`printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: settings\\ndata:\\n${data}' > ${file}`);
    await write('  a: "1"\\n  b: "2"\\n');
    expect(await sh(`kubectl apply -f ${file}`)).toBe('configmap/settings created\n');
    await write('  a: "1"\\n  c: "3"\\n');
    expect(await sh(`kubectl apply -f ${file}`)).toBe('configmap/settings configured\n');
    expect(await sh("kubectl get cm settings -o jsonpath='{.data}'")).toBe('{"a":"1","c":"3"}');
    expect(await sh('kubectl get crd -o name')).toContain('customresourcedefinition.apiextensions.k8s.io/drplans.dr.bkbcs.tencent.com');
  });

  it('is the tour the README shows', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    for (const line of TOUR) expect(readme).toContain(line);
  });
});
