import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HookTransport } from '../../src/harness/index.js';
import { buildApp } from '../../src/http/app.js';
import { samples, startCluster } from '../fixtures/cluster.js';
import { NAMESPACE } from '../fixtures/objects.js';
import { startServer, type ServerProcess } from '../fixtures/process.js';

/**
 * hooks/ holds one real request per hook, recorded from the sample runbook under the
 * contract harness, and the answer the hooks give to it at SAMPLE_NOW. They are replayed as
 * README's curl examples send them, to the server process with its fixed clock allowed and
 * `X-Drplan-Now: SAMPLE_NOW`, which keeps them true on any date;
 * `UPDATE_HOOK_SAMPLES=1 npx vitest run test/http/hook-samples.test.ts` records them again
 * after a deliberate change.
 */
const HOOKS = join(import.meta.dirname, '..', '..', 'hooks');
const SAMPLE_NOW = new Date('2026-01-01T00:01:00Z');
const fileFor = (path: string) => path.slice(1).replace('/', '-');

/** Which recorded call of each hook makes the most telling sample. */
const PICK: Record<
  string,
  (request: {
    parent?: { status?: Record<string, unknown> };
    object?: { status?: Record<string, unknown>; metadata?: { deletionTimestamp?: string } };
    children?: Record<string, Record<string, unknown>>;
    related?: Record<string, Record<string, unknown>>;
  }) => boolean
> = {
  '/drplan/sync': (r) => r.parent?.status?.['currentExecution'] !== undefined && Object.keys(r.children?.['Job.batch/v1'] ?? {}).length > 0,
  '/drplanexecution/sync': (r) => r.object?.status?.['phase'] === undefined,
  '/drplanexecution/finalize': (r) => r.object?.status?.['phase'] === 'Running',
  '/drworkflow/finalize': (r) => Object.keys(r.related?.['ConfigMap.v1'] ?? {}).length > 0,
};

async function record(): Promise<void> {
  const recorded = new Map<string, string>();
  const wrap =
    (inner: HookTransport): HookTransport =>
    async (path, body, headers) => {
      const pick = PICK[path];
      if (!recorded.has(path) || pick === undefined) {
        if (pick === undefined || pick(JSON.parse(body) as Parameters<typeof pick>[0])) recorded.set(path, body);
      }
      return inner(path, body, headers);
    };
  const cluster = await startCluster({
    wrap,
    kubelet: (job) =>
      job.metadata.labels?.['dr.bkbcs.tencent.com/action'] === 'promote-replica' ? { outcome: 'hold' } : { outcome: 'succeed' },
  });
  const { harness } = cluster;
  for (const object of samples('workflow.yaml', 'workflow-traffic.yaml', 'plan.yaml', 'execute.yaml')) harness.apply(object);
  await harness.settle();
  await harness.advance(20);
  harness.delete('DRPlanExecution', NAMESPACE, 'db-failover-exec-001');
  await harness.settle();
  harness.delete('DRWorkflow', NAMESPACE, 'failover-db');
  await harness.settle();
  harness.delete('DRPlan', NAMESPACE, 'db-failover');
  await harness.settle();
  await cluster.close();
  const app = buildApp({ clock: () => SAMPLE_NOW });
  for (const [path, body] of recorded) {
    const response = await app.inject({ method: 'POST', url: path, payload: body, headers: { 'content-type': 'application/json' } });
    writeFileSync(join(HOOKS, `${fileFor(path)}.request.json`), `${JSON.stringify(JSON.parse(body), null, 2)}\n`);
    writeFileSync(join(HOOKS, `${fileFor(path)}.response.json`), `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);
  }
  await app.close();
}

const requests = readdirSync(HOOKS)
  .filter((file) => file.endsWith('.request.json'))
  .sort();
/** `curl -s -H 'content-type: application/json' -H 'X-Drplan-Now: …' --data @hooks/<name>.request.json …/<hook>` */
const curlTo = (server: ServerProcess, name: string) =>
  request(server.url)
    .post(`/${name.replace('-', '/')}`)
    .set('content-type', 'application/json')
    .set('x-drplan-now', SAMPLE_NOW.toISOString())
    .send(readFileSync(join(HOOKS, `${name}.request.json`), 'utf8'));

describe('hooks/ samples', async () => {
  if (process.env['UPDATE_HOOK_SAMPLES']) await record();
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ HOOK_FIXED_CLOCK_ENABLED: 'true' });
  });
  afterAll(async () => {
    await server.stop();
  });
  const curl = (name: string) => curlTo(server, name);

  it('cover every hook', () => {
    expect(requests).toEqual([
      'drplan-customize.request.json',
      'drplan-finalize.request.json',
      'drplan-sync.request.json',
      'drplanexecution-customize.request.json',
      'drplanexecution-finalize.request.json',
      'drplanexecution-sync.request.json',
      'drworkflow-customize.request.json',
      'drworkflow-finalize.request.json',
      'drworkflow-sync.request.json',
    ]);
  });

  it.each(requests)('%s still gets its recorded response', async (file) => {
    const name = file.replace('.request.json', '');
    const response = await curl(name);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(JSON.parse(readFileSync(join(HOOKS, `${name}.response.json`), 'utf8')));
  });

  it("show what README's curl examples say they show", async () => {
    const planSync = (await curl('drplan-sync')).body as {
      status: { run: { phase: string } };
      children: { kind: string; metadata: { name: string } }[];
    };
    expect(planSync.status.run.phase).toBe('Running');
    const jobs = planSync.children.filter((child) => child.kind === 'Job').map((child) => child.metadata.name);
    expect(jobs).toEqual([expect.stringMatching(/^db-failover-exec-001-/)]);
    expect((await curl('drplanexecution-sync')).body).toMatchObject({
      labels: { 'dr.bkbcs.tencent.com/plan': 'db-failover' },
      status: { phase: 'Pending' },
    });
    expect((await curl('drplanexecution-finalize')).body).toMatchObject({ finalized: true, status: { phase: 'Cancelled' } });
  });
});

describe('hooks/ samples through a worker thread', () => {
  let inline: ServerProcess;
  let threaded: ServerProcess;
  beforeAll(async () => {
    [inline, threaded] = await Promise.all([
      startServer({ HOOK_FIXED_CLOCK_ENABLED: 'true', HOOK_WORKERS: '0' }),
      startServer({ HOOK_FIXED_CLOCK_ENABLED: 'true', HOOK_WORKERS: '1', HOOK_INLINE_MAX_BYTES: '0' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([inline.stop(), threaded.stop()]);
  });

  it.each(requests)('%s gets the same bytes and ETag from a worker thread as from the event loop', async (file) => {
    const name = file.replace('.request.json', '');
    const [onLoop, inWorker] = await Promise.all([curlTo(inline, name), curlTo(threaded, name)]);
    expect(inWorker.status).toBe(200);
    expect([inWorker.text, inWorker.headers['etag']]).toEqual([onLoop.text, onLoop.headers['etag']]);
  });

  it('refuses a request that is not a hook request in a worker thread as on the event loop', async () => {
    const send = (server: ServerProcess, body: string) =>
      request(server.url).post('/drplan/sync').set('content-type', 'application/json').send(body);
    for (const body of ['{"parent":', '{"children":{}}', '[]']) {
      const [onLoop, inWorker] = await Promise.all([send(inline, body), send(threaded, body)]);
      expect([inWorker.status, inWorker.text]).toEqual([400, onLoop.text]);
    }
  });
});
