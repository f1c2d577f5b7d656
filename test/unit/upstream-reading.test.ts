import { describe, expect, it } from 'vitest';
import { isAdmitted } from '../../src/api/ledger.js';
import { DRPlanExecution, DRPlanExecutionStatus } from '../../src/api/execution.js';
import { strandedUpstreamRun } from '../../src/execution/upstream.js';
import type { CompositeRequest } from '../../src/k8s/metacontroller.js';
import { readUpstream } from '../../src/k8s/upstream.js';
import { checkObject } from '../../src/k8s/validate.js';
import { DRPlanStatus, type ExecutionRecord } from '../../src/api/plan.js';
import { reconcilePlan } from '../../src/plan/sync.js';
import { adoptUpstreamRecords, withUpstreamUndo } from '../../src/plan/upstream.js';
import { UPSTREAM_RUN_LOST } from '../../src/api/ledger.js';
import { crdSchema } from '../fixtures/crd.js';
import { execution, NAMESPACE, plan, readyWorkflow, T0, workflow } from '../fixtures/objects.js';

const KEY = 'dr.bkbcs.tencent.com/v1alpha1';
const accepted = [{ type: 'Accepted', status: 'True' as const, reason: 'Admitted', message: '', lastTransitionTime: T0 }];

describe('reading the Go controller spelling Canceled', () => {
  const upstreamStatus = {
    phase: 'Canceled',
    summary: { totalStages: 1 },
    stageStatuses: [
      {
        name: 's',
        phase: 'Canceled',
        workflowExecutions: [
          {
            workflowRef: { name: 'wf' },
            phase: 'Canceled',
            actionStatuses: [
              { name: 'a', phase: 'Succeeded' },
              { name: 'b', phase: 'Canceled' },
            ],
          },
        ],
      },
    ],
  };

  it('reads Canceled as Cancelled everywhere in an execution status, and a summary without its zero counters', () => {
    const checked = checkObject(DRPlanExecutionStatus, upstreamStatus);
    expect(checked).toMatchObject({ ok: true });
    if (!checked.ok) return;
    expect(checked.value.phase).toBe('Cancelled');
    const stage = checked.value.stageStatuses?.[0];
    expect([stage?.phase, stage?.workflowExecutions?.[0]?.phase]).toEqual(['Cancelled', 'Cancelled']);
    expect(stage?.workflowExecutions?.[0]?.actionStatuses?.map((action) => action.phase)).toEqual(['Succeeded', 'Cancelled']);
    expect(checked.value.summary).toEqual({ totalStages: 1 });
  });

  it('reads Canceled history records of a plan status; the value given is left untouched', () => {
    const status = { executionHistory: [{ name: 'e', namespace: NAMESPACE, operationType: 'Execute', phase: 'Canceled' }] };
    const before = structuredClone(status);
    const checked = checkObject(DRPlanStatus, status);
    expect(checked.ok && checked.value.executionHistory?.[0]?.phase).toBe('Cancelled');
    expect(status).toEqual(before);
  });

  it('returns the very same value when there is nothing to rename', () => {
    const status = { phase: 'Cancelled', stageStatuses: [{ name: 's', phase: 'Skipped' }] };
    expect(readUpstream(status)).toBe(status);
    const object = { status };
    expect(readUpstream(object)).toBe(object);
  });

  it('the CRDs admit Canceled wherever they admit Cancelled', () => {
    const execution = crdSchema('drplanexecutions').properties?.['status']?.properties;
    expect(execution?.['phase']?.enum).toEqual(expect.arrayContaining(['Cancelled', 'Canceled']));
    expect(execution?.['stageStatuses']?.items?.properties?.['phase']?.enum).toEqual(expect.arrayContaining(['Cancelled', 'Canceled']));
    const record = crdSchema('drplans').properties?.['status']?.properties?.['executionHistory']?.items?.properties;
    expect(record?.['phase']?.enum).toEqual(expect.arrayContaining(['Cancelled', 'Canceled']));
  });
});

describe('schema problems say what to write', () => {
  it.each([
    [{ planRef: 'p' }, ['/operationType: is required']],
    [{ planRef: 'p', operationType: 'execute' }, ['/operationType: must be one of Execute, Revert (got "execute")']],
    [{ planRef: { name: 'p' }, operationType: 'Execute' }, ['/planRef: must be a string (got an object)']],
    [null, [': must be an object (got null)']],
  ])('%j', (spec, problems) => {
    const checked = checkObject(DRPlanExecution.properties.spec, spec);
    expect(checked).toEqual({ ok: false, problems });
  });
});

describe('isAdmitted', () => {
  it.each([
    ['Accepted=True', { phase: 'Pending', conditions: accepted }, true],
    ['Accepted=False', { phase: 'Failed', conditions: [{ ...accepted[0], status: 'False' as const }] }, false],
    ['no conditions, terminal: run by the Go controller', { phase: 'Succeeded' }, true],
    ['no conditions, Failed: run by the Go controller', { phase: 'Failed' }, true],
    ['no conditions, still running', { phase: 'Running' }, false],
    ['no status', undefined, false],
  ])('%s', (_name, status, expected) => {
    expect(isAdmitted(execution('e', {}, status === undefined ? {} : { status: status as never }))).toBe(expected);
  });
});

describe('history records without uid', () => {
  const record = (name: string, phase: ExecutionRecord['phase'], startTime = '2026-01-02T00:00:00Z'): ExecutionRecord => ({
    name,
    namespace: NAMESPACE,
    operationType: 'Execute',
    phase,
    startTime,
  });

  it('take the uid of their execution by name, newest record first, each execution once', () => {
    const history = [record('e', 'Succeeded'), record('e', 'Failed', '2026-01-01T12:00:00Z'), record('gone', 'Succeeded')];
    const notes = adoptUpstreamRecords(history, [execution('e', {}, { status: { phase: 'Succeeded' } })], '2026-02-01T00:00:00Z');
    expect(history.map((r) => r.uid)).toEqual(['uid-exec-e', undefined, undefined]);
    expect(notes).toEqual([]);
  });

  it('are not given to an execution created after the record started (a new one of the same name)', () => {
    const history = [record('e', 'Succeeded', '2025-12-31T00:00:00Z')];
    adoptUpstreamRecords(history, [execution('e')], '2026-02-01T00:00:00Z');
    expect(history[0]?.uid).toBeUndefined();
  });

  it('still open: follow their finished execution, or end Failed when the old run can never finish', () => {
    const history = [record('running', 'Pending'), record('done', 'Pending')];
    const executions = [
      execution('running', {}, { status: { phase: 'Running' } }),
      execution(
        'done',
        {},
        { status: { phase: 'Succeeded', completionTime: '2026-01-03T00:00:00Z', message: 'All stages completed successfully' } },
      ),
    ];
    adoptUpstreamRecords(history, executions, '2026-02-01T00:00:00Z');
    expect(history[0]).toMatchObject({
      uid: 'uid-exec-running',
      phase: 'Failed',
      reason: 'RunLost',
      message: UPSTREAM_RUN_LOST,
      completionTime: '2026-02-01T00:00:00Z',
    });
    expect(history[1]).toMatchObject({
      uid: 'uid-exec-done',
      phase: 'Succeeded',
      completionTime: '2026-01-03T00:00:00Z',
      message: 'All stages completed successfully',
    });
  });

  it('over the limit: the oldest are dropped, not the newest', () => {
    const upstream = Array.from({ length: 10 }, (_, index) => record(`old-${9 - index}`, 'Succeeded'));
    const newest = { ...record('new', 'Succeeded'), uid: 'uid-exec-new' };
    const request = {
      parent: plan('plan', { historyLimit: 3 }, { status: { phase: 'Ready', executionHistory: [newest, ...upstream] } }),
      children: {},
      related: { [`DRWorkflow.${KEY}`]: { w: readyWorkflow('wf') } },
    } as unknown as CompositeRequest;
    const status = reconcilePlan(request, new Date('2026-02-01T00:00:00Z')).response.status as DRPlanStatus;
    expect(status.executionHistory?.map((r) => r.name)).toEqual(['new', 'old-9', 'old-8']);
  });
});

describe('an execution the Go controller left running', () => {
  const planOf = (history: ExecutionRecord[]) => plan('plan', {}, { status: { phase: 'Ready', executionHistory: history } });
  const running = execution('e', {}, { status: { phase: 'Running' } });

  it('ends Failed when its plan has no record of it', () => {
    expect(strandedUpstreamRun(running, planOf([]), '2026-02-01T00:00:00Z')).toEqual({
      phase: 'Failed',
      fields: { completionTime: '2026-02-01T00:00:00Z', message: UPSTREAM_RUN_LOST },
      reason: 'RunLost',
    });
  });

  it('is left to its plan while the plan still has its record by name', () => {
    const record: ExecutionRecord = { name: 'e', namespace: NAMESPACE, operationType: 'Execute', phase: 'Pending' };
    expect(strandedUpstreamRun(running, planOf([record]), T0)).toBeUndefined();
  });

  it('is not one when this project admitted it (it has an Accepted condition)', () => {
    expect(strandedUpstreamRun(execution('e', {}, { status: { phase: 'Running', conditions: accepted } }), planOf([]), T0)).toBeUndefined();
  });
});

describe('reverting what the Go controller ran', () => {
  const http = workflow('wf', {
    parameters: [{ name: 'gateway', default: 'gw.example' }],
    actions: [
      {
        name: 'switch',
        type: 'HTTP',
        http: { url: 'https://$(params.gateway)/switch' },
        rollback: { type: 'HTTP', http: { url: 'https://$(params.gateway)/restore?mode=$(params.mode)' } },
      },
      { name: 'job', type: 'Job', job: { template: { spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } } } },
    ],
  });
  const target = (actions: { name: string; phase: 'Succeeded'; outputs?: object; type?: 'HTTP' }[]) =>
    execution(
      't',
      { params: [{ name: 'gateway', value: 'gw.standby' }] },
      {
        status: {
          phase: 'Succeeded',
          stageStatuses: [
            {
              name: 'main',
              phase: 'Succeeded',
              workflowExecutions: [{ workflowRef: { name: 'wf' }, phase: 'Succeeded', actionStatuses: actions }],
            },
          ],
        },
      },
    );
  const actionsOf = (reverted: ReturnType<typeof target>) => reverted.status?.stageStatuses?.[0]?.workflowExecutions?.[0]?.actionStatuses;

  it('takes each action type and rendered rollback from the current specs, as the Go controller did', () => {
    const reverted = withUpstreamUndo(
      target([
        { name: 'switch', phase: 'Succeeded' },
        { name: 'job', phase: 'Succeeded' },
      ]),
      plan('plan'),
      new Map([['default/wf', http]]),
    );
    expect(actionsOf(reverted)).toEqual([
      {
        name: 'switch',
        phase: 'Succeeded',
        type: 'HTTP',
        rollback: { type: 'HTTP', http: { url: 'https://gw.standby/restore?mode=rollback' } },
      },
      { name: 'job', phase: 'Succeeded', type: 'Job' },
    ]);
  });

  it('an action no longer defined gets the type its outputs show', () => {
    const reverted = withUpstreamUndo(
      target([{ name: 'gone', phase: 'Succeeded', outputs: { localizationRef: { name: 'l' } } }]),
      plan('plan'),
      new Map([['default/wf', http]]),
    );
    expect(actionsOf(reverted)?.[0]?.type).toBe('Localization');
  });

  it('leaves targets this project ran as they are', () => {
    const ours = target([{ name: 'switch', phase: 'Succeeded', type: 'HTTP' }]);
    expect(withUpstreamUndo(ours, plan('plan'), new Map([['default/wf', http]]))).toBe(ours);
  });
});
