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
  fetch(`${server.url}/drworkflow/sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: workflowSync }).then(async (response) => ({
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    text: await response.text(),
  }));

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
      expect(answers.find((answer) => answer.status === 429)).toMatchObject({ retryAfter: '5', text: 'overloaded (hookQueue); retry after 5s' });
      expect((await post(server)).status).toBe(200);
      const lines = await server.linesWhen((line) => line['pressure'] === 'hookQueue');
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'overloaded: hook request shed', hook: 'drworkflow.sync', pressure: 'hookQueue' }));
    } finally {
      await server.stop();
    }
  });
});
