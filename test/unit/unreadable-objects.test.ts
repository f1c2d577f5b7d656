import { describe, expect, it } from 'vitest';
import { finalizeExecution, syncExecution } from '../../src/execution/hooks.js';
import type { DRPlanExecution } from '../../src/api/execution.js';
import type { CompositeRequest, DecoratorRequest, KubeObject } from '../../src/k8s/metacontroller.js';
import type { DRPlanStatus, ExecutionRecord } from '../../src/api/plan.js';
import { reconcilePlan } from '../../src/plan/sync.js';
import { execution, NAMESPACE, plan, readyWorkflow, T0 } from '../fixtures/objects.js';

/**
 * Objects that fail their schema (version skew, a downgrade, a hand edit) are never taken for
 * absent: nothing they stand for is cancelled, dropped or trimmed, and a condition says what
 * could not be read.
 */
const KEY = 'dr.bkbcs.tencent.com/v1alpha1';
const NOW = new Date('2026-01-01T00:05:00Z');
const record = (name: string, phase: ExecutionRecord['phase']): ExecutionRecord => ({
  name,
  namespace: NAMESPACE,
  uid: `uid-exec-${name}`,
  operationType: 'Execute',
  phase,
  startTime: T0,
});
const planSync = (parent: KubeObject, executions: KubeObject[]): CompositeRequest =>
  ({
    parent,
    children: { 'Job.batch/v1': {} },
    related: {
      [`DRPlanExecution.${KEY}`]: Object.fromEntries(executions.map((e) => [`${NAMESPACE}/${e.metadata.name}`, e])),
      [`DRWorkflow.${KEY}`]: { [`${NAMESPACE}/wf`]: readyWorkflow('wf') },
    },
  }) as unknown as CompositeRequest;

describe('the plan and an execution it cannot read', () => {
  it('keeps a running record open and says which execution it cannot read (row 5)', () => {
    const skewed = { ...execution('e1'), spec: { planRef: 'plan', operationType: 'Failover' } } as unknown as KubeObject;
    const status: DRPlanStatus = { phase: 'Ready', executionHistory: [record('e1', 'Running')] };
    const response = reconcilePlan(planSync(plan('plan', {}, { status }), [skewed]), NOW).response;
    const out = response.status as DRPlanStatus;
    expect(out.executionHistory?.[0]?.phase).toBe('Running');
    expect(out.conditions?.find((c) => c.type === 'ExecutionsReadable')).toMatchObject({ status: 'False', reason: 'SchemaMismatch' });
    expect(out.conditions?.find((c) => c.type === 'ExecutionsReadable')?.message).toContain('e1');
  });

  it('applies a readable historyLimit of an unreadable spec, and no limit when it is unreadable too (row 8)', () => {
    const history = Array.from({ length: 30 }, (_, index) => record(`old-${index}`, 'Succeeded'));
    const limited = { ...plan('plan'), spec: { stages: 'not a list', historyLimit: 30 } } as unknown as KubeObject;
    const kept = reconcilePlan(planSync({ ...limited, status: { phase: 'Ready', executionHistory: history } }, []), NOW).response
      .status as DRPlanStatus;
    expect(kept.executionHistory).toHaveLength(30);
    const unlimited = { ...plan('plan'), spec: { stages: 'not a list', historyLimit: 'lots' } } as unknown as KubeObject;
    const all = reconcilePlan(planSync({ ...unlimited, status: { phase: 'Ready', executionHistory: history } }, []), NOW).response
      .status as DRPlanStatus;
    expect(all.executionHistory).toHaveLength(30);
  });

  it('keeps a status it cannot read, with a condition naming the problem (row 7)', () => {
    const status = { phase: 'Ready', executionHistory: [{ ...record('e1', 'Succeeded'), startTime: 42 }] };
    const response = reconcilePlan(planSync(plan('plan', {}, { status } as never), []), NOW).response;
    const out = response.status as { executionHistory: unknown[]; conditions: { type: string; status: string; message: string }[] };
    expect(out.executionHistory).toEqual(status.executionHistory);
    expect(out.conditions.find((c) => c.type === 'StatusReadable')).toMatchObject({ status: 'False' });
    expect(out.conditions.find((c) => c.type === 'StatusReadable')?.message).toContain('startTime');
  });
});

describe('an execution whose plan fails its schema (row 6)', () => {
  const running: DRPlanExecution = execution(
    'e1',
    {},
    {
      status: {
        phase: 'Running',
        conditions: [{ type: 'Accepted', status: 'True', reason: 'Admitted', message: '', lastTransitionTime: T0 }],
      },
    },
  );
  const brokenPlan = { ...plan('plan'), spec: { stages: 7 } } as unknown as KubeObject;
  const request = (object: DRPlanExecution): DecoratorRequest =>
    ({ object, attachments: {}, related: { [`DRPlan.${KEY}`]: { [`${NAMESPACE}/plan`]: brokenPlan } } }) as unknown as DecoratorRequest;

  it('is not cancelled as if the plan were deleted, and says why it waits', () => {
    const { response } = syncExecution(request(running), NOW);
    expect(response.status).toMatchObject({ phase: 'Running' });
    const conditions = (response.status as { conditions: { type: string; status: string }[] }).conditions;
    expect(conditions.find((c) => c.type === 'PlanReadable')).toMatchObject({ status: 'False' });
    expect(conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True' });
  });

  it('holds its finalizer while the plan cannot be read', () => {
    const deleting = { ...running, metadata: { ...running.metadata, deletionTimestamp: '2026-01-01T00:04:00Z' } };
    expect(finalizeExecution(request(deleting), NOW).response.finalized).toBe(false);
  });
});
