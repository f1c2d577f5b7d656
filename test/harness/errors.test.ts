import { describe, expect, it } from 'vitest';
import { ContractHarness } from '../../src/harness/index.js';
import { setup, widget, writeManifests } from './fixtures.js';

describe('hook failures', () => {
  it('treats an extra response key as a strict decoding error (v2)', async () => {
    const { h, hooks } = await setup();
    hooks.on('/widget/sync', () => ({ status: {}, children: [], labels: { a: 'b' } }));
    h.apply(widget('w1'));
    await h.settle();
    // The finalizer write made by the same sync requeues it once more: both attempts fail alike.
    expect(h.errors.length).toBeGreaterThan(0);
    expect(new Set(h.errors.map((e) => e.message)).size).toBe(1);
    expect(h.errors[0]).toMatchObject({ controller: 'widget', hook: 'sync', object: 'default/w1', statusCode: 200 });
    expect(h.errors[0]?.message).toMatch(/unknown field\(s\) "labels"/);
    expect(h.errors[0]?.body).toContain('"labels"');
    // Nothing of the rejected answer was applied.
    expect(h.get('Widget', 'default', 'w1')?.status).toBeUndefined();
  });

  it('rejects null children, objects without kind, and invalid JSON', async () => {
    const { h, hooks } = await setup();
    hooks.on('/widget/sync', () => ({ children: [null] }));
    h.apply(widget('a'));
    await h.settle();
    hooks.on('/widget/sync', () => ({ children: [{ apiVersion: 'v1', metadata: { name: 'x' } }] }));
    h.apply(widget('b'));
    await h.settle();
    hooks.on('/widget/sync', () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{not json' }));
    h.apply(widget('c'));
    await h.settle();
    expect([...new Set(h.errors.map((e) => `${e.object}: ${e.message}`))]).toEqual([
      expect.stringMatching(/^default\/a: .*children\[0\] must be an object/),
      expect.stringMatching(/^default\/b: .*children\[0\]\.kind/),
      expect.stringMatching(/^default\/c: can't decode sync response/),
    ]);
  });

  it('records non-200 answers and retries with exponential backoff in fake time', async () => {
    const { h, hooks } = await setup();
    const times: string[] = [];
    let healthy = true;
    hooks.on('/widget/sync', () => {
      times.push(h.now().toISOString());
      return healthy ? { status: { ok: true }, children: [] } : { status: 500, body: 'database on fire' };
    });
    h.apply(widget('w1'));
    await h.settle();
    healthy = false;
    times.length = 0;
    h.annotate('Widget', 'default', 'w1', { poke: '1' });
    await h.settle();
    expect(times).toEqual(['2026-01-01T00:00:00.000Z']); // no immediate retry loop
    expect(h.errors[0]).toMatchObject({ controller: 'widget', hook: 'sync', object: 'default/w1', statusCode: 500 });
    expect(h.errors[0]?.body).toContain('database on fire');
    expect(h.events).toContain('hook-error sync widget default/w1');

    await h.advance(7);
    expect(times).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:03.000Z', '2026-01-01T00:00:07.000Z']);
    healthy = true;
    await h.advance(8);
    expect(times.at(-1)).toBe('2026-01-01T00:00:15.000Z');
    expect(h.get('Widget', 'default', 'w1')?.status).toEqual({ ok: true, observedGeneration: 1 });
    const count = times.length;
    await h.advance(600);
    expect(times).toHaveLength(count); // success resets the backoff: no more retries
  });

  it('caps the backoff at 60 seconds', async () => {
    const { h, hooks } = await setup();
    const times: number[] = [];
    let healthy = true;
    hooks.on('/widget/sync', () => {
      if (healthy) return { children: [] };
      times.push(h.now().getTime());
      return { status: 503, body: 'down' };
    });
    h.apply(widget('w1'));
    await h.settle();
    healthy = false;
    h.annotate('Widget', 'default', 'w1', { poke: '1' });
    await h.settle();
    await h.advance(400);
    const gaps = times.slice(1).map((t, i) => (t - (times[i] ?? 0)) / 1000);
    expect(gaps).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60]);
  });

  it('honours 429 Retry-After without recording an error', async () => {
    const { h, hooks } = await setup();
    let throttle = false;
    let calls = 0;
    hooks.on('/widget/sync', () => {
      if (!throttle) return { children: [] };
      calls += 1;
      return calls === 1 ? { status: 429, headers: { 'retry-after': '10' }, body: '' } : { children: [] };
    });
    h.apply(widget('w1'));
    await h.settle();
    throttle = true;
    h.annotate('Widget', 'default', 'w1', { poke: '1' });
    await h.settle();
    await h.advance(9);
    expect(calls).toBe(1);
    await h.advance(1);
    expect(calls).toBe(2);
    expect(h.errors).toEqual([]);
    expect(h.events).toContain('throttled sync widget default/w1');
  });

  it('records transport failures with status code 0', async () => {
    const h = await ContractHarness.create({
      manifestsDir: await writeManifests(),
      transport: () => Promise.reject(new Error('connect ECONNREFUSED')),
    });
    h.apply(widget('w1'));
    await h.settle();
    expect(h.errors[0]).toMatchObject({ controller: 'widget', hook: 'customize', statusCode: 0 });
    expect(h.errors[0]?.message).toMatch(/ECONNREFUSED/);
  });

  it('throws from settle() on a cycle: the same request seen again', async () => {
    const { h, hooks } = await setup();
    let n = 0;
    hooks.on('/widget/sync', () => ({ status: { flip: (n += 1) % 2 === 0 }, children: [] }));
    h.apply(widget('w1'));
    await expect(h.settle()).rejects.toThrow(/hot loop — sync widget default\/w1 was sent the same request 4 times/);
    expect(n).toBeLessThan(12);
  });

  it('throws from settle() on a cycle that only starts after many calls', async () => {
    const { h, hooks } = await setup({ maxSyncsPerSettle: 2_000 });
    let n = 0;
    // A long run first (every answer new), then two states for ever.
    hooks.on('/widget/sync', () => ({ status: { step: (n += 1) < 300 ? n : n % 2 }, children: [] }));
    h.apply(widget('w1'));
    await expect(h.settle()).rejects.toThrow(/hot loop — sync widget default\/w1 was sent the same request 4 times/);
    // Found by its requests, long before the cap on calls.
    expect(n).toBeLessThan(1_000);
  });

  /** An answer whose status holds a list of 20 items, the sixth with `detail`: the guard digests such a list item by item. */
  const longListAnswer = (detail: unknown) => ({
    status: { items: Array.from({ length: 20 }, (_, index) => ({ index, detail: index === 5 ? detail : null })) },
    children: [],
  });

  it('throws from settle() on a cycle inside an item of a long list, digested apart from the rest', async () => {
    const { h, hooks } = await setup({ maxSyncsPerSettle: 200 });
    let n = 0;
    hooks.on('/widget/sync', () => longListAnswer({ flip: (n += 1) % 2 === 0 }));
    h.apply(widget('w1'));
    await expect(h.settle()).rejects.toThrow(/hot loop — sync widget default\/w1 was sent the same request 4 times/);
    expect(n).toBeLessThan(12);
  });

  it('tells apart answers that differ only inside one item of a long list: a long run, not a hot loop', async () => {
    const { h, hooks } = await setup({ maxSyncsPerSettle: 50 });
    let n = 0;
    hooks.on('/widget/sync', () => longListAnswer({ step: (n += 1) }));
    h.apply(widget('w1'));
    await expect(h.settle()).rejects.toThrow(/more than 50 hook calls .*hot loop.*sync widget default\/w1/);
  });

  it('throws from settle() on answers that change on every call', async () => {
    const { h, hooks } = await setup({ maxSyncsPerSettle: 50 });
    let n = 0;
    hooks.on('/widget/sync', () => ({ status: { counter: (n += 1) }, children: [] }));
    h.apply(widget('w1'));
    await expect(h.settle()).rejects.toThrow(/more than 50 hook calls .*hot loop.*sync widget default\/w1/);
  });

  it('tells requests apart by text that only looks like a resourceVersion', async () => {
    const { h, hooks } = await setup({ maxSyncsPerSettle: 50 });
    let n = 0;
    // Each answer differs from the last only inside a string that reads like a resourceVersion field.
    hooks.on('/widget/sync', () => ({ status: { note: `{"resourceVersion":"${(n += 1)}"}` }, children: [] }));
    h.apply(widget('w1'));
    await expect(h.settle()).rejects.toThrow(/more than 50 hook calls .*hot loop.*sync widget default\/w1/);
  });
});
