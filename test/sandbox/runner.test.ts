import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlSandbox, type KubectlSandbox } from '../fixtures/sandbox.js';
import { httpServer, type TestServer } from '../runner/servers.js';

let cluster: KubectlSandbox;
let server: TestServer;
let sh: (line: string) => Promise<string>;

beforeAll(async () => {
  server = await httpServer((_request, _index, response) => response.writeHead(200).end('ok'));
  cluster = await kubectlSandbox('runner');
  sh = cluster.sh;
});
afterAll(async () => {
  await cluster.close();
  await server.close();
});

const RUNBOOK = (url: string) => `
apiVersion: dr.bkbcs.tencent.com/v1alpha1
kind: DRWorkflow
metadata: { name: announce, namespace: default }
spec:
  actions:
    - name: notify
      type: HTTP
      http: { url: "${url}/failover", method: POST, body: '{"to":"cluster-b"}' }
    - name: flag
      type: KubernetesResource
      resource:
        operation: Create
        manifest: |
          apiVersion: v1
          kind: ConfigMap
          metadata: { name: dr-flag }
          data: { active: cluster-b }
---
apiVersion: dr.bkbcs.tencent.com/v1alpha1
kind: DRPlan
metadata: { name: announce, namespace: default }
spec:
  stages:
    - name: main
      workflows: [{ workflowRef: { name: announce } }]
`;

// Each runner action starts a Node process against the sandbox's API.
describe('runner Jobs in the sandbox', { timeout: 120_000 }, () => {
  it('call the endpoint and create the object for real, then the Revert undoes the object', async () => {
    const file = join(cluster.dir, 'runbook.yaml');
    await writeFile(file, RUNBOOK(server.url));
    await sh(`kubectl apply -f ${file}`);
    await sh("kubectl wait --for=jsonpath='{.status.phase}'=Ready drp/announce");
    await sh(
      `kubectl create -f - <<< '{"apiVersion":"dr.bkbcs.tencent.com/v1alpha1","kind":"DRPlanExecution","metadata":{"name":"announce-1"},"spec":{"planRef":"announce","operationType":"Execute"}}'`,
    );
    await sh("kubectl wait --timeout=60s --for=jsonpath='{.status.phase}'=Succeeded drpe/announce-1");
    expect(server.received.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'POST', url: '/failover', body: '{"to":"cluster-b"}' },
    ]);
    expect(await sh("kubectl get cm dr-flag -o jsonpath='{.data.active}'")).toBe('cluster-b');
    expect(await sh('kubectl wait --for=condition=Complete drpe/announce-1')).toBe(
      'drplanexecution.dr.bkbcs.tencent.com/announce-1 condition met\n',
    );
    expect(await sh('kubectl get drpe announce-1 -o yaml')).toMatch(/^ {2}phase: Succeeded$/m);
    const json = JSON.parse(await sh('kubectl get drp announce -o json')) as { status: { lastExecutionRef: string } };
    expect(json.status.lastExecutionRef).toBe('announce-1');

    await sh(
      `kubectl create -f - <<< '{"apiVersion":"dr.bkbcs.tencent.com/v1alpha1","kind":"DRPlanExecution","metadata":{"name":"announce-undo"},"spec":{"planRef":"announce","operationType":"Revert","revertExecutionRef":"announce-1"}}'`,
    );
    await sh("kubectl wait --timeout=60s --for=jsonpath='{.status.phase}'=Succeeded drpe/announce-undo");
    expect(await sh('kubectl get cm -o name')).not.toContain('configmap/dr-flag');
  });
});
