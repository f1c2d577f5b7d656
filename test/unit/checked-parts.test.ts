import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DRPlanExecutionStatus } from '../../src/api/execution.js';
import { DRPlanStatus } from '../../src/api/plan.js';
import { stageStatusesOf } from '../../src/engine/project.js';
import { deepFreeze } from '../../src/shared/frozen.js';
import { checkObject } from '../../src/k8s/validate.js';
import { jobAction, plan, readyWorkflow, stage } from '../fixtures/objects.js';
import { startRun, step } from '../fixtures/runs.js';

/**
 * A frozen value is checked in parts, each frozen item of its lists once however many values
 * share it. The verdict must be the whole schema's, also when the broken part sits next to items
 * already checked as part of another value (how a rehearsal's statuses share their actions).
 */

const wf = (name: string) =>
  readyWorkflow(name, { actions: [jobAction(`${name}-a`), jobAction(`${name}-b`, { dependsOn: [`${name}-a`] })] });
const run = step(startRun(plan('plan', { stages: [stage('one', ['w1']), stage('two', ['w2'])] }), [wf('w1'), wf('w2')]), {
  'w1-a': 'Complete',
});
const samples = [
  { name: 'a plan status', schema: DRPlanStatus, value: { phase: 'Ready', executionHistory: [], run } },
  { name: 'an execution status', schema: DRPlanExecutionStatus, value: { phase: 'Running', stageStatuses: stageStatusesOf(run) } },
];

type Path = (string | number)[];

function pathsOf(value: unknown, path: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [path];
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  return [path, ...entries.flatMap(([key, item]) => pathsOf(item, [...path, key]))];
}

/** `value` with `replace` at `path`: new objects along the path, every other subtree shared. */
function changedAt(value: unknown, path: Path, replace: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return replace;
  if (Array.isArray(value)) return value.map((item, index) => (index === key ? changedAt(item, rest, replace) : item));
  const record = value as Record<string, unknown>;
  if (replace === undefined && rest.length === 0) return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
  return { ...record, [key]: changedAt(record[key], rest, replace) };
}

const broken = fc.constantFrom<unknown>(undefined, null, 7, 'x', true, {}, [], [{ name: 1 }], { unexpected: 'field' });

describe('checking a frozen value in parts', () => {
  it.each(samples)('$name: the same verdict as the whole schema, next to items already checked', ({ schema, value }) => {
    const original = deepFreeze(structuredClone(value));
    expect(checkObject(schema, original).ok).toBe(true);
    const paths = pathsOf(original);
    fc.assert(
      fc.property(fc.nat(paths.length - 1), broken, (index, replace) => {
        const changed = changedAt(original, paths[index] ?? [], replace);
        const expected = checkObject(schema, structuredClone(changed)).ok;
        expect(checkObject(schema, deepFreeze(changed)).ok).toBe(expected);
        // A second value made of the same frozen lists: what was remembered of them must hold.
        if (typeof changed === 'object' && changed !== null && !Array.isArray(changed)) {
          expect(checkObject(schema, deepFreeze({ ...changed })).ok).toBe(expected);
        }
      }),
      { numRuns: 400 },
    );
  });
});
