import { describe, expect, it } from 'vitest';
import type { CompositeRequest, CompositeResponse, KubeObject } from '../../src/k8s/metacontroller.js';
import type { DRPlanStatus } from '../../src/api/plan.js';
import { deepFreeze } from '../../src/shared/frozen.js';
import { reconcilePlan } from '../../src/plan/sync.js';
import { admitted, planRequest, wf } from './plan-sync.cases.js';

/**
 * The plan hook as a table, one whole answer per case: plan `p` runs workflow `wf` (one Job
 * action `step-1`); the clock reads `at` of each case.
 */

const ELECTED_AT = '2026-01-01T00:01:00Z';
const LATER = '2026-01-01T00:02:00Z';
const JOB_NAME = 'x1-step-1-f52c041d';
const EXECUTION_X1 = { name: 'x1', namespace: 'default', uid: 'uid-exec-x1' };
const JOB_LABELS = { 'dr.bkbcs.tencent.com/plan': 'p', 'dr.bkbcs.tencent.com/execution': 'x1', 'dr.bkbcs.tencent.com/action': 'step-1' };
const POD_SPEC = { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'echo step-1'] }] };

const USAGE: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'drplan-p-uses-9b12a56b',
    namespace: 'default',
    labels: { 'dr.bkbcs.tencent.com/plan': 'p', 'uses.dr.bkbcs.tencent.com/682c9a0f2964005dea8b': 'true' },
  },
  data: { plan: 'default/p', workflows: 'default/wf' },
};

/** The plan's lock ConfigMap: the holder and the revision the status repeats. */
function lock(holder: { name: string; uid: string } | undefined, revision: number, since: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'drplan-p-lock-9b12a56b', namespace: 'default', labels: { 'dr.bkbcs.tencent.com/plan': 'p' } },
    data: { holder: holder?.uid ?? '', holderName: holder?.name ?? '', revision: String(revision), since },
  };
}
const FREE = lock(undefined, 1, ELECTED_AT);
const HELD = lock(EXECUTION_X1, 1, ELECTED_AT);
/** The usage ConfigMap as the API server stored it. */
const STORED_USAGE: KubeObject = { ...USAGE, metadata: { ...USAGE.metadata, uid: 'uid-usage', resourceVersion: '7' } };

/** The Job the run asks for, as the hook writes it. */
const JOB: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    name: JOB_NAME,
    namespace: 'default',
    labels: JOB_LABELS,
    annotations: { 'dr.bkbcs.tencent.com/action-id': 'main/0/step-1' },
  },
  spec: { backoffLimit: 0, template: { spec: POD_SPEC, metadata: { labels: JOB_LABELS } }, activeDeadlineSeconds: 300 },
};
/** The same Job once the API server stored it, running and then finished. */
const STORED_JOB: KubeObject = { ...JOB, metadata: { ...JOB.metadata, uid: 'uid-job-1' }, status: { active: 1 } };
const DONE_AT = '2026-01-01T00:01:30Z';
const FINISHED_JOB: KubeObject = {
  ...STORED_JOB,
  status: { succeeded: 1, completionTime: DONE_AT, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: DONE_AT }] },
};
/** A finished Job kept for `kubectl logs`: what the children showed, without the server's fields. */
const KEPT_JOB: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: JOB_NAME, namespace: 'default', labels: JOB_LABELS },
  spec: JOB.spec,
};

function conditions(at: string, executed: 'never' | 'executed'): unknown[] {
  return [
    executed === 'never'
      ? {
          type: 'Executed',
          status: 'False',
          reason: 'NeverExecuted',
          message: 'no operation has succeeded yet',
          observedGeneration: 1,
          lastTransitionTime: at,
        }
      : {
          type: 'Executed',
          status: 'True',
          reason: 'ExecuteSucceeded',
          message: 'last successful operation: Execute x1',
          observedGeneration: 1,
          lastTransitionTime: at,
        },
    {
      type: 'Ready',
      status: 'True',
      reason: 'ValidationSucceeded',
      message: 'Plan is valid and ready to execute',
      observedGeneration: 1,
      lastTransitionTime: ELECTED_AT,
    },
  ];
}

/** One stage `main`, one workflow `wf`, one action `step-1`, each with the phase and message given. */
function run(
  phase: string,
  action: Record<string, unknown>,
  ended?: { phase: string; at: string; messages: [string, string, string] },
): Record<string, unknown> {
  const end = (message: string) => (ended === undefined ? {} : { message, completionTime: ended.at });
  return {
    execution: EXECUTION_X1,
    operationType: 'Execute',
    failurePolicy: 'Stop',
    phase,
    startTime: ELECTED_AT,
    stages: [
      {
        name: 'main',
        parallel: false,
        phase: ended?.phase ?? 'Running',
        workflows: [
          {
            workflowRef: { namespace: 'default', name: 'wf' },
            failurePolicy: 'FailFast',
            phase: ended?.phase ?? 'Running',
            actions: [
              {
                id: 'main/0/step-1',
                name: 'step-1',
                type: 'Job',
                timeoutSeconds: 300,
                job: { spec: { backoffLimit: 0, template: { spec: POD_SPEC } } },
                startTime: ELECTED_AT,
                jobName: JOB_NAME,
                ...action,
              },
            ],
            startTime: ELECTED_AT,
            ...end(ended?.messages[1] ?? ''),
          },
        ],
        startTime: ELECTED_AT,
        ...end(ended?.messages[0] ?? ''),
      },
    ],
    ...end(ended?.messages[2] ?? ''),
  };
}

const JOB_REF = { kind: 'Job', apiVersion: 'batch/v1', namespace: 'default', name: JOB_NAME };
const RUNNING_RUN = run('Running', { phase: 'Running', outputs: { jobRef: JOB_REF } });
const RUNNING_RECORD = { ...EXECUTION_X1, operationType: 'Execute', phase: 'Running', startTime: ELECTED_AT };
const RUNNING: DRPlanStatus = {
  phase: 'Ready',
  conditions: conditions(ELECTED_AT, 'never'),
  executionHistory: [RUNNING_RECORD],
  currentExecution: EXECUTION_X1,
  run: RUNNING_RUN,
  lockRevision: 1,
  observedGeneration: 1,
} as DRPlanStatus;

const SUCCEEDED_RECORD = { ...RUNNING_RECORD, phase: 'Succeeded', completionTime: LATER, message: 'All stages completed successfully' };
const SUCCEEDED: DRPlanStatus = {
  phase: 'Executed',
  conditions: conditions(LATER, 'executed'),
  executionHistory: [SUCCEEDED_RECORD],
  currentExecution: EXECUTION_X1,
  run: run(
    'Succeeded',
    {
      phase: 'Succeeded',
      outputs: { jobRef: { ...JOB_REF, uid: 'uid-job-1' } },
      message: `Job default/${JOB_NAME} completed`,
      completionTime: DONE_AT,
      jobSeen: true,
    },
    {
      phase: 'Succeeded',
      at: LATER,
      messages: ['Stage completed: 1 workflow(s) succeeded', 'All actions completed successfully', 'All stages completed successfully'],
    },
  ),
  lastExecutionRef: 'x1',
  lastExecutionTime: LATER,
  lockRevision: 1,
  observedGeneration: 1,
} as DRPlanStatus;

const { currentExecution: _released, run: _ended, ...IDLE_AFTER_SUCCESS } = { ...SUCCEEDED, lockRevision: 2 };

function cancelled(reason: string, message: string, at: string): DRPlanStatus {
  return {
    phase: 'Ready',
    conditions: conditions(LATER, 'never').map((condition, index) =>
      index === 0 ? { ...(condition as object), lastTransitionTime: ELECTED_AT } : condition,
    ),
    executionHistory: [{ ...RUNNING_RECORD, phase: 'Cancelled', reason, message, completionTime: at }],
    currentExecution: EXECUTION_X1,
    run: run(
      'Cancelled',
      { phase: 'Failed', outputs: { jobRef: JOB_REF }, message: `interrupted: ${message}`, completionTime: at, jobSeen: true },
      { phase: 'Failed', at, messages: [`interrupted: ${message}`, `interrupted: ${message}`, message] },
    ),
    lockRevision: 1,
    observedGeneration: 1,
  } as DRPlanStatus;
}

/** A run too large for the status: its Job template kept apart, in a ConfigMap the status names. */
const DEFINITIONS_NAME = 'drplan-p-x1-definitions-0-15b72595';
const DEFINITIONS: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: DEFINITIONS_NAME,
    namespace: 'default',
    labels: { 'dr.bkbcs.tencent.com/plan': 'p', 'dr.bkbcs.tencent.com/execution': 'x1' },
  },
  data: { 'action-0': JSON.stringify({ job: { spec: { backoffLimit: 0, template: { spec: POD_SPEC } } } }) },
};
const STORED_DEFINITIONS: KubeObject = {
  ...DEFINITIONS,
  metadata: { ...DEFINITIONS.metadata, uid: 'uid-definitions', resourceVersion: '9' },
};
const withoutJob = (status: DRPlanStatus): DRPlanStatus => {
  const apart = JSON.parse(JSON.stringify(status)) as DRPlanStatus & { run: { definitions?: string[] } };
  apart.run.definitions = [DEFINITIONS_NAME];
  delete apart.run.stages[0]?.workflows[0]?.actions[0]?.job;
  return apart;
};
const RUNNING_APART = withoutJob(RUNNING);
const SEEN_APART = withoutJob({
  ...RUNNING,
  run: run('Running', { phase: 'Running', outputs: { jobRef: { ...JOB_REF, uid: 'uid-job-1' } }, jobSeen: true }),
} as DRPlanStatus);

interface Case {
  reason: string;
  at: string;
  request: CompositeRequest;
  want: { response: CompositeResponse; decision: string; deferSeconds?: number };
}

const cases: Record<string, Case> = {
  'idle plan': {
    reason: 'a valid plan with nothing to run is Ready and owns its usage ConfigMap',
    at: ELECTED_AT,
    request: planRequest(undefined, [wf]),
    want: {
      response: {
        status: {
          phase: 'Ready',
          conditions: conditions(ELECTED_AT, 'never'),
          executionHistory: [],
          lockRevision: 1,
          observedGeneration: 1,
        },
        children: [USAGE, FREE],
      },
      decision: 'idle',
    },
  },
  'missing workflow': {
    reason: 'a plan whose workflow does not exist is Invalid and says which',
    at: ELECTED_AT,
    request: planRequest(undefined, []),
    want: {
      response: {
        status: {
          phase: 'Invalid',
          conditions: [
            conditions(ELECTED_AT, 'never')[0],
            {
              type: 'Ready',
              status: 'False',
              reason: 'ValidationFailed',
              message: 'Validation failed: [stage[0] main: workflow default/wf not found]',
              observedGeneration: 1,
              lastTransitionTime: ELECTED_AT,
            },
          ],
          executionHistory: [],
          lockRevision: 1,
          observedGeneration: 1,
        },
        children: [USAGE, FREE],
      },
      decision: 'Invalid (1)',
    },
  },
  'first execution': {
    reason: 'an admitted execution is recorded and elected: the lock names it, its Job waits until the lock is seen',
    at: ELECTED_AT,
    request: planRequest(undefined, [wf, admitted('x1')]),
    want: {
      response: { status: RUNNING, children: [USAGE, HELD], resyncAfterSeconds: 300 },
      decision: 'running x1; recorded x1; elected x1',
    },
  },
  'lock observed': {
    reason: 'the lock child names the run: its first Job is asked for',
    at: ELECTED_AT,
    request: planRequest(RUNNING, [wf, admitted('x1', 'Running')], [HELD]),
    want: {
      response: { status: RUNNING, children: [JOB, USAGE, HELD], resyncAfterSeconds: 300 },
      decision: 'running x1',
    },
  },
  'stale view': {
    reason: 'the lock is newer than the status (a cache behind the last sync): deferred, nothing written',
    at: LATER,
    request: planRequest(RUNNING, [wf, admitted('x1', 'Running')], [STORED_JOB, lock(undefined, 2, '2026-01-01T00:01:50Z')]),
    want: {
      response: { status: RUNNING, children: [KEPT_JOB, lock(undefined, 2, '2026-01-01T00:01:50Z')] },
      decision: 'stale view: lock revision 2, status revision 1',
      deferSeconds: 1,
    },
  },
  'status overwritten': {
    reason: 'a status written from an older view lost the holder: the lock holder is current again, its Job asked for',
    at: ELECTED_AT,
    request: planRequest(
      {
        phase: 'Ready',
        conditions: conditions(ELECTED_AT, 'never'),
        executionHistory: [{ ...RUNNING_RECORD, phase: 'Pending', startTime: '2026-01-01T00:00:00Z' }],
        lockRevision: 1,
        observedGeneration: 1,
      } as DRPlanStatus,
      [wf, admitted('x1'), admitted('x0', 'Pending', { creationTimestamp: '2025-12-31T23:59:00Z', uid: 'uid-exec-x0' })],
      [HELD],
    ),
    want: {
      response: {
        status: {
          ...RUNNING,
          executionHistory: [
            {
              name: 'x0',
              namespace: 'default',
              uid: 'uid-exec-x0',
              operationType: 'Execute',
              phase: 'Pending',
              startTime: '2025-12-31T23:59:00Z',
            },
            RUNNING_RECORD,
          ],
        } as DRPlanStatus,
        children: [JOB, USAGE, HELD],
        resyncAfterSeconds: 300,
      },
      decision: 'running x1; recorded x0; x1 holds the lock: current again; elected x1',
    },
  },
  'second execution while one runs': {
    reason: 'a later execution is recorded Pending, newest first; the run goes on',
    at: LATER,
    request: planRequest(
      RUNNING,
      [wf, admitted('x1', 'Running'), admitted('x2', 'Pending', { creationTimestamp: '2026-01-01T00:00:30Z' })],
      [STORED_JOB, HELD],
    ),
    want: {
      response: {
        status: {
          ...RUNNING,
          executionHistory: [
            {
              name: 'x2',
              namespace: 'default',
              uid: 'uid-exec-x2',
              operationType: 'Execute',
              phase: 'Pending',
              startTime: '2026-01-01T00:00:30Z',
            },
            RUNNING_RECORD,
          ],
          run: run('Running', { phase: 'Running', outputs: { jobRef: { ...JOB_REF, uid: 'uid-job-1' } }, jobSeen: true }),
        } as DRPlanStatus,
        children: [JOB, USAGE, HELD],
        resyncAfterSeconds: 240,
      },
      decision: 'running x1; recorded x2',
    },
  },
  'Job finished': {
    reason: 'the run succeeds, lastExecutionRef moves; the lock waits for the execution to show it',
    at: LATER,
    request: planRequest(RUNNING, [wf, admitted('x1', 'Running')], [FINISHED_JOB, HELD]),
    want: { response: { status: SUCCEEDED, children: [JOB, USAGE, HELD], resyncAfterSeconds: 10 }, decision: 'running x1; x1 succeeded' },
  },
  'execution shows the outcome': {
    reason: 'the lock is released; the finished Job is kept for its logs',
    at: LATER,
    request: planRequest(SUCCEEDED, [wf, admitted('x1', 'Succeeded')], [FINISHED_JOB, HELD]),
    want: {
      response: { status: IDLE_AFTER_SUCCESS, children: [KEPT_JOB, USAGE, lock(undefined, 2, LATER)] },
      decision: 'idle; released x1',
    },
  },
  'execution deleted mid-run': {
    reason: 'its record becomes Cancelled at the deletion time and its running Job is dropped',
    at: LATER,
    request: planRequest(RUNNING, [wf, admitted('x1', 'Running', { deletionTimestamp: '2026-01-01T00:01:40Z' })], [STORED_JOB, HELD]),
    want: {
      response: {
        status: cancelled('Deleted', 'execution deleted', '2026-01-01T00:01:40Z'),
        children: [USAGE, HELD],
        resyncAfterSeconds: 10,
      },
      decision: 'running x1; cancelled x1: execution deleted',
    },
  },
  'definitions apart': {
    reason: 'a run whose templates live in a ConfigMap reads them back: the Job is described, the ConfigMap kept as observed',
    at: LATER,
    request: planRequest(RUNNING_APART, [wf, admitted('x1', 'Running')], [STORED_JOB, HELD, STORED_DEFINITIONS]),
    want: {
      response: { status: SEEN_APART, children: [JOB, USAGE, HELD, DEFINITIONS], resyncAfterSeconds: 240 },
      decision: 'running x1',
    },
  },
  'definitions not observed yet': {
    reason: 'the lock shows but the ConfigMap holding the templates does not yet: no Job is described, the wait is noted and bounded',
    at: '2026-01-01T00:01:10Z',
    request: planRequest(RUNNING_APART, [wf, admitted('x1', 'Running')], [HELD]),
    want: {
      response: {
        status: { ...RUNNING_APART, run: { ...RUNNING_APART.run, definitionsMissingSince: '2026-01-01T00:01:10Z' } } as DRPlanStatus,
        children: [USAGE, HELD],
        resyncAfterSeconds: 30,
      },
      decision: `running x1; waiting for the definitions of main/0/step-1 (ConfigMaps ${DEFINITIONS_NAME})`,
    },
  },
  'lock older than the status': {
    reason:
      'a released status meets a lagging lock still naming the ended run: the lock keeps it for the grace, the status keeps its revision',
    at: '2026-01-01T00:01:10Z',
    request: planRequest(IDLE_AFTER_SUCCESS, [wf], [FINISHED_JOB, HELD]),
    want: {
      response: { status: IDLE_AFTER_SUCCESS, children: [KEPT_JOB, USAGE, HELD] },
      decision: 'idle; lock still held by x1',
    },
  },
  'unreadable status': {
    reason: 'a status that fails the schema is kept as it is, children too, with a condition saying why',
    at: LATER,
    request: planRequest({ executionHistory: 'lost' } as unknown as DRPlanStatus, [wf], [STORED_JOB, STORED_USAGE]),
    want: {
      response: {
        status: {
          executionHistory: 'lost',
          conditions: [
            {
              type: 'StatusReadable',
              status: 'False',
              reason: 'SchemaMismatch',
              message:
                'the plan\'s status fails the schema, so the plan is left as it is until it is fixed: /executionHistory: must be a list (got "lost")',
              lastTransitionTime: LATER,
            },
          ],
        },
        children: [
          { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: JOB_NAME, namespace: 'default', labels: JOB_LABELS }, spec: JOB.spec },
          USAGE,
        ],
      },
      decision: 'status unreadable, left unchanged: /executionHistory: must be a list (got "lost")',
    },
  },
  'unreadable spec': {
    reason: 'a spec that fails the schema makes the plan Invalid; its usage ConfigMap is kept, so the workflows it named stay protected',
    at: LATER,
    request: {
      ...planRequest(undefined, [wf], [STORED_USAGE]),
      parent: { ...planRequest(undefined, []).parent, spec: { stages: 'all of them' } },
    },
    want: {
      response: {
        status: {
          phase: 'Invalid',
          conditions: [
            conditions(LATER, 'never')[0],
            {
              type: 'Ready',
              status: 'False',
              reason: 'ValidationFailed',
              message: 'Validation failed: [spec/stages: must be a list (got "all of them")]',
              observedGeneration: 1,
              lastTransitionTime: LATER,
            },
          ],
          executionHistory: [],
          lockRevision: 1,
          observedGeneration: 1,
        },
        children: [USAGE, lock(undefined, 1, LATER)],
      },
      decision: 'Invalid (1)',
    },
  },
  'plan deleted mid-run': {
    reason: 'finalize cancels the run, drops its Job, and holds the deletion while the Job still runs',
    at: LATER,
    request: planRequest(RUNNING, [wf, admitted('x1', 'Running')], [STORED_JOB, HELD], true),
    want: {
      response: { status: cancelled('PlanDeleted', 'plan deleted', LATER), children: [HELD], resyncAfterSeconds: 10, finalized: false },
      decision: 'running x1; cancelled x1: plan deleted; waiting for 1 running Job(s)',
    },
  },
};

describe('reconcilePlan', () => {
  it.each(Object.entries(cases))('%s', (_name, { request, at, want }) => {
    expect(reconcilePlan(request, new Date(at))).toStrictEqual(want);
  });
});

/**
 * A rehearsal hands the hook the store's frozen objects, and the hook remembers what it worked
 * out about a frozen object: the answers must be the same, on the first call and the next.
 */
describe('reconcilePlan of a frozen request', () => {
  it.each(Object.entries(cases))('%s', (_name, { request, at, want }) => {
    const frozen = deepFreeze(structuredClone(request));
    expect(reconcilePlan(frozen, new Date(at))).toStrictEqual(want);
    expect(reconcilePlan(frozen, new Date(at))).toStrictEqual(want);
  });
});
