import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError, type KubeObject } from '../../src/harness/index.js';
import { gadget, setup, widget } from './fixtures.js';
import { FakeClock } from '../../src/harness/clock.js';
import { EventLog } from '../../src/harness/events.js';
import { buildResourceTable } from '../../src/harness/resources.js';
import { Store } from '../../src/harness/store.js';
import { CarriedLists } from '../../src/harness/carried.js';
import { observedChildren } from '../../src/harness/children.js';
import { ruleMatches, selectRelated } from '../../src/harness/related.js';
import type { RelatedRule } from '../../src/harness/responses.js';

function configMap(name: string, metadata: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...metadata }, data: { a: '1' } };
}

/** Creates or updates one ConfigMap with `metadata` merged in, or deletes it (`undefined`); says which it did. */
function writeConfigMap(
  store: Store,
  namespace: string,
  name: string,
  metadata: Partial<KubeObject['metadata']> | undefined,
): 'created' | 'updated' | 'deleted' | 'none' {
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name };
  const stored = store.get(ref);
  if (metadata === undefined) {
    if (stored === undefined) return 'none';
    store.delete(ref);
    return 'deleted';
  }
  if (stored === undefined) {
    store.create(configMap(name, { namespace, ...metadata }));
    return 'created';
  }
  store.update({ ...stored, metadata: { ...stored.metadata, ...metadata } });
  return 'updated';
}

describe('fake API server', () => {
  it('assigns uid, creationTimestamp, resourceVersion and generation on create', async () => {
    const { h } = await setup({ start: new Date('2030-05-06T07:08:09.500Z') });
    const a = h.apply(configMap('a'));
    const b = h.apply(configMap('b'));
    expect(a.metadata).toMatchObject({ uid: 'uid-0001', creationTimestamp: '2030-05-06T07:08:09Z', generation: 1 });
    expect(b.metadata.uid).toBe('uid-0002');
    expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    expect(h.now().toISOString()).toBe('2030-05-06T07:08:09.500Z');
    expect(h.events).toEqual(['create ConfigMap default/a', 'create ConfigMap default/b']);
  });

  it('bumps generation on spec changes only, keeps status and hook labels on apply, ignores no-op writes', async () => {
    const { h } = await setup();
    h.apply(gadget('g1', { size: 1 }, { mine: 'yes' }));
    await h.settle(); // the decorator adds gadget.test/seen
    h.updateStatus('Gadget', 'default', 'g1', { phase: 'Ready' });
    const afterStatus = h.get('Gadget', 'default', 'g1');
    expect(afterStatus?.metadata.generation).toBe(1);

    const eventsBefore = h.events.length;
    const same = h.apply(gadget('g1', { size: 1 }, { mine: 'yes' }));
    expect(same.metadata.resourceVersion).toBe(afterStatus?.metadata.resourceVersion);
    expect(h.events).toHaveLength(eventsBefore);

    const relabelled = h.apply(gadget('g1', { size: 1 }, { other: 'x' }));
    expect(relabelled.metadata.labels).toEqual({ other: 'x', 'gadget.test/seen': 'yes' });
    expect(relabelled.status).toEqual({ phase: 'Ready' });
    expect(relabelled.metadata.generation).toBe(1);

    h.apply(widget('w1', { replicas: 0 }));
    expect(h.apply(widget('w1', { replicas: 3 })).metadata.generation).toBe(2);
  });

  it('rejects spec changes when the CRD has the CEL rule self == oldSelf', async () => {
    const { h } = await setup();
    h.apply(gadget('g1', { size: 1 }));
    expect(() => h.apply(gadget('g1', { size: 2 }))).toThrow(/spec is immutable/);
    expect(h.get('Gadget', 'default', 'g1')?.spec).toEqual({ size: 1 });
    expect(() => h.apply(gadget('g1', { size: 1 }, { label: 'ok' }))).not.toThrow();
    // Widgets have no such rule.
    h.apply(widget('w1'));
    expect(() => h.apply(widget('w1', { replicas: 2 }))).not.toThrow();
  });

  it('keeps a deleted object with finalizers until they are gone, and forbids new ones meanwhile', async () => {
    const { h } = await setup();
    h.apply(configMap('plain'));
    h.delete('ConfigMap', 'default', 'plain');
    expect(h.get('ConfigMap', 'default', 'plain')).toBeUndefined();

    h.apply(configMap('held', { finalizers: ['test/hold'] }));
    h.delete('ConfigMap', 'default', 'held');
    const held = h.get('ConfigMap', 'default', 'held');
    expect(held?.metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(held?.metadata.generation).toBe(2);
    expect(() => h.apply(configMap('held', { finalizers: ['test/hold', 'test/more'] }))).toThrow(/no new finalizers/);

    h.forceDelete('ConfigMap', 'default', 'held');
    expect(h.get('ConfigMap', 'default', 'held')).toBeUndefined();
    expect(h.events.slice(-3)).toEqual([
      'deleting ConfigMap default/held',
      'finalizer-removed ConfigMap default/held',
      'delete ConfigMap default/held',
    ]);
    expect(() => h.delete('ConfigMap', 'default', 'held')).toThrow(ApiError);
  });

  it('garbage-collects dependents recursively and only drops a dead owner when others remain', async () => {
    const { h } = await setup();
    const ref = (o: KubeObject): NonNullable<KubeObject['metadata']['ownerReferences']>[number] => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: o.metadata.name,
      uid: o.metadata.uid ?? '',
    });
    const a = h.apply(configMap('a'));
    const b = h.apply(configMap('b', { ownerReferences: [ref(a)] }));
    h.apply(configMap('c', { ownerReferences: [ref(b)] }));
    const e = h.apply(configMap('e'));
    h.apply(configMap('d', { ownerReferences: [ref(a), ref(e)] }));

    h.delete('ConfigMap', 'default', 'a');
    expect(h.list('ConfigMap').map((o) => o.metadata.name)).toEqual(['d', 'e']);
    expect(h.get('ConfigMap', 'default', 'd')?.metadata.ownerReferences).toEqual([ref(e)]);
  });

  it('validates names and labels like the API server', async () => {
    const { h } = await setup();
    const long = 'x'.repeat(64);
    expect(() => h.apply({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: long }, spec: {} })).toThrow(/RFC 1123 label/);
    expect(() => h.apply(configMap('Upper'))).toThrow(/RFC 1123 subdomain/);
    expect(() => h.apply(configMap('ok', { labels: { k: long } }))).toThrow(/label value/);
    expect(() => h.apply({ apiVersion: 'nope/v1', kind: 'Thing', metadata: { name: 'x' } })).toThrow(/no matches for kind/);
  });
});

describe('listing', () => {
  it('lists a type in the same order whatever came, changed and went before, each object as last written', async () => {
    const { h } = await setup();
    const name = fc.constantFrom('a', 'b', 'b-1', 'b-10', 'b-2', 'b.1', 'step-9', 'step-10', 'x.y', '0a');
    const write = fc.constantFrom('create', 'update', 'delete');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(write, name), { maxLength: 30 }), async (steps) => {
        // Listed once first, so later changes meet the sorted list the store keeps.
        h.list('ConfigMap', 'default');
        const written = new Map<string, number>();
        steps.forEach(([kind, which], step) => {
          const exists = h.get('ConfigMap', 'default', which) !== undefined;
          if (kind === 'delete') {
            if (exists) h.delete('ConfigMap', 'default', which);
            written.delete(which);
            return;
          }
          if (kind === 'update' && !exists) return;
          h.apply({ ...configMap(which), data: { step: String(step) } });
          written.set(which, step);
        });
        const listed = h.list('ConfigMap', 'default');
        const names = listed.map((object) => object.metadata.name);
        expect(names).toEqual([...written.keys()].sort((a, b) => `default|${a}`.localeCompare(`default|${b}`)));
        expect(listed.map((object) => (object as { data?: { step?: string } }).data?.step)).toEqual(
          names.map((which) => String(written.get(which))),
        );
        for (const left of names) h.delete('ConfigMap', 'default', left);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a view of the objects passing a filter as they are created, changed and removed, in list order', () => {
    const store = new Store(buildResourceTable([]), new FakeClock(new Date(0)), new EventLog(), () => undefined);
    const type = store.typeOf('v1', 'ConfigMap');
    const marked = (object: Readonly<KubeObject>) => object.metadata.labels?.['marked'] === 'yes';
    const name = fc.constantFrom('a', 'b', 'b-1', 'b.1', 'step-9', 'step-10');
    const write = fc.constantFrom('mark', 'unmark', 'delete');
    store.create(configMap('before', { labels: { marked: 'yes' } }));
    const view = store.view(type, marked);
    fc.assert(
      fc.property(fc.array(fc.tuple(write, name), { maxLength: 30 }), (steps) => {
        for (const [kind, which] of steps) {
          const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: which };
          const stored = store.get(ref);
          if (kind === 'delete') {
            if (stored !== undefined) store.delete(ref);
            continue;
          }
          const labels = { marked: kind === 'mark' ? 'yes' : 'no' };
          if (stored === undefined) store.create(configMap(which, { labels }));
          else store.update({ ...stored, metadata: { ...stored.metadata, labels } });
        }
        expect(view()).toEqual(store.list(type, undefined, marked));
      }),
      { numRuns: 100 },
    );
  });

  it("lists a type as one frozen list until a write, peeks at it in creation order, and finds a parent's children in it as a filter would", () => {
    const store = new Store(buildResourceTable([]), new FakeClock(new Date(0)), new EventLog(), () => undefined);
    const type = store.typeOf('v1', 'ConfigMap');
    const carried = new CarriedLists();
    const parents = ['p1', 'p2'].flatMap((uid) =>
      ['default', 'other'].map((namespace): KubeObject => ({ apiVersion: 'v1', kind: 'Parent', metadata: { name: uid, namespace, uid } })),
    );
    const owner = (uid: string) => [{ apiVersion: 'v1', kind: 'Parent', name: uid, uid, controller: true }];
    const created: string[] = [];
    const step = fc.record({
      name: fc.constantFrom('a', 'b', 'b-1', 'step-9', 'step-10'),
      namespace: fc.constantFrom('default', 'other'),
      write: fc.constantFrom('p1', 'p2', 'none', 'delete'),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        for (const { name, namespace, write } of steps) {
          const metadata = write === 'delete' ? undefined : { ownerReferences: write === 'none' ? [] : owner(write) };
          const done = writeConfigMap(store, namespace, name, metadata);
          if (done === 'created') created.push(`${namespace}/${name}`);
          if (done === 'deleted') created.splice(created.indexOf(`${namespace}/${name}`), 1);
          // Peeked in the order they were created, whatever was written since.
          expect(store.peek(type).map((object) => `${object.metadata.namespace}/${object.metadata.name}`)).toEqual(created);
          const listed = store.listed(type);
          expect(Object.isFrozen(listed)).toBe(true);
          expect(store.listed(type)).toBe(listed);
          expect(listed).toEqual(store.list(type));
          for (const parent of parents) {
            const [group] = observedChildren(store, carried, parent, [{ type, method: 'OnDelete' }]);
            const owned = (object: Readonly<KubeObject>) => object.metadata.ownerReferences?.[0]?.uid === parent.metadata.uid;
            expect(group?.objects).toEqual(store.list(type, parent.metadata.namespace, owned));
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it("selects a parent's related objects from one listing to the next as its rules would, one by one", () => {
    const store = new Store(buildResourceTable([]), new FakeClock(new Date(0)), new EventLog(), () => undefined);
    const type = store.typeOf('v1', 'ConfigMap');
    const lists = new CarriedLists();
    const parent: KubeObject = { apiVersion: 'v1', kind: 'Parent', metadata: { name: 'p', namespace: 'default', uid: 'p' } };
    const scope = { parent, parentNamespaced: true, version: 'v2' as const, store, resources: buildResourceTable([]) };
    const rules: RelatedRule[][] = [
      [{ apiVersion: 'v1', resource: 'configmaps', labelSelector: { matchLabels: { team: 'a' } } }],
      [{ apiVersion: 'v1', resource: 'configmaps', namespace: 'other', names: ['b', 'step-9'] }],
      [
        { apiVersion: 'v1', resource: 'configmaps', labelSelector: { matchLabels: { team: 'b' } } },
        {
          apiVersion: 'v1',
          resource: 'configmaps',
          namespace: 'default',
          labelSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] },
        },
      ],
    ];
    const step = fc.record({
      name: fc.constantFrom('a', 'b', 'step-9', 'step-10'),
      namespace: fc.constantFrom('default', 'other'),
      team: fc.constantFrom('a', 'b', 'none', 'delete'),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        for (const { name, namespace, team } of steps) {
          writeConfigMap(store, namespace, name, team === 'delete' ? undefined : { labels: team === 'none' ? {} : { team } });
          rules.forEach((ruleSet, index) => {
            const [group] = selectRelated(ruleSet, scope, { lists, key: String(index) });
            const expected = new Map<string, KubeObject>();
            for (const rule of ruleSet) {
              for (const object of store.list(type, undefined, (candidate) => ruleMatches(rule, candidate, scope))) {
                if (!expected.has(object.metadata.uid ?? '')) expected.set(object.metadata.uid ?? '', object);
              }
            }
            expect(group?.objects).toEqual([...expected.values()]);
          });
        }
      }),
      { numRuns: 100 },
    );
  });
});
