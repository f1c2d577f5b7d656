import { describe, expect, it } from 'vitest';
import type { ContractHarness, KubeObject } from '../../src/harness/index.js';
import { setup, widget, type FakeHooks } from './fixtures.js';

function conditions(job: KubeObject | undefined): unknown[] {
  const status = job?.status;
  if (typeof status !== 'object' || status === null || !('conditions' in status)) return [];
  return Array.isArray(status.conditions) ? status.conditions : [];
}

describe('fake kubelet', () => {
  it('runs a new Job (active first, seen by the hook) and succeeds it by default', async () => {
    const { h, hooks } = await setup();
    h.apply(widget('w1', { jobs: ['a'] }));
    await h.settle();

    const job = h.get('Job', 'default', 'w1-a');
    const now = '2026-01-01T00:00:00Z';
    expect(job?.status).toEqual({
      startTime: now,
      completionTime: now,
      succeeded: 1,
      conditions: [
        {
          type: 'SuccessCriteriaMet',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
        {
          type: 'Complete',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
      ],
    });
    const sawActive = hooks.calls('/widget/sync').some((r) => {
      const observed = r.children?.['Job.batch/v1']?.['default/w1-a'];
      return JSON.stringify(observed?.status) === JSON.stringify({ active: 1, startTime: now });
    });
    expect(sawActive).toBe(true);
    expect(h.events).toContain('job-succeeded default/w1-a');
  });

  it('fails Jobs as the policy says', async () => {
    const { h } = await setup({ kubelet: () => ({ outcome: 'fail', message: 'exit code 3' }) });
    h.apply(widget('w1', { jobs: ['a'] }));
    await h.settle();
    const job = h.get('Job', 'default', 'w1-a');
    expect(job?.status).toMatchObject({ failed: 1, startTime: '2026-01-01T00:00:00Z' });
    expect(job?.status).not.toHaveProperty('completionTime');
    expect(job?.status).not.toHaveProperty('active');
    expect(conditions(job)).toEqual([
      {
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'exit code 3',
        lastProbeTime: '2026-01-01T00:00:00Z',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ]);
    expect(h.events).toContain('job-failed default/w1-a');
  });

  it('holds Jobs until told, through complete(), fail() or a new policy', async () => {
    const { h } = await setup({ kubelet: () => ({ outcome: 'hold' }) });
    h.apply(widget('w1', { jobs: ['a', 'b', 'c'] }));
    await h.settle();
    expect(h.list('Job').map((j) => j.status)).toEqual([
      { active: 1, startTime: '2026-01-01T00:00:00Z' },
      { active: 1, startTime: '2026-01-01T00:00:00Z' },
      { active: 1, startTime: '2026-01-01T00:00:00Z' },
    ]);

    await h.advance(10);
    h.kubelet.complete('default', 'w1-a');
    h.kubelet.fail('default', 'w1-b');
    await h.settle();
    expect(conditions(h.get('Job', 'default', 'w1-a'))).toContainEqual(
      expect.objectContaining({ type: 'Complete', lastTransitionTime: '2026-01-01T00:00:10Z' }),
    );
    expect(conditions(h.get('Job', 'default', 'w1-b'))).toContainEqual(
      expect.objectContaining({ type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }),
    );
    expect(() => h.kubelet.complete('default', 'w1-a')).toThrow(/already finished/);
    expect(h.get('Widget', 'default', 'w1')?.status).toMatchObject({ jobs: 3 });

    h.kubelet.policy = () => ({ outcome: 'succeed' });
    await h.settle();
    expect(conditions(h.get('Job', 'default', 'w1-c'))).toContainEqual(expect.objectContaining({ type: 'Complete' }));
  });

  it('fails an active Job at its activeDeadlineSeconds, stepping advance() to that instant', async () => {
    const { h } = await setup({ kubelet: () => ({ outcome: 'hold' }) });
    h.apply(widget('w1', { jobs: ['a'], deadline: 30 }));
    await h.settle();
    await h.advance(29);
    expect(conditions(h.get('Job', 'default', 'w1-a'))).toEqual([]);

    await h.advance(100);
    expect(h.now().toISOString()).toBe('2026-01-01T00:02:09.000Z');
    expect(conditions(h.get('Job', 'default', 'w1-a'))).toEqual([
      {
        type: 'Failed',
        status: 'True',
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline',
        lastProbeTime: '2026-01-01T00:00:30Z',
        lastTransitionTime: '2026-01-01T00:00:30Z',
      },
    ]);
  });
});

describe('fake kubelet running the runner', { timeout: 60_000 }, () => {
  const runnerJob = (name: string, kind: string, action: unknown) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 60,
      template: {
        metadata: { labels: { role: 'runner' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'runner',
              image: 'drplan-hooks:dev',
              args: ['dist/cli.js', 'run', kind],
              env: [
                { name: 'DRPLAN_ACTION', value: JSON.stringify(action) },
                { name: 'DRPLAN_NAMESPACE', value: 'default' },
              ],
            },
          ],
        },
      },
    },
  });

  function podOf(h: Awaited<ReturnType<typeof setup>>['h'], job: string): KubeObject | undefined {
    return h.list('Pod', 'default').find((pod) => pod.metadata.labels?.['job-name'] === job);
  }

  it('runs the runner against the harness API server and records its Pod and termination message', async () => {
    const { h, hooks } = await setup();
    const action = {
      name: 'cm',
      type: 'KubernetesResource',
      resource: { operation: 'Create', manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: made-by-runner}\n' },
    };
    hooks.on('/widget/sync', () => ({ status: {}, children: [runnerJob('w1-run', 'resource', action)] }));
    try {
      h.apply(widget('w1'));
      await h.settle();
      const made = h.get('ConfigMap', 'default', 'made-by-runner');
      expect(made).toBeDefined();
      const job = h.get('Job', 'default', 'w1-run');
      expect(conditions(job)).toContainEqual(expect.objectContaining({ type: 'Complete', status: 'True' }));
      const pod = podOf(h, 'w1-run');
      expect(pod?.metadata.labels).toMatchObject({ role: 'runner', 'job-name': 'w1-run', 'controller-uid': job?.metadata.uid });
      expect(pod?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'w1-run', uid: job?.metadata.uid, controller: true });
      expect(pod?.status).toMatchObject({
        phase: 'Succeeded',
        containerStatuses: [{ name: 'runner', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      });
      const status = pod?.status as { containerStatuses: { state: { terminated: { message: string } } }[] };
      expect(JSON.parse(status.containerStatuses[0]?.state.terminated.message ?? '')).toEqual({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'made-by-runner',
        uid: made?.metadata.uid,
      });
    } finally {
      await h.close();
    }
  });

  it('fails the Job when the runner fails, keeping its message on the Pod', async () => {
    const { h, hooks } = await setup();
    const action = { name: 'call', type: 'HTTP', retryPolicy: { limit: 0 }, http: { url: 'http://127.0.0.1:1/unreachable' } };
    hooks.on('/widget/sync', () => ({ status: {}, children: [runnerJob('w2-run', 'http', action)] }));
    h.apply(widget('w2'));
    await h.settle();
    const job = h.get('Job', 'default', 'w2-run');
    expect(conditions(job)).toContainEqual(expect.objectContaining({ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }));
    const pod = podOf(h, 'w2-run');
    expect(pod?.status).toMatchObject({
      phase: 'Failed',
      containerStatuses: [{ state: { terminated: { exitCode: 1, reason: 'Error' } } }],
    });
    const status = pod?.status as { containerStatuses: { state: { terminated: { message: string } } }[] };
    expect(JSON.parse(status.containerStatuses[0]?.state.terminated.message ?? '')).toEqual({
      message: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:1\/unreachable failed: .*ECONNREFUSED/),
    });
    expect(h.events).toContain('job-failed default/w2-run');
  });

  it('leaves other Jobs to the policy', async () => {
    const { h } = await setup({ kubelet: () => ({ outcome: 'hold' }) });
    h.apply(widget('w3', { jobs: ['plain'] }));
    await h.settle();
    expect(h.get('Job', 'default', 'w3-plain')?.status).toEqual({ active: 1, startTime: '2026-01-01T00:00:00Z' });
    expect(h.list('Pod', 'default')).toEqual([]);
  });

  it('asks the policy again when a hold ends: advance() stops there', async () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const { h } = await setup({
      kubelet: (_job, now) => (now < start + 5000 ? { outcome: 'hold', until: start + 5000 } : { outcome: 'succeed' }),
    });
    h.apply(widget('w1', { jobs: ['a'] }));
    await h.settle();
    expect(h.nextWakeup()).toBe(start + 5000);
    await h.advance(60);
    expect(h.get('Job', 'default', 'w1-a')?.status).toMatchObject({ succeeded: 1, completionTime: '2026-01-01T00:00:05Z' });
  });
});

describe('fake kubelet ending Jobs at once', () => {
  const jobStatuses = (h: ContractHarness) => h.events.filter((line) => line === 'status Job default/w1-a').length;

  it('writes one status that already says how the Job ended: the hook never sees it running', async () => {
    const apart = await setup();
    const atOnce = await setup({ endJobsAtOnce: true });
    for (const { h } of [apart, atOnce]) {
      h.apply(widget('w1', { jobs: ['a'] }));
      await h.settle();
    }
    expect(atOnce.h.get('Job', 'default', 'w1-a')?.status).toEqual(apart.h.get('Job', 'default', 'w1-a')?.status);
    expect([jobStatuses(apart.h), jobStatuses(atOnce.h)]).toEqual([2, 1]);
    const running = (hooks: FakeHooks) =>
      hooks
        .calls('/widget/sync')
        .filter((r) => JSON.stringify(r.children?.['Job.batch/v1']?.['default/w1-a']?.status ?? {}).includes('"active":1')).length;
    expect([running(apart.hooks) > 0, running(atOnce.hooks)]).toEqual([true, 0]);
  });

  it('fails a Job in its first status as the policy says', async () => {
    const { h } = await setup({ endJobsAtOnce: true, kubelet: () => ({ outcome: 'fail', message: 'exit code 3' }) });
    h.apply(widget('w1', { jobs: ['a'] }));
    await h.settle();
    expect(h.get('Job', 'default', 'w1-a')?.status).toMatchObject({ failed: 1, startTime: '2026-01-01T00:00:00Z' });
    expect(jobStatuses(h)).toBe(1);
  });

  it('shows a held Job running, and keeps the hold', async () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const { h } = await setup({
      endJobsAtOnce: true,
      kubelet: (_job, now) => (now < start + 5000 ? { outcome: 'hold', until: start + 5000 } : { outcome: 'succeed' }),
    });
    h.apply(widget('w1', { jobs: ['a'] }));
    await h.settle();
    expect(h.get('Job', 'default', 'w1-a')?.status).toEqual({ active: 1, startTime: '2026-01-01T00:00:00Z' });
    expect(h.nextWakeup()).toBe(start + 5000);
    await h.advance(60);
    expect(h.get('Job', 'default', 'w1-a')?.status).toMatchObject({ succeeded: 1, completionTime: '2026-01-01T00:00:05Z' });
  });
});

describe('fake kubelet taking its round after every sync', () => {
  /** The status of Job w1-a in the first widget sync that shows the Job. */
  const firstSeen = (hooks: FakeHooks) =>
    hooks.calls('/widget/sync').flatMap((r) => {
      const job = r.children?.['Job.batch/v1']?.['default/w1-a'];
      return job === undefined ? [] : [job.status ?? {}];
    })[0];

  it('runs Jobs while the controllers work through their queue: the hook may first see a Job ended', async () => {
    const idle = await setup({ endJobsAtOnce: true });
    const busy = await setup({ endJobsAtOnce: true, kubeletEverySync: true });
    for (const { h } of [idle, busy]) {
      h.apply(widget('w1', { jobs: ['a'] }));
      await h.settle();
    }
    expect(firstSeen(idle.hooks)).toEqual({});
    expect(firstSeen(busy.hooks)).toMatchObject({ succeeded: 1 });
    expect(busy.h.get('Job', 'default', 'w1-a')?.status).toEqual(idle.h.get('Job', 'default', 'w1-a')?.status);
  });

  it('is refused under a schedule, whose workers already run alongside the kubelet', async () => {
    await expect(setup({ kubeletEverySync: true, schedule: { seed: 1 } })).rejects.toThrow(/kubeletEverySync/);
  });
});
