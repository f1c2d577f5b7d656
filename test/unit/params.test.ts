import { describe, expect, it } from 'vitest';
import { resolveParams } from '../../src/engine/params.js';

describe('resolveParams (workflow default < plan < stage < execution)', () => {
  const declared = [
    { name: 'a', default: 'workflow' },
    { name: 'b', default: 'workflow' },
    { name: 'c', default: 'workflow' },
    { name: 'd', default: 'workflow' },
  ];
  it('layers workflow defaults < globals < stage < execution, mode last and lower-cased', () => {
    const resolved = resolveParams(
      {
        declared,
        globals: [
          { name: 'b', value: 'global' },
          { name: 'c', value: 'global' },
          { name: 'd', value: 'global' },
        ],
        stage: [
          { name: 'c', value: 'stage' },
          { name: 'd', value: 'stage' },
        ],
        execution: [
          { name: 'd', value: 'execution' },
          { name: 'mode', value: 'ignored' },
        ],
        mode: 'Upgrade',
      },
      'wf',
    );
    expect(Object.fromEntries(resolved.values)).toEqual({ a: 'workflow', b: 'global', c: 'stage', d: 'execution', mode: 'upgrade' });
    expect(resolved.errors).toEqual([]);
  });

  it('reports required values, types and valueFrom, each once', () => {
    const resolved = resolveParams(
      {
        declared: [
          { name: 'needed', required: true },
          { name: 'count', type: 'number', default: 'three' },
          { name: 'flag', type: 'boolean', default: 'yes' },
          { name: 'ok', type: 'number', default: '3.5' },
        ],
        globals: [{ name: 'dynamic', valueFrom: { manifestRef: {} } }],
        stage: [],
        execution: [],
      },
      'stage s workflow default/wf',
    );
    expect(resolved.errors).toEqual([
      'stage s workflow default/wf: parameter "dynamic" uses valueFrom, which is not supported yet',
      'stage s workflow default/wf: parameter "needed" is required but has no value',
      'stage s workflow default/wf: parameter "count" must be a number, got "three"',
      'stage s workflow default/wf: parameter "flag" must be true or false, got "yes"',
    ]);
  });
});
