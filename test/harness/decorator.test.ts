import { describe, expect, it } from 'vitest';
import { gadget, setup } from './fixtures.js';

const FINALIZER = 'metacontroller.io/decoratorcontroller-gadget';

describe('DecoratorController', () => {
  it('sends object/attachments/related, merges labels per key and deletes null ones', async () => {
    const { h, hooks } = await setup();
    hooks.on('/gadget/sync', () => ({
      labels: { 'gadget.test/seen': 'yes', 'gadget.test/remove': null },
      annotations: { note: 'hello' },
    }));
    h.apply(gadget('g1', {}, { keep: 'me', 'gadget.test/remove': 'x' }));
    await h.settle();

    const g = h.get('Gadget', 'default', 'g1');
    expect(g?.metadata.labels).toEqual({ keep: 'me', 'gadget.test/seen': 'yes' });
    expect(g?.metadata.annotations).toEqual({ note: 'hello' });
    expect(g?.metadata.finalizers).toEqual([FINALIZER]);
    const request = hooks.calls('/gadget/sync')[0];
    expect(request?.object?.metadata.name).toBe('g1');
    expect(request?.parent).toBeUndefined();
    expect(request?.attachments).toEqual({});
    expect(request?.related).toEqual({});
    expect(request?.finalizing).toBe(false);
    expect(h.events).toContain('labels Gadget default/g1');
    // Customize gets `parent` even for a decorator.
    expect(hooks.calls('/gadget/customize')[0]?.parent?.metadata.name).toBe('g1');
  });

  it('leaves status alone on null, replaces it otherwise, without observedGeneration', async () => {
    const { h, hooks } = await setup();
    h.apply(gadget('g1'));
    await h.settle();
    h.updateStatus('Gadget', 'default', 'g1', { fromElsewhere: 1 });
    await h.settle();
    expect(h.get('Gadget', 'default', 'g1')?.status).toEqual({ fromElsewhere: 1 });

    hooks.on('/gadget/sync', () => ({ status: { phase: 'Ready' } }));
    h.annotate('Gadget', 'default', 'g1', { poke: '1' });
    await h.settle();
    expect(h.get('Gadget', 'default', 'g1')?.status).toEqual({ phase: 'Ready' });
    expect(h.events).toContain('status Gadget default/g1');
  });

  it('holds deletion until finalize says finalized, then removes the finalizer', async () => {
    const { h, hooks } = await setup();
    hooks.on('/gadget/finalize', (req) => ({
      status: { phase: 'Terminating' },
      finalized: req.object?.metadata.annotations?.release === 'true',
    }));
    h.apply(gadget('g1'));
    await h.settle();
    h.delete('Gadget', 'default', 'g1');
    await h.settle();

    const held = h.get('Gadget', 'default', 'g1');
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(held?.status).toEqual({ phase: 'Terminating' });
    expect(hooks.calls('/gadget/finalize').at(-1)?.finalizing).toBe(true);

    h.annotate('Gadget', 'default', 'g1', { release: 'true' });
    await h.settle();
    expect(h.get('Gadget', 'default', 'g1')).toBeUndefined();
    const events = h.events;
    expect(events.indexOf('finalizer-removed Gadget default/g1')).toBeLessThan(events.indexOf('delete Gadget default/g1'));
  });

  it('rejects label values that are not strings or null', async () => {
    const { h, hooks } = await setup();
    hooks.on('/gadget/sync', () => ({ labels: { count: 3 } }));
    h.apply(gadget('g1'));
    await h.settle();
    expect(h.errors[0]).toMatchObject({ controller: 'gadget', hook: 'sync', object: 'default/g1', statusCode: 200 });
    expect(h.errors[0]?.message).toMatch(/labels\.count must be a string or null/);
  });
});
