import { describe, expect, it } from 'vitest';
import type { CompositeRequest } from '../../../src/k8s/metacontroller.js';
import { reconcilePlan } from '../../../src/plan/sync.js';
import type { DRPlanStatus } from '../../../src/api/plan.js';
import type { Run } from '../../../src/api/run.js';
import { executedTarget, execution, jobAction, NAMESPACE, plan, readyWorkflow, T0 } from '../../fixtures/objects.js';

/**
 * A Revert whose target is "already reverted" is InvalidRevertTarget; election: only
 * the plan elects, so it is the one place that sees every execution in order. Two Reverts of the
 * same Execute created together are admitted concurrently by the execution decorator (different
 * objects, different Metacontroller workers, neither sees the other Accepted yet): both queue,
 * and the plan runs the second one after the first succeeded, replaying every custom rollback of
 * an Execute that is already undone (its record carries revertedBy).
 */
const KEY = 'dr.bkbcs.tencent.com/v1alpha1';
const accepted = [{ type: 'Accepted', status: 'True' as const, reason: 'Admitted', message: '', lastTransitionTime: T0 }];
const undo = jobAction('undo-a');

describe('a second Revert of an Execute that the first Revert already undid', () => {
  it('does not replay the rollbacks', () => {
    const target = executedTarget('exec', [{ name: 'a', phase: 'Succeeded', type: 'Job', rollback: { type: 'Job', job: undo.job } }], {
      conditions: accepted,
    });
    const first = execution(
      'r1',
      { operationType: 'Revert', revertExecutionRef: 'exec' },
      {
        metadata: { ...execution('r1').metadata, creationTimestamp: '2026-01-01T00:10:00Z' },
        status: { phase: 'Succeeded', conditions: accepted },
      },
    );
    const second = execution(
      'r2',
      { operationType: 'Revert', revertExecutionRef: 'exec' },
      {
        metadata: { ...execution('r2').metadata, creationTimestamp: '2026-01-01T00:10:00Z' },
        status: { phase: 'Pending', conditions: accepted },
      },
    );
    const status: DRPlanStatus = {
      phase: 'Ready',
      lastExecutionRef: 'r1',
      executionHistory: [
        {
          name: 'r2',
          namespace: NAMESPACE,
          uid: 'uid-exec-r2',
          operationType: 'Revert',
          phase: 'Pending',
          revertExecutionRef: 'exec',
          startTime: '2026-01-01T00:10:00Z',
        },
        {
          name: 'r1',
          namespace: NAMESPACE,
          uid: 'uid-exec-r1',
          operationType: 'Revert',
          phase: 'Succeeded',
          revertExecutionRef: 'exec',
          startTime: '2026-01-01T00:10:00Z',
          completionTime: '2026-01-01T00:11:00Z',
        },
        {
          name: 'exec',
          namespace: NAMESPACE,
          uid: 'uid-exec-exec',
          operationType: 'Execute',
          phase: 'Succeeded',
          revertedBy: 'r1',
          startTime: T0,
          completionTime: T0,
        },
      ],
    };
    const request = {
      parent: plan('plan', {}, { status }),
      children: { 'Job.batch/v1': {} },
      related: {
        [`DRPlanExecution.${KEY}`]: Object.fromEntries([target, first, second].map((e) => [`${NAMESPACE}/${e.metadata.name}`, e])),
        [`DRWorkflow.${KEY}`]: { [`${NAMESPACE}/wf`]: readyWorkflow('wf') },
      },
    } as unknown as CompositeRequest;
    const response = reconcilePlan(request, new Date('2026-01-01T00:12:00Z')).response;
    const run = (response.status as { run?: Run }).run;
    const started = run?.stages.flatMap((s) => s.workflows.flatMap((w) => w.actions)).filter((a) => a.phase === 'Running') ?? [];
    expect(started.map((a) => a.name)).toEqual([]);
    expect(response.children.filter((child) => child.kind === 'Job')).toEqual([]);
  });
});
