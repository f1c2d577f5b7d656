import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInput } from '../../src/render/load.js';
import { rehearse } from '../../src/render/rehearse.js';
import { inProcessHooks } from '../../src/render/in-process.js';
import { buildApp } from '../../src/http/app.js';
import { DEFAULT_RUNNER } from '../../src/engine/runner.js';

const SAMPLES = join(import.meta.dirname, '..', '..', 'manifests', 'samples');
const sample = (file: string) => join(SAMPLES, file);
const RUNBOOK = ['workflow.yaml', 'workflow-traffic.yaml', 'plan.yaml'].map(sample);
const ACTIONS = join(SAMPLES, 'actions');

/**
 * A rehearsal calls the hooks as functions; the server answers the same requests as bytes. Both
 * must come to the same timeline, outcomes and statuses, or a rehearsal would not be showing
 * what the server will do.
 */
const cases: { name: string; paths: string[]; fail: string[] }[] = [
  { name: 'an Execute then its Revert', paths: [...RUNBOOK, sample('execute.yaml'), sample('revert.yaml')], fail: [] },
  { name: 'a failed action: Skipped and Failed downstream', paths: [...RUNBOOK, sample('execute.yaml')], fail: ['promote-replica'] },
  { name: 'runner actions (HTTP, resources) and their Revert', paths: [ACTIONS], fail: [] },
  { name: 'a runner action that fails', paths: [ACTIONS], fail: ['scale-down-west'] },
  { name: 'a Revert with no Execute to undo (InvalidRevertTarget)', paths: [...RUNBOOK, sample('revert.yaml')], fail: [] },
];

describe('a rehearsal in process answers as the hook server does', () => {
  it.each(cases)('$name', async ({ paths, fail }) => {
    const input = await loadInput(paths);
    const inProcess = await rehearse(input, fail);
    const overHttp = await rehearse(input, fail, 'http');
    expect(inProcess.executions.length).toBeGreaterThan(0);
    // Byte for byte, key order included: the report is what a review diffs.
    expect(JSON.stringify(inProcess, null, 1)).toBe(JSON.stringify(overHttp, null, 1));
  });
});

describe('a request the hooks refuse', () => {
  it('gets the same status code and text in process as over HTTP', async () => {
    const app = buildApp({});
    try {
      const request = { parent: { kind: 'DRPlan', metadata: { name: 7 } }, children: {} };
      const overHttp = await app.inject({ method: 'POST', url: '/drplan/sync', payload: request });
      const inProcess = inProcessHooks(() => new Date(0), { runner: DEFAULT_RUNNER }).inProcess('/drplan/sync', request);
      expect(overHttp.statusCode).toBe(400);
      expect({ statusCode: inProcess.statusCode, body: 'body' in inProcess ? inProcess.body : undefined }).toEqual({
        statusCode: overHttp.statusCode,
        body: overHttp.body,
      });
    } finally {
      await app.close();
    }
  });
});
