import { describe, expect, it } from 'vitest';
import type { DRPlanExecution } from '../../../src/api/execution.js';
import type { CompositeRequest } from '../../../src/k8s/metacontroller.js';
import { reconcilePlan } from '../../../src/plan/sync.js';
import { execution, NAMESPACE, plan, readyWorkflow, T0 } from '../../fixtures/objects.js';

/**
 * Wire-compatible with the Go bcs-drplan-controller, which:
 * upstream writes `status.currentExecution = {name, ns}` (an ObjectReference without uid), and
 * by its known bug (§2.8) leaves it set after a deletion. A plan whose status was last written by
 * upstream is then "status unreadable, left unchanged" forever: it is never validated, never
 * releases the stale lock, never elects, and the execution hook (checkObject(DRPlan) fails)
 * treats the plan as absent, so new executions end PlanNotFound and admitted ones PlanDeleted.
 * The RunLost branch in sync.ts shows migrated locks were meant to be released.
 */
const KEY = 'dr.bkbcs.tencent.com/v1alpha1';
const accepted = [{ type: 'Accepted', status: 'True' as const, reason: 'Admitted', message: '', lastTransitionTime: T0 }];

describe('a plan status last written by the upstream controller', () => {
  it('is read: the stale uid-less lock is released and a queued execution is elected', () => {
    const upstreamStatus = {
      phase: 'Executed',
      currentExecution: { name: 'old', namespace: NAMESPACE },
      lastExecutionRef: 'old',
      executionHistory: [{ name: 'old', namespace: NAMESPACE, operationType: 'Execute', phase: 'Running', startTime: T0 }],
    };
    const next: DRPlanExecution = execution('next', {}, { status: { phase: 'Pending', conditions: accepted } });
    const request = {
      parent: plan('plan', {}, { status: upstreamStatus as never }),
      children: { 'Job.batch/v1': {} },
      related: {
        [`DRPlanExecution.${KEY}`]: { [`${NAMESPACE}/next`]: next },
        [`DRWorkflow.${KEY}`]: { [`${NAMESPACE}/wf`]: readyWorkflow('wf') },
      },
    } as unknown as CompositeRequest;
    const { response, decision } = reconcilePlan(request, new Date('2026-01-01T01:00:00Z'));
    expect(decision).not.toMatch(/status unreadable/);
    const status = response.status as { currentExecution?: { name: string } };
    expect(status.currentExecution?.name).toBe('next');
  });
});
