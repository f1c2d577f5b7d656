import { describe, expect, it } from 'vitest';
import { formatEvent, type HarnessEvent } from '../../src/harness/index.js';
import { setup, widget } from './fixtures.js';

const W1 = { apiVersion: 'test.example.com/v1', kind: 'Widget', namespace: 'default', name: 'w1' };
const JOB = { apiVersion: 'batch/v1', kind: 'Job', namespace: 'default', name: 'w1-a' };

describe('harness timeline', () => {
  it('records store writes, hook calls and finished Jobs as typed events, and `events` as their lines', async () => {
    const { h } = await setup();
    h.apply(widget('w1', { jobs: ['a'] }));
    await h.settle();

    expect(h.timeline.slice(0, 4)).toEqual<HarnessEvent[]>([
      { type: 'change', verb: 'create', object: W1 },
      { type: 'hook', hook: 'customize', controller: 'widget', object: W1 },
      { type: 'change', verb: 'finalizer-added', object: W1 },
      { type: 'hook', hook: 'sync', controller: 'widget', object: W1 },
    ]);
    expect(h.timeline).toContainEqual<HarnessEvent>({ type: 'change', verb: 'create', object: JOB });
    expect(h.timeline).toContainEqual<HarnessEvent>({ type: 'job-finished', outcome: 'succeeded', object: JOB });
    expect(h.events).toEqual(h.timeline.map(formatEvent));
    expect(h.events).toContain('job-succeeded default/w1-a');
  });

  it('carries the message of a failed sync and the write that lost a race', async () => {
    const { h, hooks } = await setup();
    hooks.on('/widget/sync', () => ({ status: 500, body: 'database on fire' }));
    h.apply(widget('w1'));
    await h.settle();

    const failure = h.errors[0];
    expect(failure).toBeDefined();
    expect(h.timeline).toContainEqual<HarnessEvent>({
      type: 'hook-error',
      hook: 'sync',
      controller: 'widget',
      object: W1,
      message: failure?.message ?? '',
    });
    expect(h.events).toContain('hook-error sync widget default/w1');
  });

  it('formats every kind of event as the one line tests and error messages show', () => {
    const cases: [HarnessEvent, string][] = [
      [
        { type: 'change', verb: 'status', object: { apiVersion: 'v1', kind: 'Namespace', namespace: '', name: 'prod' } },
        'status Namespace prod',
      ],
      [{ type: 'hook', hook: 'customize', controller: 'drplan', object: W1 }, 'customize drplan default/w1'],
      [{ type: 'throttled', hook: 'finalize', controller: 'widget', object: W1 }, 'throttled finalize widget default/w1'],
      [{ type: 'job-finished', outcome: 'failed', object: JOB }, 'job-failed default/w1-a'],
      [{ type: 'conflict', write: 'update', object: W1 }, 'conflict Widget default/w1'],
      [{ type: 'conflict', write: 'status', object: W1 }, 'conflict status Widget default/w1'],
    ];
    for (const [event, line] of cases) expect(formatEvent(event)).toBe(line);
  });
});
