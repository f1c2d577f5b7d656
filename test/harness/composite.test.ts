import { describe, expect, it } from 'vitest';
import { setup, widget } from './fixtures.js';

const FINALIZER = 'metacontroller.io/compositecontroller-widget';

describe('CompositeController', () => {
  it('adds its finalizer with a real write before the first hook call', async () => {
    const { h, hooks } = await setup();
    h.apply(widget('w1'));
    expect(hooks.requests).toHaveLength(0); // apply only records; settle reacts
    await h.settle();

    const firstSync = hooks.calls('/widget/sync')[0];
    expect(firstSync?.parent?.metadata.finalizers).toEqual([FINALIZER]);
    expect(firstSync?.finalizing).toBe(false);
    const events = h.events;
    expect(events.indexOf('finalizer-added Widget default/w1')).toBeGreaterThan(-1);
    expect(events.indexOf('finalizer-added Widget default/w1')).toBeLessThan(events.indexOf('sync widget default/w1'));
    // Hook URL = pathname of `url`, or `path` of a service-form webhook.
    expect(hooks.requests.map((r) => r.path)).toContain('/widget/customize');
  });

  it('creates children with owner reference, last-applied annotation and controller-uid, and deletes omitted ones', async () => {
    const { h, hooks } = await setup();
    const parent = h.apply(widget('w1', { replicas: 2 }));
    await h.settle();

    const configMaps = h.list('ConfigMap', 'default');
    expect(configMaps.map((c) => c.metadata.name)).toEqual(['w1-0', 'w1-1']);
    const child = configMaps[0];
    expect(child?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'test.example.com/v1',
        kind: 'Widget',
        name: 'w1',
        uid: parent.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(child?.metadata.labels).toEqual({ app: 'w1', 'controller-uid': parent.metadata.uid });
    const lastApplied: unknown = JSON.parse(child?.metadata.annotations?.['metacontroller.k8s.io/last-applied-configuration'] ?? 'null');
    expect(lastApplied).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'w1-0', namespace: 'default' }, data: { index: '0' } });

    // The next sync observes them under v2 keys; every child type is present even when empty.
    const last = hooks.calls('/widget/sync').at(-1);
    expect(Object.keys(last?.children?.['ConfigMap.v1'] ?? {})).toEqual(['default/w1-0', 'default/w1-1']);
    expect(last?.children?.['Job.batch/v1']).toEqual({});

    h.apply(widget('w1', { replicas: 1 }));
    await h.settle();
    expect(h.list('ConfigMap').map((c) => c.metadata.name)).toEqual(['w1-0']);
    expect(h.events).toContain('delete ConfigMap default/w1-1');
  });

  it('replaces status wholesale and injects observedGeneration', async () => {
    const { h, hooks } = await setup();
    h.apply(widget('w1', { replicas: 1 }));
    await h.settle();
    expect(h.get('Widget', 'default', 'w1')?.status).toEqual({ configMaps: 1, jobs: 0, observedGeneration: 1 });

    // Another writer's field disappears on the next sync: replace, not merge.
    h.updateStatus('Widget', 'default', 'w1', { configMaps: 1, jobs: 0, observedGeneration: 1, foreign: true });
    await h.settle();
    expect(h.get('Widget', 'default', 'w1')?.status).toEqual({ configMaps: 1, jobs: 0, observedGeneration: 1 });

    h.apply(widget('w1', { replicas: 1, color: 'red' }));
    await h.settle();
    const w = h.get('Widget', 'default', 'w1');
    expect(w?.metadata.generation).toBe(2);
    expect(w?.status).toEqual({ configMaps: 1, jobs: 0, observedGeneration: 2 });

    // A hook's own observedGeneration is overwritten; null status leaves only observedGeneration.
    hooks.on('/widget/sync', () => ({ status: null, children: [] }));
    h.annotate('Widget', 'default', 'w1', { poke: '1' });
    await h.settle();
    expect(h.get('Widget', 'default', 'w1')?.status).toEqual({ observedGeneration: 2 });
  });

  it('updates InPlace children and leaves OnDelete children alone', async () => {
    const { h } = await setup();
    h.apply(widget('w1', { replicas: 1, jobs: ['a'], deadline: 100 }));
    await h.settle();
    const jobBefore = h.get('Job', 'default', 'w1-a');

    h.apply(widget('w1', { replicas: 1, jobs: ['a'], deadline: 200, color: 'blue' }));
    await h.settle();
    expect(h.get('ConfigMap', 'default', 'w1-0')?.data).toEqual({ index: '0', color: 'blue' });
    expect(h.get('Job', 'default', 'w1-a')?.spec).toEqual(jobBefore?.spec);
  });

  it('calls finalize on deletion, keeps the parent until finalized, then garbage-collects children', async () => {
    const { h, hooks } = await setup();
    let done = false;
    hooks.on('/widget/finalize', () => ({ status: { finalizing: true }, children: [], resyncAfterSeconds: 5, finalized: done }));
    h.apply(widget('w1', { replicas: 2 }));
    await h.settle();

    h.delete('Widget', 'default', 'w1');
    await h.settle();
    const deleting = h.get('Widget', 'default', 'w1');
    expect(deleting?.metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(deleting?.metadata.finalizers).toEqual([FINALIZER]);
    expect(deleting?.status).toEqual({ finalizing: true, observedGeneration: 2 });
    expect(hooks.calls('/widget/finalize').every((r) => r.finalizing === true)).toBe(true);
    // Children returned by finalize are applied while the finalizer is held: here, none.
    expect(h.list('ConfigMap')).toEqual([]);

    done = true;
    await h.advance(5);
    expect(h.get('Widget', 'default', 'w1')).toBeUndefined();
    expect(h.events).toContain('finalizer-removed Widget default/w1');
    expect(h.events.at(-1)).toBe('delete Widget default/w1');
  });

  it('garbage-collects owned children when the parent is removed', async () => {
    const { h } = await setup();
    h.apply(widget('w1', { replicas: 2, jobs: ['a'] }));
    await h.settle();
    expect(h.list('ConfigMap')).toHaveLength(2);
    expect(h.list('Job')).toHaveLength(1);

    h.forceDelete('Widget', 'default', 'w1');
    expect(h.get('Widget', 'default', 'w1')).toBeUndefined();
    expect(h.list('ConfigMap')).toEqual([]);
    expect(h.list('Job')).toEqual([]);
    const tail = h.events.slice(-5);
    expect(tail).toEqual(expect.arrayContaining(['delete Widget default/w1', 'delete ConfigMap default/w1-0', 'delete Job default/w1-a']));
  });

  it('rejects a child whose labels do not match the generated selector', async () => {
    const { h, hooks } = await setup();
    hooks.on('/widget/sync', () => ({
      children: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { 'controller-uid': 'someone-else' } } }],
    }));
    h.apply(widget('w1'));
    await h.settle();
    expect(h.list('ConfigMap')).toEqual([]);
    expect(h.errors[0]?.message).toMatch(/don't match parent selector/);
  });
});

describe('resyncAfterSeconds', () => {
  it('schedules one-shot resyncs in fake time, earliest pending wins, advance() visits them in order', async () => {
    const { h, hooks } = await setup();
    const seen: string[] = [];
    hooks.on('/widget/sync', (req) => {
      const name = req.parent?.metadata.name ?? '';
      seen.push(`${h.now().toISOString().slice(11, 19)} ${name}`);
      const delay = name === 'w1' ? 30 : 20;
      return { status: {}, children: [], resyncAfterSeconds: delay };
    });
    h.apply(widget('w1'));
    h.apply(widget('w2'));
    await h.settle();
    seen.length = 0;

    await h.advance(19);
    expect(seen).toEqual([]);
    await h.advance(31);
    expect(seen).toEqual(['00:00:20 w2', '00:00:30 w1', '00:00:40 w2']);
    expect(h.now().toISOString()).toBe('2026-01-01T00:00:50.000Z');

    // A shorter request replaces a later pending one.
    hooks.on('/widget/sync', () => ({ status: {}, children: [], resyncAfterSeconds: 5 }));
    h.annotate('Widget', 'default', 'w1', { poke: '1' });
    await h.settle();
    seen.length = 0;
    hooks.on('/widget/sync', (req) => {
      seen.push(`${h.now().toISOString().slice(11, 19)} ${req.parent?.metadata.name ?? ''}`);
      return { status: {}, children: [] };
    });
    await h.advance(5);
    expect(seen).toEqual(['00:00:55 w1']);
  });
});
