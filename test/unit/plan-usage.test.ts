import { describe, expect, it } from 'vitest';
import { usageConfigMap } from '../../src/api/usage.js';
import { usageOfSpec, workflowKeysOf } from '../../src/plan/references.js';
import { deepFreeze } from '../../src/shared/frozen.js';
import { plan, stage } from '../fixtures/objects.js';

/** A plan's usage ConfigMap is made once per frozen spec, for that plan only; a parsed spec's every time. */
describe('usage ConfigMap of a plan spec', () => {
  const spec = plan('p', { stages: [stage('one', ['w1', 'w2']), stage('two', ['w2'])] }).spec;
  const of = (name: string) => ({ namespace: 'default', name });

  it('is the usage ConfigMap of the workflows the spec names', () => {
    expect(usageOfSpec(spec, of('p'))).toEqual(usageConfigMap(of('p'), workflowKeysOf(spec, 'default')));
    expect(workflowKeysOf(spec, 'default').map((key) => key.name)).toEqual(['w1', 'w2']);
  });

  it('is made once for a frozen spec and the same plan, again for another plan or a spec that is not frozen', () => {
    const frozen = deepFreeze(structuredClone(spec));
    const first = usageOfSpec(frozen, of('p'));
    expect(usageOfSpec(frozen, of('p'))).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.metadata.labels)).toBe(true);
    expect(usageOfSpec(frozen, of('q'))).toEqual(usageConfigMap(of('q'), workflowKeysOf(spec, 'default')));
    expect(usageOfSpec(frozen, { namespace: 'other', name: 'p' }).metadata.namespace).toBe('other');
    const parsed = structuredClone(spec);
    expect(usageOfSpec(parsed, of('p'))).not.toBe(usageOfSpec(parsed, of('p')));
    expect(Object.isFrozen(usageOfSpec(parsed, of('p')))).toBe(false);
  });
});
