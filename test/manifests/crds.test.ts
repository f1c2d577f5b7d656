import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crdFiles } from '../../src/crd/definitions.js';
import { MANIFESTS, crdSchema, schemaViolations } from '../fixtures/crd.js';
import { execution, plan, readyWorkflow } from '../fixtures/objects.js';

describe('generated CRDs', () => {
  it.each(crdFiles().map(({ file, text }) => [file, text] as const))(
    'manifests/base/crds/%s is up to date (run `npm run crds` after a schema change)',
    (file, text) => {
      expect(readFileSync(join(MANIFESTS, 'base', 'crds', file), 'utf8')).toBe(text);
    },
  );

  it('accepts the upstream-shaped objects the fixtures use', () => {
    expect(schemaViolations(crdSchema('drworkflows'), readyWorkflow('wf'))).toEqual([]);
    expect(schemaViolations(crdSchema('drplans'), plan('p'))).toEqual([]);
    expect(schemaViolations(crdSchema('drplanexecutions'), execution('e', { operationType: 'Revert', revertExecutionRef: 'x' }))).toEqual([]);
  });

  it('rejects what upstream rejects', () => {
    expect(schemaViolations(crdSchema('drplanexecutions'), execution('e', { operationType: 'Undo' as 'Revert' }))).toEqual([
      '/spec/operationType: "Undo" not in enum',
    ]);
  });

  it('makes the execution spec immutable with a CEL rule and keeps Job templates whole', () => {
    const executionSpec = crdSchema('drplanexecutions').properties?.['spec'] as Record<string, unknown>;
    expect(executionSpec['x-kubernetes-validations']).toEqual([{ rule: 'self == oldSelf', message: 'spec is immutable after creation' }]);
    const action = (crdSchema('drworkflows').properties?.['spec']?.properties?.['actions']?.items ?? {}) as { properties?: Record<string, { properties?: Record<string, unknown> }> };
    expect(action.properties?.['rollback']).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });
});
