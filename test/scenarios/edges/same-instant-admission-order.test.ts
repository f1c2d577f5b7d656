import { describe, expect, it } from 'vitest';
import { syncExecution } from '../../../src/execution/hooks.js';
import type { DRPlanExecution } from '../../../src/api/execution.js';
import type { DecoratorRequest } from '../../../src/k8s/metacontroller.js';
import type { DRPlan } from '../../../src/api/plan.js';
import { execution, NAMESPACE, plan, T0 } from '../../fixtures/objects.js';

/**
 * "two [Executes] created at the same instant run one after the other, never
 * together". Metacontroller gives no order between the decorator sync of the second execution
 * and the plan sync that elects the first (a retried/backed-off hook call, informer lag). When
 * the plan has already elected `one` before `two` is first seen, `two` (created at the same
 * instant, i.e. before that run started) is rejected with ConcurrentExecution instead of queued.
 */
const KEY = 'dr.bkbcs.tencent.com/v1alpha1';
const accepted = [{ type: 'Accepted', status: 'True' as const, reason: 'Admitted', message: '', lastTransitionTime: T0 }];

function request(object: DRPlanExecution, thePlan: DRPlan, others: DRPlanExecution[]): DecoratorRequest {
  return {
    object,
    attachments: {},
    related: {
      [`DRPlan.${KEY}`]: { [`${NAMESPACE}/${thePlan.metadata.name}`]: thePlan },
      [`DRPlanExecution.${KEY}`]: Object.fromEntries([object, ...others].map((e) => [`${NAMESPACE}/${e.metadata.name}`, e])),
    },
  } as DecoratorRequest;
}

describe('admission of an Execute created at the same instant as the one the plan just elected', () => {
  it('queues it (Pending) instead of rejecting it with ConcurrentExecution', () => {
    const one = execution('one', {}, { status: { phase: 'Running', conditions: accepted } });
    const two = execution('two'); // same creationTimestamp (T0) as `one`
    const runStart = '2026-01-01T00:00:01Z';
    const thePlan = plan(
      'plan',
      {},
      {
        status: {
          phase: 'Ready',
          currentExecution: { name: 'one', namespace: NAMESPACE, uid: 'uid-exec-one' },
          executionHistory: [
            { name: 'one', namespace: NAMESPACE, uid: 'uid-exec-one', operationType: 'Execute', phase: 'Running', startTime: runStart },
          ],
          run: {
            execution: { name: 'one', namespace: NAMESPACE, uid: 'uid-exec-one' },
            operationType: 'Execute',
            failurePolicy: 'Stop',
            phase: 'Running',
            startTime: runStart,
            stages: [],
          },
        },
      },
    );
    const status = syncExecution(request(two, thePlan, [one]), new Date('2026-01-01T00:00:02Z')).response
      .status as DRPlanExecution['status'];
    expect(status?.conditions?.find((c) => c.type === 'Accepted')?.reason).not.toBe('ConcurrentExecution');
    expect(status?.phase).toBe('Pending');
  });
});
