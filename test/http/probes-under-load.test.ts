import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../fixtures/process.js';

/**
 * The real process while large hook calls are in flight: the calls run in worker threads, so
 * the probes the kubelet sends keep answering at once, and what the workers cannot take is
 * answered 429 with Retry-After (which Metacontroller honours), never an error or a crash.
 */
const ACTIONS = 60_000;
const workflowSync = JSON.stringify({
  object: {
    apiVersion: 'dr.bkbcs.tencent.com/v1alpha1',
    kind: 'DRWorkflow',
    metadata: { name: 'wide', namespace: 'default', uid: 'uid-wide', generation: 1 },
    spec: { actions: Array.from({ length: ACTIONS }, (_, index) => ({ name: `a${index}`, type: 'Job', job: { template: { spec: {} } } })) },
  },
  attachments: {},
  related: {},
});

const post = (server: ServerProcess) =>
  fetch(`${server.url}/drworkflow/sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: workflowSync }).then(
    async (response) => ({
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      text: await response.text(),
    }),
  );

/** Milliseconds of each probe answered while `busy` is pending, probing every 25 ms. */
async function probeWhile(server: ServerProcess, busy: Promise<unknown>): Promise<number[]> {
  let done = false;
  void busy.finally(() => (done = true));
  const latencies: number[] = [];
  for (let turn = 0; !done; turn++) {
    const started = performance.now();
    const response = await fetch(`${server.url}/${turn % 2 === 0 ? 'healthz' : 'readyz'}`);
    expect(response.status).toBe(200);
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return latencies;
}

describe('probes under load', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ HOOK_WORKERS: '2', HOOK_QUEUE_LIMIT: '2' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it(`answers /healthz and /readyz within a second while 8 workflow syncs of ${ACTIONS} actions are in flight; each call gets 200 or 429`, async () => {
    const calls = Promise.all(Array.from({ length: 8 }, () => post(server)));
    const latencies = await probeWhile(server, calls);
    const answers = await calls;
    expect(latencies.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    for (const answer of answers) {
      if (answer.status === 429) expect([answer.retryAfter, answer.text]).toEqual(['2', 'overloaded (hookQueue); retry after 2s']);
      else expect(answer.status).toBe(200);
    }
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(server.child.exitCode).toBeNull();
  });
});

describe('a full queue', () => {
  it('answers 429 with Retry-After to a call no worker can take, and serves the next once one is free', async () => {
    const server = await startServer({ HOOK_WORKERS: '1', HOOK_QUEUE_LIMIT: '0', OVERLOAD_RETRY_AFTER_SECONDS: '5' });
    try {
      const answers = await Promise.all([post(server), post(server)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 429]);
      expect(answers.find((answer) => answer.status === 429)).toMatchObject({
        retryAfter: '5',
        text: 'overloaded (hookQueue); retry after 5s',
      });
      expect((await post(server)).status).toBe(200);
      const lines = await server.linesWhen((line) => line['pressure'] === 'hookQueue');
      expect(lines).toContainEqual(
        expect.objectContaining({ msg: 'overloaded: hook request shed', hook: 'drworkflow.sync', pressure: 'hookQueue' }),
      );
    } finally {
      await server.stop();
    }
  });
});

/** Sends the headers of a `declaredBytes` call and only its first kilobyte; resolves with the answer's status. */
function startCall(server: ServerProcess, declaredBytes: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const call = http.request(
      `${server.url}/drworkflow/sync`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': declaredBytes } },
      (response) => {
        resolve(response.statusCode);
        call.destroy();
      },
    );
    call.on('error', reject);
    call.write('{'.padEnd(1024, ' '));
  });
}

it('refuses a large call no worker can take before its body has arrived, and counts the busy workers', async () => {
  const server = await startServer({ HOOK_WORKERS: '1', HOOK_QUEUE_LIMIT: '0' });
  const metric = async (name: string) =>
    Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);
  try {
    const busy = post(server);
    await expect.poll(() => metric('drplan_hook_workers_busy'), { interval: 5, timeout: 5000 }).toBe(1);
    expect(await startCall(server, 1024 * 1024)).toBe(429);
    expect((await busy).status).toBe(200);
    expect(await metric('drplan_hook_workers_busy')).toBe(0);
    expect(await metric('drplan_hook_queue_length')).toBe(0);
  } finally {
    await server.stop();
  }
});
