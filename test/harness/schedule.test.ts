import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContractHarness, injectTransport, type Schedule } from '../../src/harness/index.js';
import { goDurationMs, webhookSettings } from '../../src/harness/schedule.js';
import { WorkQueue } from '../../src/harness/workqueue.js';
import { FakeHooks, gadget, setup, widget, writeManifests } from './fixtures.js';

const GADGETS = { apiVersion: 'test.example.com/v1', resource: 'gadgets' };

/** Resolves after `ms` of real time: a hook server that takes a while to answer. */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the realistic schedule', () => {
  it('replays exactly from its seed, and different seeds interleave differently', async () => {
    const timeline = async (seed: number): Promise<string[]> => {
      const { h, hooks } = await setup({ schedule: { seed, workers: 3, informerLag: 5 } });
      hooks.on('/widget/customize', (req) => ({
        relatedResources: [{ ...GADGETS, labelSelector: { matchLabels: { widget: req.parent?.metadata.name ?? '' } } }],
      }));
      for (const name of ['w1', 'w2', 'w3']) h.apply(widget(name, { replicas: 2 }));
      h.apply(gadget('g1', {}, { widget: 'w1' }));
      await h.settle();
      h.apply(gadget('g1', {}, { widget: 'w2' }));
      await h.step(7);
      h.apply(widget('w3', { replicas: 1 }));
      await h.settle();
      expect(h.list('ConfigMap').map((c) => c.metadata.name)).toEqual(['w1-0', 'w1-1', 'w2-0', 'w2-1', 'w3-0']);
      return [...h.events];
    };
    expect(await timeline(42)).toEqual(await timeline(42));
    const others = await Promise.all([1, 2, 3].map(timeline));
    expect(new Set([await timeline(42), ...others].map((events) => events.join('\n'))).size).toBeGreaterThan(1);
  });

  it('keeps up to `workers` syncs of a controller in flight, never two of one object', async () => {
    const observe = async (workers: number): Promise<number> => {
      const { h, hooks } = await setup({ schedule: { seed: 3, workers } });
      const inFlight = new Set<string>();
      let most = 0;
      hooks.on('/widget/sync', async (req) => {
        const name = req.parent?.metadata.name ?? '';
        expect(inFlight.has(name), `${name} synced twice at once`).toBe(false);
        inFlight.add(name);
        most = Math.max(most, inFlight.size);
        await sleep(5);
        inFlight.delete(name);
        return { status: { seen: true }, children: [] };
      });
      for (let n = 0; n < 8; n++) h.apply(widget(`w${n}`));
      await h.settle();
      for (let n = 0; n < 8; n++) h.annotate('Widget', 'default', `w${n}`, { poke: 'again' });
      await h.settle();
      return most;
    };
    expect(await observe(1)).toBe(1);
    const three = await observe(3);
    expect(three).toBeGreaterThan(1);
    expect(three).toBeLessThanOrEqual(3);
  });

  it('lets a hook see its parent as the informer has it: older than the store, even right after its own status write', async () => {
    const staleness = async (schedule: Schedule | undefined): Promise<number> => {
      const { h, hooks } = await setup(schedule === undefined ? {} : { schedule });
      let stale = 0;
      hooks.on('/widget/sync', (req) => {
        // Only this controller writes a Widget's status: a different one in the store is its own last write.
        const stored = h.get('Widget', 'default', req.parent?.metadata.name ?? '');
        if (JSON.stringify(stored?.status) !== JSON.stringify(req.parent?.status)) stale += 1;
        const configMaps = Object.keys(req.children?.['ConfigMap.v1'] ?? {}).length;
        return {
          status: { configMaps },
          children: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${req.parent?.metadata.name}-0` } }],
        };
      });
      for (let n = 0; n < 4; n++) h.apply(widget(`w${n}`));
      await h.settle();
      // Level-triggered: once settled, every status reflects the store.
      for (let n = 0; n < 4; n++) expect(h.get('Widget', 'default', `w${n}`)?.status).toMatchObject({ configMaps: 1 });
      return stale;
    };
    expect(await staleness(undefined)).toBe(0);
    const stale = await Promise.all([1, 2, 3, 4].map((seed) => staleness({ seed, informerLag: 6 })));
    expect(stale.some((n) => n > 0)).toBe(true);
  });

  it('fires event handlers when the informer applies a change: a held informer wakes nobody', async () => {
    const { h, hooks } = await setup({ schedule: { seed: 5 } });
    h.apply(gadget('g1'));
    await h.settle();
    const before = hooks.calls('/gadget/sync').length;
    h.holdInformer('Gadget');
    h.annotate('Gadget', 'default', 'g1', { note: 'x' });
    await h.settle();
    expect(hooks.calls('/gadget/sync')).toHaveLength(before);
    h.releaseInformer('Gadget');
    await h.settle();
    expect(hooks.calls('/gadget/sync').length).toBeGreaterThan(before);
    expect(hooks.calls('/gadget/sync').at(-1)?.object?.metadata.annotations).toMatchObject({ note: 'x' });
  });

  it('writes decorator labels with the cached resourceVersion: a conflict is dropped, not retried, and the watch event brings the next sync', async () => {
    const { h, hooks } = await setup({ schedule: { seed: 9 } });
    h.apply(gadget('g1'));
    await h.settle();
    hooks.on('/gadget/sync', () => ({ labels: { mirror: 'two' } }));
    h.holdInformer('Gadget');
    h.annotate('Gadget', 'default', 'g1', { note: 'newer than the cache' });
    const callsBefore = hooks.calls('/gadget/sync').length;
    await h.resyncAll();
    expect(hooks.calls('/gadget/sync')).toHaveLength(callsBefore + 1);
    expect(h.events.at(-1)).toBe('conflict Gadget default/g1');
    expect(h.get('Gadget', 'default', 'g1')?.metadata.labels?.mirror).toBeUndefined();
    expect(h.errors).toEqual([]);
    await h.advance(61);
    expect(hooks.calls('/gadget/sync')).toHaveLength(callsBefore + 1);

    h.releaseInformer('Gadget');
    await h.settle();
    expect(h.get('Gadget', 'default', 'g1')?.metadata.labels?.mirror).toBe('two');
  });

  it('updates an InPlace child with the cached resourceVersion: a stale child conflicts, the status is written all the same', async () => {
    const { h } = await setup({ schedule: { seed: 9, informerLag: 0 } });
    h.apply(widget('w1', { replicas: 1 }));
    await h.settle();
    h.holdInformer('ConfigMap');
    h.annotate('ConfigMap', 'default', 'w1-0', { note: 'newer than the cache' });
    h.apply(widget('w1', { replicas: 1, color: 'blue' }));
    await h.settle();
    expect(h.get('ConfigMap', 'default', 'w1-0')?.data).toMatchObject({ color: 'none' });
    expect(h.get('Widget', 'default', 'w1')?.status).toMatchObject({ configMaps: 1, observedGeneration: 2 });
    expect(h.errors.map((e) => ({ origin: e.origin, conflict: e.message.includes('the object has been modified') }))).toContainEqual({
      origin: 'api',
      conflict: true,
    });

    h.releaseInformer('ConfigMap');
    await h.advance(2);
    expect(h.get('ConfigMap', 'default', 'w1-0')?.data).toMatchObject({ color: 'blue' });
  });

  it('writes composite status on the live object and starts over when someone wrote in between', async () => {
    let conflicts = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { h, hooks } = await setup({ schedule: { seed, workers: 1, informerLag: 2 } });
      hooks.on('/widget/sync', (req) => ({ status: { poke: req.parent?.metadata.annotations?.poke ?? 'none' }, children: [] }));
      h.apply(widget('w1'));
      await h.settle();
      // A write between every two scheduler steps, each one a new status to write: some land
      // between a status GET and its PUT.
      let last = '';
      for (let n = 0; n < 40 && !h.events.includes('conflict status Widget default/w1'); n++) {
        last = String(n);
        h.annotate('Widget', 'default', 'w1', { poke: last });
        await h.step(1);
      }
      if (h.events.includes('conflict status Widget default/w1')) conflicts += 1;
      await h.settle();
      expect(h.get('Widget', 'default', 'w1')?.status).toEqual({ poke: last, observedGeneration: 1 });
      expect(h.errors).toEqual([]);
    }
    expect(conflicts).toBeGreaterThan(0);
  });

  it('re-syncs every parent each resync period of fake time', async () => {
    const { h, hooks } = await setup({ schedule: { seed: 2, resyncPeriodSeconds: 30 } });
    h.apply(widget('w1'));
    h.apply(widget('w2'));
    await h.settle();
    const before = hooks.calls('/widget/sync').length;
    await h.advance(65);
    expect(hooks.calls('/widget/sync').length - before).toBe(4);
    const resyncs = h.traffic().causes.filter((c) => c.cause === 'resync widget');
    expect(resyncs.map((c) => [c.at, c.hooks['widget/sync']?.calls])).toEqual([
      ['2026-01-01T00:00:30Z', 2],
      ['2026-01-01T00:01:00Z', 2],
    ]);
  });

  it('fails a hook that answers after its timeout, and retries it after a backoff', async () => {
    const { h, hooks } = await setup({ schedule: { seed: 4, hookTimeoutMs: 400 } });
    let calls = 0;
    hooks.on('/widget/sync', async () => {
      calls += 1;
      if (calls === 1) await sleep(1500);
      return { children: [] };
    });
    h.apply(widget('w1'));
    await h.settle();
    expect(h.errors[0]).toMatchObject({ controller: 'widget', hook: 'sync', statusCode: 0, origin: 'hook' });
    expect(h.errors[0]?.message).toMatch(/Client\.Timeout exceeded/);
    await h.advance(1);
    expect(h.errors).toHaveLength(1);
    expect(h.get('Widget', 'default', 'w1')?.status).toEqual({ observedGeneration: 1 });
  });

  it('reads each hook timeout and ETag setting from the controller object', () => {
    const controller = (webhook: Record<string, unknown>) =>
      ({
        object: { apiVersion: 'x', kind: 'CompositeController', metadata: { name: 'c' }, spec: { hooks: { sync: { webhook } } } },
      }) as never;
    expect(webhookSettings(controller({ timeout: '2s' }), 'sync', { seed: 0 })).toEqual({ timeoutMs: 2000 });
    expect(webhookSettings(controller({ timeout: 'soon' }), 'sync', { seed: 0 })).toEqual({ timeoutMs: 10_000 });
    expect(webhookSettings(controller({}), 'sync', { seed: 0, hookTimeoutMs: 5 })).toEqual({ timeoutMs: 5 });
    const etag = { enabled: true, cacheTimeoutSeconds: 600, cacheCleanupSeconds: 300 };
    expect(webhookSettings(controller({ etag }), 'sync', { seed: 0 })).toEqual({ timeoutMs: 10_000, etag: { ttlMs: 600_000 } });
    expect(webhookSettings(controller({ etag }), 'sync', { seed: 0, etag: false })).toEqual({ timeoutMs: 10_000 });
    expect([goDurationMs('1m30s'), goDurationMs('250ms'), goDurationMs('1.5h'), goDurationMs('10'), goDurationMs('0')]).toEqual([
      90_000,
      250,
      5_400_000,
      undefined,
      0,
    ]);
  });

  it('sends If-None-Match with the remembered ETag and takes a 304 as the remembered body', async () => {
    const dir = await writeManifests();
    const etag = '{ enabled: true, cacheTimeoutSeconds: 600, cacheCleanupSeconds: 300 }';
    await writeFile(
      join(dir, 'controllers', 'controllers.yml'),
      `apiVersion: metacontroller.k8s.io/v1alpha1
kind: CompositeController
metadata: { name: widget }
spec:
  generateSelector: true
  parentResource: { apiVersion: test.example.com/v1, resource: widgets }
  childResources: [{ apiVersion: v1, resource: configmaps }]
  hooks:
    sync: { version: v2, webhook: { path: /widget/sync, etag: ${etag} } }
`,
    );
    const hooks = new FakeHooks();
    const h = await ContractHarness.create({ manifestsDir: dir, transport: injectTransport(hooks.app), schedule: { seed: 1 } });
    const answer = { status: { fine: true }, children: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' } }] };
    hooks.on('/widget/sync', () => {
      const sent = hooks.requests.at(-1)?.headers['if-none-match'];
      return sent === '"v1"' ? { status: 304, headers: { etag: '"v1"' }, body: '' } : { headers: { etag: '"v1"' }, body: answer };
    });
    h.apply(widget('w1'));
    await h.settle();
    h.annotate('Widget', 'default', 'w1', { poke: '1' });
    await h.settle();
    const sent = hooks.requests.map((r) => r.headers['if-none-match']);
    expect(sent[0]).toBeUndefined();
    expect(sent.slice(1)).toContain('"v1"');
    expect(h.traffic().total.notModified).toBeGreaterThan(0);
    expect(h.errors).toEqual([]);
    expect(h.list('ConfigMap').map((c) => c.metadata.name)).toEqual(['kept']);
    expect(h.get('Widget', 'default', 'w1')?.status).toEqual({ fine: true, observedGeneration: 1 });
  });

  it('counts hook calls and request bytes per hook and per change: a relabelled object wakes the parents of its old and new labels, no others', async () => {
    const { h, hooks } = await setup({ schedule: { seed: 8, informerLag: 3 } });
    hooks.on('/widget/customize', (req) => ({
      relatedResources: [
        { ...GADGETS, labelSelector: { matchLabels: { team: (req.parent?.spec as { team?: string } | undefined)?.team ?? '' } } },
      ],
    }));
    for (const team of ['a', 'b', 'c']) h.apply(widget(`w-${team}`, { team }));
    h.apply(gadget('g1', {}, { team: 'a' }));
    await h.settle();
    h.resetTraffic();
    const from = hooks.requests.length;

    h.apply(gadget('g1', {}, { team: 'b' }));
    await h.settle();
    const traffic = h.traffic();
    const change = traffic.causes.find((c) => c.cause === 'labels Gadget default/g1');
    expect(change?.hooks['widget/sync']?.calls).toBe(2);
    const woken = hooks.requests
      .slice(from)
      .filter((r) => r.path === '/widget/sync')
      .map((r) => r.body.parent?.metadata.name);
    expect(woken.sort()).toEqual(['w-a', 'w-b']);
    const bytes = hooks.requests.slice(from).reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r.body)), 0);
    expect(traffic.total.requestBytes).toBe(bytes);
    expect(traffic.total.calls).toBe(hooks.requests.length - from);
    expect(traffic.hooks['gadget/sync']?.calls).toBe(1);
  });

  it('needs a schedule for partial runs', async () => {
    const { h } = await setup();
    await expect(h.step(1)).rejects.toThrow(/needs a schedule/);
    expect(() => h.holdInformer('Gadget')).toThrow(/needs a schedule/);
  });
});

describe('the work queue', () => {
  it('queues a key once, never hands out a key being processed, and queues it again when done', () => {
    const queue = new WorkQueue<string>({ next: 0 });
    queue.add('a', 'first');
    queue.add('a', 'second');
    queue.add('b', 'b');
    expect(queue.length).toBe(2);
    const a = queue.take();
    expect(a).toEqual({ key: 'a', item: 'first' });
    queue.add('a', 'while processing');
    expect(queue.take()).toEqual({ key: 'b', item: 'b' });
    expect(queue.take()).toBeUndefined();
    queue.done('a');
    expect(queue.take()).toEqual({ key: 'a', item: 'while processing' });
    expect(queue.busy).toBe(2);
  });
});
