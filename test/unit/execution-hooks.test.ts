import { describe, expect, it } from 'vitest';
import { finalizeExecution, syncExecution } from '../../src/execution/hooks.js';
import type { DRPlanExecution } from '../../src/api/execution.js';
import type { DecoratorRequest } from '../../src/k8s/metacontroller.js';
import type { DRPlan, DRPlanStatus, ExecutionRecord } from '../../src/api/plan.js';
import { execution, plan, T0 } from '../fixtures/objects.js';

const NOW = new Date('2026-01-01T00:00:10Z');
const AT = '2026-01-01T00:00:10Z';
const KEY = 'dr.bkbcs.tencent.com/v1alpha1';

function request(object: DRPlanExecution, thePlan?: DRPlan): DecoratorRequest {
  return {
    object,
    attachments: {},
    related: { [`DRPlan.${KEY}`]: thePlan ? { [`default/${thePlan.metadata.name}`]: thePlan } : {} },
  } as DecoratorRequest;
}

const withStatus = (status: DRPlanStatus) => plan('plan', {}, { status });
const readyPlan = withStatus({ phase: 'Ready' });
const finished = (name: string, phase: 'Succeeded' | 'Failed' | 'Running', extra: Partial<DRPlanExecution> = {}) =>
  execution(
    name,
    {},
    {
      status: { phase, conditions: [{ type: 'Accepted', status: 'True', reason: 'Admitted', message: '', lastTransitionTime: T0 }] },
      ...extra,
    },
  );
const labels = (operation: string) => ({ 'dr.bkbcs.tencent.com/plan': 'plan', 'dr.bkbcs.tencent.com/operation': operation });
const record = (name: string, phase: ExecutionRecord['phase'], extra: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
  name,
  namespace: 'default',
  uid: `uid-exec-${name}`,
  operationType: 'Execute',
  phase,
  ...extra,
});
const withHistory = (...executionHistory: ExecutionRecord[]) => withStatus({ phase: 'Ready', executionHistory });
// A rejected execution never gets a record, so the plan does not need it: it is archived at once.
const rejection = (reason: string, message: string) => ({
  labels: { ...labels('Revert'), 'dr.bkbcs.tencent.com/archived': 'true' },
  attachments: [],
  status: {
    phase: 'Failed',
    completionTime: AT,
    message,
    conditions: [
      { type: 'Accepted', status: 'False', reason, message, lastTransitionTime: AT },
      { type: 'Complete', status: 'True', reason: 'Failed', message: 'execution ended Failed', lastTransitionTime: AT },
      { type: 'Succeeded', status: 'False', reason, message, lastTransitionTime: AT },
    ],
  },
});

describe('DRPlanExecution admission: the whole response per case', () => {
  it('admits an Execute: Pending, Accepted, labelled', () => {
    expect(syncExecution(request(execution('e1'), readyPlan), NOW).response).toEqual({
      labels: labels('Execute'),
      attachments: [],
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'Accepted',
            status: 'True',
            reason: 'Admitted',
            message: 'admitted; runs when the plan elects it',
            lastTransitionTime: AT,
          },
          { type: 'Complete', status: 'False', reason: 'Pending', message: 'execution is Pending', lastTransitionTime: AT },
          { type: 'Succeeded', status: 'Unknown', reason: 'Pending', message: 'execution is Pending', lastTransitionTime: AT },
        ],
      },
    });
  });

  it('waits for a missing plan during the grace period, then rejects with PlanNotFound', () => {
    expect(syncExecution(request(execution('e1')), NOW).response).toEqual({
      labels: labels('Execute'),
      attachments: [],
      status: {
        conditions: [
          {
            type: 'Accepted',
            status: 'Unknown',
            reason: 'PlanNotFound',
            message: 'waiting for plan default/plan to exist',
            lastTransitionTime: AT,
          },
        ],
      },
      resyncAfterSeconds: 21,
    });
    const late = syncExecution(request(execution('e1')), new Date('2026-01-01T00:00:31Z')).response;
    expect(late.status).toMatchObject({ phase: 'Failed', message: 'plan default/plan not found' });
  });

  const notInHistory = (name: string) =>
    `revert target ${name} is not in the history of plan plan: it does not exist, belongs to another plan, was rejected, or has left the history (historyLimit 10)`;
  it.each([
    [
      'plan Invalid',
      execution('r', { operationType: 'Revert', revertExecutionRef: 'x' }),
      withStatus({
        phase: 'Invalid',
        conditions: [
          { type: 'Ready', status: 'False', reason: 'ValidationFailed', message: 'Validation failed: [cycle]', lastTransitionTime: T0 },
        ],
      }),
      rejection('PlanInvalid', 'plan default/plan is invalid: Validation failed: [cycle]'),
    ],
    [
      'another execution running',
      execution('r', { operationType: 'Revert', revertExecutionRef: 'x' }),
      withStatus({ phase: 'Ready', currentExecution: { name: 'busy', namespace: 'default', uid: 'u-busy' } }),
      rejection('ConcurrentExecution', 'plan default/plan already has a running execution: default/busy'),
    ],
    [
      'revert target missing',
      execution('r', { operationType: 'Revert', revertExecutionRef: 'ghost' }),
      readyPlan,
      rejection('InvalidRevertTarget', notInHistory('ghost')),
    ],
    [
      'revert target is a Revert',
      execution('r', { operationType: 'Revert', revertExecutionRef: 'r0' }),
      withHistory(record('r0', 'Succeeded', { operationType: 'Revert', revertExecutionRef: 'x' })),
      rejection('InvalidRevertTarget', 'revert target r0 is a Revert, not an Execute'),
    ],
    [
      "revert target of another plan (never in this plan's history)",
      execution('r', { operationType: 'Revert', revertExecutionRef: 'e0' }),
      withHistory(record('e1', 'Succeeded')),
      rejection('InvalidRevertTarget', notInHistory('e0')),
    ],
    [
      'revert target still running',
      execution('r', { operationType: 'Revert', revertExecutionRef: 'e0' }),
      withHistory(record('e0', 'Running')),
      rejection('InvalidRevertTarget', 'revert target e0 is Running; it must be Succeeded, Failed or Cancelled'),
    ],
    [
      'revert target already reverted',
      execution('r', { operationType: 'Revert', revertExecutionRef: 'e0' }),
      withHistory(record('e0', 'Succeeded', { revertedBy: 'r0' })),
      rejection('InvalidRevertTarget', 'revert target e0 is already reverted by r0'),
    ],
    [
      'revert target being reverted by a queued Revert',
      execution('r', { operationType: 'Revert', revertExecutionRef: 'e0' }),
      withHistory(record('r0', 'Pending', { operationType: 'Revert', revertExecutionRef: 'e0' }), record('e0', 'Succeeded')),
      rejection('InvalidRevertTarget', 'revert target e0 is already reverted by r0'),
    ],
    [
      'no target left to revert',
      execution('r', { operationType: 'Revert' }),
      withHistory(
        record('r0', 'Succeeded', { operationType: 'Revert', revertExecutionRef: 'e0' }),
        record('e0', 'Succeeded', { revertedBy: 'r0' }),
      ),
      rejection('InvalidRevertTarget', 'no finished, unreverted Execute in the history of plan plan to revert'),
    ],
  ])('%s', (_name, object, thePlan, expected) => {
    expect(syncExecution(request(object, thePlan), NOW).response).toEqual(expected);
  });

  it('refuses a new execution once the plan holds the most queued ones it takes', () => {
    const queued = Array.from({ length: 100 }, (_, index) => record(`q${index}`, 'Pending'));
    const response = syncExecution(request(execution('late'), withHistory(...queued)), NOW).response;
    expect(response.status).toMatchObject({
      phase: 'Failed',
      message: 'plan default/plan already has 100 queued or running executions, the most it takes',
    });
    expect(syncExecution(request(execution('late'), withHistory(...queued.slice(1))), NOW).response.status).toMatchObject({
      phase: 'Pending',
    });
  });

  it('a Revert recorded before a re-created Execute of the same name does not count as its revert', () => {
    const thePlan = withHistory(
      record('e0', 'Succeeded', { uid: 'u-new' }),
      record('r0', 'Succeeded', { operationType: 'Revert', revertExecutionRef: 'e0' }),
      record('e0', 'Succeeded', { uid: 'u-old', revertedBy: 'r0' }),
    );
    const response = syncExecution(request(execution('r', { operationType: 'Revert', revertExecutionRef: 'e0' }), thePlan), NOW).response;
    expect(response.status).toMatchObject({ phase: 'Pending' });
  });

  it('a run that ended but is not released yet does not block', () => {
    const releasing = withStatus({
      phase: 'Ready',
      currentExecution: { name: 'done', namespace: 'default', uid: 'u-done' },
      run: {
        execution: { name: 'done', namespace: 'default', uid: 'u-done' },
        operationType: 'Execute',
        failurePolicy: 'Stop',
        phase: 'Succeeded',
        startTime: T0,
        stages: [],
      },
    });
    expect(syncExecution(request(execution('e1'), releasing), NOW).response.status).toMatchObject({ phase: 'Pending' });
  });

  it('a Revert without a ref targets the newest finished, unreverted Execute of the ledger', () => {
    const thePlan = withHistory(record('e3', 'Succeeded', { revertedBy: 'r3' }), record('e2', 'Failed'), record('e1', 'Succeeded'));
    const response = syncExecution(request(execution('r', { operationType: 'Revert' }), thePlan), NOW).response;
    expect(response.status).toMatchObject({ phase: 'Pending', revertTarget: 'e2' });
  });
});

describe('DRPlanExecution after admission', () => {
  const admitted = finished('e1', 'Running');
  const pending = execution('e1', {}, { status: { phase: 'Pending', conditions: [] } });

  it('mirrors a terminal record, with its reason', () => {
    const thePlan = withStatus({
      phase: 'Ready',
      executionHistory: [
        {
          name: 'e1',
          namespace: 'default',
          uid: 'uid-exec-e1',
          operationType: 'Execute',
          phase: 'Failed',
          reason: 'PlanInvalid',
          message: 'plan is invalid: x',
          startTime: T0,
          completionTime: AT,
        },
      ],
    });
    const status = syncExecution(request(pending, thePlan), NOW).response.status as {
      phase: string;
      conditions: { type: string; reason: string }[];
    };
    expect(status).toMatchObject({ phase: 'Failed', message: 'plan is invalid: x', completionTime: AT });
    expect(status.conditions.find((c) => c.type === 'Succeeded')?.reason).toBe('PlanInvalid');
  });

  it('ends Cancelled with PlanDeleted when the plan is gone', () => {
    const status = syncExecution(request(admitted), NOW).response.status;
    expect(status).toMatchObject({ phase: 'Cancelled', completionTime: AT, message: 'plan default/plan was deleted' });
  });

  it('never rewrites a terminal status, only fills what is missing', () => {
    const done = execution('e1', {}, { status: { phase: 'Succeeded', message: 'kept' } });
    const thePlan = withStatus({
      phase: 'Executed',
      executionHistory: [
        {
          name: 'e1',
          namespace: 'default',
          uid: 'uid-exec-e1',
          operationType: 'Execute',
          phase: 'Failed',
          message: 'other',
          completionTime: AT,
        },
      ],
    });
    expect(syncExecution(request(done, thePlan), NOW).response.status).toEqual({ phase: 'Succeeded', message: 'kept', completionTime: AT });
  });
});

describe('DRPlanExecution finalize', () => {
  const deleting = (status: DRPlanExecution['status']) =>
    execution(
      'e1',
      {},
      { metadata: { ...execution('e1').metadata, deletionTimestamp: '2026-01-01T00:00:05Z' }, ...(status ? { status } : {}) },
    );

  it('records Cancelled at the deletion time and waits while the plan still holds it', () => {
    const thePlan = withStatus({
      phase: 'Ready',
      executionHistory: [{ name: 'e1', namespace: 'default', uid: 'uid-exec-e1', operationType: 'Execute', phase: 'Running' }],
    });
    const { response } = finalizeExecution(request(deleting({ phase: 'Running' }), thePlan), NOW);
    expect(response).toMatchObject({
      finalized: false,
      resyncAfterSeconds: 5,
      status: { phase: 'Cancelled', completionTime: '2026-01-01T00:00:05Z', message: 'execution deleted' },
    });
  });

  it.each([
    ['the plan is gone', undefined],
    [
      'the plan holds a terminal record',
      withStatus({
        phase: 'Ready',
        executionHistory: [{ name: 'e1', namespace: 'default', uid: 'uid-exec-e1', operationType: 'Execute', phase: 'Cancelled' }],
      }),
    ],
    ['the plan never recorded it', withStatus({ phase: 'Ready' })],
  ])('finalizes when %s', (_name, thePlan) => {
    expect(finalizeExecution(request(deleting({ phase: 'Pending' }), thePlan), NOW).response.finalized).toBe(true);
  });

  it('waits while it is the current execution without a record', () => {
    const thePlan = withStatus({ phase: 'Ready', currentExecution: { name: 'e1', namespace: 'default', uid: 'uid-exec-e1' } });
    expect(finalizeExecution(request(deleting({ phase: 'Pending' }), thePlan), NOW).response.finalized).toBe(false);
  });
});

describe('DRPlanExecution archiving: the plan no longer needs it', () => {
  const ARCHIVED = 'dr.bkbcs.tencent.com/archived';
  const settled = (name: string, operationType: 'Execute' | 'Revert', phase: 'Succeeded' | 'Failed' = 'Succeeded') =>
    execution(name, operationType === 'Revert' ? { operationType, revertExecutionRef: 'e0' } : {}, {
      status: {
        phase,
        startTime: T0,
        completionTime: AT,
        conditions: [{ type: 'Accepted', status: 'True', reason: 'Admitted', message: '', lastTransitionTime: T0 }],
      },
    });
  const archivedLabel = (object: DRPlanExecution, thePlan?: DRPlan) =>
    syncExecution(request(object, thePlan), NOW).response.labels?.[ARCHIVED];

  it.each([
    [
      'a finished Revert',
      settled('r1', 'Revert'),
      withHistory(record('r1', 'Succeeded', { operationType: 'Revert', startTime: T0, completionTime: AT })),
      'true',
    ],
    [
      'a reverted Execute',
      settled('e1', 'Execute'),
      withHistory(record('e1', 'Succeeded', { revertedBy: 'r1', startTime: T0, completionTime: AT })),
      'true',
    ],
    ['an Execute that left the history', settled('e1', 'Execute'), withHistory(), 'true'],
    ['a finished execution whose plan is gone', settled('e1', 'Execute'), undefined, 'true'],
    [
      'an Execute a Revert may still target',
      settled('e1', 'Execute', 'Failed'),
      withHistory(record('e1', 'Failed', { startTime: T0, completionTime: AT })),
      undefined,
    ],
    ['a running execution', finished('e1', 'Running'), withHistory(record('e1', 'Running')), undefined],
    [
      'a finished execution the plan has not released',
      settled('r1', 'Revert'),
      withStatus({
        phase: 'Ready',
        currentExecution: { name: 'r1', namespace: 'default', uid: 'uid-exec-r1' },
        executionHistory: [record('r1', 'Succeeded', { operationType: 'Revert' })],
      }),
      undefined,
    ],
  ])('%s: archived=%s', (_name, object, thePlan, expected) => {
    expect(archivedLabel(object, thePlan)).toBe(expected);
  });

  it('leaves the controller when archived (finalize without deletion)', () => {
    const object = settled('r1', 'Revert');
    object.metadata.labels = { [ARCHIVED]: 'true' };
    const { response } = finalizeExecution(request(object, withHistory()), NOW);
    expect(response).toMatchObject({ finalized: true, labels: { [ARCHIVED]: 'true' } });
    expect(response.status).not.toHaveProperty('phase', 'Cancelled');
  });

  it('takes a hand-set archived label off an execution the plan still needs', () => {
    const object = finished('e1', 'Running');
    object.metadata.labels = { [ARCHIVED]: 'true' };
    const { response } = finalizeExecution(request(object, withHistory(record('e1', 'Running'))), NOW);
    expect(response).toMatchObject({ finalized: false, labels: { [ARCHIVED]: null }, status: { phase: 'Running' } });
  });
});
