import { afterEach, describe, expect, it } from 'vitest';
import type { ContractHarness, KubeObject } from '../../src/harness/index.js';
import type { DRPlanExecutionStatus } from '../../src/api/execution.js';
import type { DRPlanStatus } from '../../src/api/plan.js';
import { startCluster, type Cluster } from '../fixtures/cluster.js';
import { condition, expectStatusesHealthy, fixtures, live, runToEnd, statusOf } from './play.js';

/**
 * A cluster the Go controller ran: its objects, statuses included, exist before drplan-hooks is
 * installed (the Go controller stopped mid-run). The first sync happens a month later. The
 * plan must be read, not frozen; history kept; the stale lock released; runs the old controller
 * can no longer finish end Failed saying so; and the plan goes on: a new Execute runs, and a
 * Revert undoes an execution the Go controller ran.
 */
const CREATED = new Date('2026-03-01T00:00:00Z');
const INSTALLED = new Date('2026-04-01T00:00:00Z');
const NAMESPACE = 'default';

let cluster: Cluster;
afterEach(async () => {
  expectStatusesHealthy(cluster.harness);
  await cluster.close();
});

async function takeOver(): Promise<ContractHarness> {
  cluster = await startCluster({ start: CREATED });
  const { harness } = cluster;
  for (const object of fixtures('go-controller')) {
    harness.apply(object);
    harness.updateStatus(object.kind ?? '', NAMESPACE, object.metadata.name, object.status);
  }
  // Nothing has synced yet: the first hook calls happen at the install.
  await harness.advance((INSTALLED.getTime() - CREATED.getTime()) / 1000);
  return harness;
}

function execution(name: string): KubeObject {
  return { apiVersion: 'dr.bkbcs.tencent.com/v1alpha1', kind: 'DRPlanExecution', metadata: { name, namespace: NAMESPACE }, spec: {} };
}

function executionStatus(harness: ContractHarness, name: string): DRPlanExecutionStatus {
  return statusOf(harness, execution(name)) as DRPlanExecutionStatus;
}

function planStatus(harness: ContractHarness): DRPlanStatus {
  return (live(harness, {
    apiVersion: 'dr.bkbcs.tencent.com/v1alpha1',
    kind: 'DRPlan',
    metadata: { name: 'orders-dr-plan', namespace: NAMESPACE },
  }).status ?? {}) as DRPlanStatus;
}

describe('taking over from the Go controller', () => {
  it('reads its plan: history kept and keyed by uid, Canceled read as Cancelled, the stale lock released, phase kept', async () => {
    const harness = await takeOver();
    expect(harness.events.some((event) => event.startsWith('status DRPlan'))).toBe(true);
    const status = planStatus(harness);
    expect(condition(status as never, 'Ready')?.status).toBe('True');
    expect(status.phase).toBe('Executed');
    expect(status.lastExecutionRef).toBe('orders-exec-002');
    expect(status.currentExecution).toBeUndefined();
    expect(status.executionHistory?.map((record) => `${record.name}:${record.phase}`)).toEqual([
      'orders-exec-004:Failed',
      'orders-exec-003:Cancelled',
      'orders-exec-002:Succeeded',
      'orders-revert-001:Succeeded',
      'orders-exec-001:Succeeded',
    ]);
    for (const record of status.executionHistory ?? []) {
      expect(record.uid, record.name).toBe(live(harness, execution(record.name)).metadata.uid);
    }
    expect(status.executionHistory?.[0]?.message).toMatch(/bcs-drplan-controller.*cannot continue that run/);
  });

  it('reads its executions: Canceled steps, sparse summaries, no conditions; runs it left unfinished end Failed saying why', async () => {
    const harness = await takeOver();
    const cancelled = executionStatus(harness, 'orders-exec-003');
    expect(cancelled.phase).toBe('Cancelled');
    expect(cancelled.stageStatuses?.[0]?.phase).toBe('Cancelled');
    expect(cancelled.stageStatuses?.[0]?.workflowExecutions?.[0]?.actionStatuses?.map((action) => action.phase)).toEqual([
      'Succeeded',
      'Cancelled',
    ]);
    const finished = executionStatus(harness, 'orders-exec-001');
    expect(finished.phase).toBe('Succeeded');
    expect(finished.summary).toEqual({ totalStages: 1, completedStages: 1, totalWorkflows: 1, completedWorkflows: 1 });
    expect(live(harness, execution('orders-exec-001')).metadata.labels?.['dr.bkbcs.tencent.com/plan']).toBe('orders-dr-plan');
    for (const name of ['orders-exec-004', 'orders-exec-000']) {
      const stranded = executionStatus(harness, name);
      expect(stranded.phase, name).toBe('Failed');
      expect(stranded.message, name).toMatch(/started by bcs-drplan-controller/);
      expect(condition(stranded as never, 'Complete')?.status, name).toBe('True');
    }
    // What the old run did is kept, so that it can be reverted.
    expect(executionStatus(harness, 'orders-exec-004').stageStatuses?.[0]?.workflowExecutions?.[0]?.actionStatuses?.[0]?.phase).toBe(
      'Succeeded',
    );
  });

  it('goes on: a new Execute runs, and a Revert of an Execute the Go controller ran is admitted and walks its actions backwards', async () => {
    const harness = await takeOver();
    const next = { ...execution('orders-exec-005'), spec: { planRef: 'orders-dr-plan', operationType: 'Execute' } };
    expect((await runToEnd(harness, next)).phase).toBe('Succeeded');
    expect(planStatus(harness).executionHistory?.[0]?.name).toBe('orders-exec-005');

    const revert = {
      ...execution('orders-revert-002'),
      spec: { planRef: 'orders-dr-plan', operationType: 'Revert', revertExecutionRef: 'orders-exec-002' },
    };
    const reverted = (await runToEnd(harness, revert)) as DRPlanExecutionStatus;
    expect(reverted.phase, String(reverted.message)).toBe('Succeeded');
    const undone = reverted.stageStatuses?.[0]?.workflowExecutions?.[0]?.actionStatuses ?? [];
    expect(undone.map((action) => action.name)).toEqual(['promote-db', 'stop-writes']);
    // The Go controller's Jobs are not the plan's children, and these are long gone.
    for (const action of undone) expect(action.message).toMatch(/^No Job to roll back: default\/(promote-db|stop-writes)-/);
    const status = planStatus(harness);
    expect(status.phase).toBe('Ready');
    expect(status.executionHistory?.find((record) => record.name === 'orders-exec-002')?.revertedBy).toBe('orders-revert-002');
  });
});
