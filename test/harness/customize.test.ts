import { describe, expect, it } from 'vitest';
import { matchesSelector } from '../../src/harness/index.js';
import { gadget, setup, widget } from './fixtures.js';
import { FakeClock } from '../../src/harness/clock.js';
import { EventLog } from '../../src/harness/events.js';
import { ruleMatches } from '../../src/harness/related.js';
import { buildResourceTable } from '../../src/harness/resources.js';
import { Store } from '../../src/harness/store.js';
import { parseController } from '../../src/harness/controllers.js';
import { manages } from '../../src/harness/targets.js';
import type { KubeObject } from '../../src/harness/types.js';
import { deepFreeze } from '../../src/shared/frozen.js';

const GADGETS = { apiVersion: 'test.example.com/v1', resource: 'gadgets' };

describe('customize and related objects', () => {
  it('caches rules per generation and keys related objects by Kind.apiVersion and ns/name', async () => {
    const { h, hooks } = await setup();
    hooks.on('/widget/customize', (req) => ({
      relatedResources: [
        { ...GADGETS, labelSelector: { matchLabels: { widget: req.parent?.metadata.name ?? '' } } },
        { apiVersion: 'v1', resource: 'configmaps', namespace: 'other', names: ['shared'] },
      ],
    }));
    h.apply(gadget('g1', {}, { widget: 'w1' }));
    h.apply(gadget('elsewhere', {}, { widget: 'w2' }));
    h.apply(widget('w1'));
    await h.settle();

    const related = hooks.calls('/widget/sync').at(-1)?.related;
    expect(Object.keys(related ?? {}).sort()).toEqual(['ConfigMap.v1', 'Gadget.test.example.com/v1']);
    expect(Object.keys(related?.['Gadget.test.example.com/v1'] ?? {})).toEqual(['default/g1']);
    expect(related?.['ConfigMap.v1']).toEqual({});
    expect(hooks.calls('/widget/customize')).toHaveLength(1);

    // Metadata-only edits keep the generation, so the cached answer is reused.
    h.annotate('Widget', 'default', 'w1', { note: 'x' });
    await h.settle();
    expect(hooks.calls('/widget/customize')).toHaveLength(1);

    h.apply(widget('w1', { replicas: 1 }));
    await h.settle();
    expect(hooks.calls('/widget/customize')).toHaveLength(2);
  });

  it('wakes the parents whose rules match a changed object, and only those', async () => {
    const { h, hooks } = await setup();
    hooks.on('/widget/customize', (req) => ({
      relatedResources: [
        { ...GADGETS, labelSelector: { matchLabels: { widget: req.parent?.metadata.name ?? '' } } },
        { apiVersion: 'v1', resource: 'configmaps', namespace: 'other', names: ['shared'] },
      ],
    }));
    h.apply(widget('w1'));
    h.apply(widget('w2'));
    await h.settle();
    const syncsOf = (name: string): number => hooks.calls('/widget/sync').filter((r) => r.parent?.metadata.name === name).length;
    const [w1Before, w2Before] = [syncsOf('w1'), syncsOf('w2')];

    h.apply(gadget('g1', {}, { widget: 'w1' }));
    await h.settle();
    expect(syncsOf('w1')).toBeGreaterThan(w1Before);
    expect(syncsOf('w2')).toBe(w2Before);
    expect(Object.keys(hooks.calls('/widget/sync').at(-1)?.related?.['Gadget.test.example.com/v1'] ?? {})).toEqual(['default/g1']);

    // The old version counts too: relabelling away from w1 wakes w1 so it sees the loss.
    const w1Mid = syncsOf('w1');
    h.apply(gadget('g1', {}, { widget: 'w2' }));
    await h.settle();
    expect(syncsOf('w1')).toBeGreaterThan(w1Mid);
    expect(syncsOf('w2')).toBeGreaterThan(w2Before);

    // Cross-namespace by name (v2): both widgets asked for other/shared.
    const [a, b] = [syncsOf('w1'), syncsOf('w2')];
    h.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'other' }, data: {} });
    await h.settle();
    expect(syncsOf('w1')).toBe(a + 1);
    expect(syncsOf('w2')).toBe(b + 1);
    expect(Object.keys(hooks.calls('/widget/sync').at(-1)?.related?.['ConfigMap.v1'] ?? {})).toEqual(['other/shared']);
  });

  it('selects by namespaceSelector and by matchExpressions', async () => {
    const { h, hooks } = await setup();
    hooks.on('/widget/customize', () => ({
      relatedResources: [
        { ...GADGETS, namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }] } },
        {
          apiVersion: 'v1',
          resource: 'configmaps',
          labelSelector: {
            matchExpressions: [
              { key: 'tier', operator: 'NotIn', values: ['gold'] },
              { key: 'skip', operator: 'DoesNotExist' },
              { key: 'pick', operator: 'Exists' },
            ],
          },
        },
      ],
    }));
    h.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { team: 'a' } } });
    h.apply({ ...gadget('ga'), metadata: { name: 'ga', namespace: 'team-a' } });
    h.apply({ ...gadget('gb'), metadata: { name: 'gb', namespace: 'team-b' } });
    const cm = (name: string, labels: Record<string, string>): void => {
      h.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'x', labels } });
    };
    cm('plain', { pick: '1' });
    cm('silver', { pick: '1', tier: 'silver' });
    cm('gold', { pick: '1', tier: 'gold' });
    cm('skipped', { pick: '1', skip: 'y' });
    cm('unpicked', {});
    h.apply(widget('w1'));
    await h.settle();

    const related = hooks.calls('/widget/sync').at(-1)?.related;
    expect(Object.keys(related?.['Gadget.test.example.com/v1'] ?? {})).toEqual(['team-a/ga']);
    expect(Object.keys(related?.['ConfigMap.v1'] ?? {}).sort()).toEqual(['x/plain', 'x/silver']);
  });

  it('reports a rule that mixes names with a selector as a sync error', async () => {
    const { h, hooks } = await setup();
    hooks.on('/widget/customize', () => ({ relatedResources: [{ ...GADGETS, names: ['a'], labelSelector: {} }] }));
    h.apply(widget('w1'));
    await h.settle();
    expect(hooks.calls('/widget/sync')).toHaveLength(0);
    expect(h.errors[0]?.controller).toBe('widget');
    expect(h.errors[0]?.message).toMatch(/cannot have both names and labelSelector/);
  });

  it('matches label selectors with Kubernetes semantics', () => {
    expect(matchesSelector({}, undefined)).toBe(true);
    expect(matchesSelector({ matchLabels: { a: '1' } }, { a: '1', b: '2' })).toBe(true);
    expect(matchesSelector({ matchLabels: { a: '1' } }, { a: '2' })).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {})).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, {})).toBe(false);
  });

  it('tries a rule on an object of its own type only: a broken rule for another type neither matches nor throws', () => {
    const resources = buildResourceTable([]);
    const store = new Store(resources, new FakeClock(new Date(0)), new EventLog(), () => undefined);
    const parent = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p', namespace: 'x', uid: 'u' } };
    const scope = { parent, parentNamespaced: true, version: 'v1' as const, store, resources };
    const broken = { apiVersion: 'v1', resource: 'configmaps', names: ['a'], labelSelector: {} };
    const pods = { apiVersion: 'v1', resource: 'pods', labelSelector: { matchLabels: { app: 'x' } } };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'x', labels: { app: 'x' } } };
    expect([ruleMatches(broken, pod, scope), ruleMatches(pods, pod, scope)]).toEqual([false, true]);
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x' } };
    expect(() => ruleMatches(broken, configMap, scope)).toThrow(/cannot have both names and labelSelector/);
  });
});

describe('which parents a controller manages', () => {
  const decorator = (name: string, app: string): KubeObject => ({
    apiVersion: 'metacontroller.k8s.io/v1alpha1',
    kind: 'DecoratorController',
    metadata: { name },
    spec: {
      resources: [{ apiVersion: 'v1', resource: 'configmaps', labelSelector: { matchLabels: { app } } }],
      hooks: { sync: { webhook: { url: 'http://hooks/sync' } } },
    },
  });

  it("is each controller's own verdict on a frozen object, worked out once per controller", () => {
    const resources = buildResourceTable([]);
    const [web, db] = [parseController(decorator('web', 'web'), resources), parseController(decorator('db', 'db'), resources)];
    const object = deepFreeze({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x', labels: { app: 'web' } } });
    for (let round = 0; round < 2; round += 1) expect([manages(web, object), manages(db, object)]).toEqual([true, false]);
    const other = deepFreeze({ ...object, metadata: { ...object.metadata, labels: { app: 'db' } } });
    expect([manages(web, other), manages(db, other)]).toEqual([false, true]);
  });
});
