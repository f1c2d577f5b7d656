import { resolveParams } from '../engine/params.js';
import { renderDeep, type Params } from '../engine/template.js';
import type { ActionOutputs, ActionStatus, DRPlanExecution, StageStatus } from '../api/execution.js';
import { isTerminal } from '../api/execution.js';
import { parseTime } from '../k8s/time.js';
import type { ActionType, DRWorkflow } from '../api/workflow.js';
import { endRecord } from './ledger.js';
import type { DRPlan, ExecutionRecord } from '../api/plan.js';
import { UPSTREAM_RUN_LOST } from '../api/ledger.js';

/**
 * What the plan hook needs to take over a plan the Go `bcs-drplan-controller` ran. That controller
 * keyed its history records by name, ran each execution in one go inside its own process, and
 * recorded of each action neither its type nor its rollback (it read both from the current specs
 * when reverting).
 */

/**
 * Gives each history record without uid the uid of its execution: same namespace, name and
 * operation, created no later than the record started; newest record first, each execution
 * claimed once. Records whose execution is gone keep no uid. An adopted record that is still
 * open takes the outcome its execution shows, or, while the execution is not finished, ends
 * Failed: the run it stands for died with the old controller. Returns what it did, for the log.
 */
export function adoptUpstreamRecords(history: ExecutionRecord[], executions: readonly DRPlanExecution[], at: string): string[] {
  const notes: string[] = [];
  const claimed = new Set(history.flatMap((record) => (record.uid === undefined ? [] : [record.uid])));
  for (const record of history) {
    if (record.uid !== undefined) continue;
    const execution = executions.find((candidate) => belongsTo(record, candidate) && !claimed.has(candidate.metadata.uid ?? ''));
    const uid = execution?.metadata.uid;
    if (execution === undefined || uid === undefined) continue;
    claimed.add(uid);
    record.uid = uid;
    if (record.phase !== 'Pending' && record.phase !== 'Running') continue;
    const status = execution.status;
    if (status !== undefined && isTerminal(status.phase)) {
      record.phase = status.phase ?? record.phase;
      if (status.completionTime) record.completionTime = status.completionTime;
      if (status.message) record.message = status.message;
      notes.push(`${record.name}: record completed from its execution`);
    } else {
      endRecord(record, 'RunLost', UPSTREAM_RUN_LOST, at);
      notes.push(`failed ${record.name}: run of the previous controller`);
    }
  }
  return notes;
}

function belongsTo(record: ExecutionRecord, execution: DRPlanExecution): boolean {
  if (execution.metadata.name !== record.name || (execution.metadata.namespace ?? '') !== record.namespace) return false;
  if (execution.spec.operationType !== record.operationType) return false;
  const created = parseTime(execution.metadata.creationTimestamp);
  const started = parseTime(record.startTime);
  return created === undefined || started === undefined || created <= started;
}

/**
 * A Revert target as the engine reads it: the actions the Go controller ran get the type and the
 * rendered rollback of their current definition (what that controller would have used), or, for
 * an action no longer defined, the type its outputs show. Targets this project ran are returned
 * as they are.
 */
export function withUpstreamUndo(target: DRPlanExecution, plan: DRPlan, workflows: ReadonlyMap<string, DRWorkflow>): DRPlanExecution {
  const stages = target.status?.stageStatuses;
  if (
    stages === undefined ||
    !stages.some((stage) =>
      (stage.workflowExecutions ?? []).some((run) => (run.actionStatuses ?? []).some((action) => action.type === undefined)),
    )
  ) {
    return target;
  }
  const namespace = plan.metadata.namespace ?? '';
  const completed: StageStatus[] = stages.map((stage) => ({
    ...stage,
    workflowExecutions: (stage.workflowExecutions ?? []).map((run) => {
      const key = `${run.workflowRef.namespace || namespace}/${run.workflowRef.name}`;
      const workflow = workflows.get(key);
      const params: Params = workflow === undefined ? new Map() : paramsOf(target, plan, stage.name, key, workflow, namespace);
      return {
        ...run,
        actionStatuses: (run.actionStatuses ?? []).map((status) =>
          status.type === undefined ? completeAction(status, workflow, params) : status,
        ),
      };
    }),
  }));
  return { ...target, status: { ...target.status, stageStatuses: completed } };
}

function completeAction(status: ActionStatus, workflow: DRWorkflow | undefined, params: Params): ActionStatus {
  const action = workflow?.spec.actions.find((candidate) => candidate.name === status.name);
  if (action === undefined) {
    const type = typeFromOutputs(status.outputs);
    return type === undefined ? status : { ...status, type };
  }
  const completed: ActionStatus = { ...status, type: action.type };
  if (action.dependsOn?.length) completed.dependsOn = [...action.dependsOn];
  if (action.rollback !== undefined) completed.rollback = renderDeep(action.rollback, new Map([...params, ['mode', 'rollback']])).value;
  return completed;
}

/** The parameters the target ran its workflow with, as far as the current specs tell. */
function paramsOf(target: DRPlanExecution, plan: DRPlan, stageName: string, key: string, workflow: DRWorkflow, namespace: string): Params {
  const entry = plan.spec.stages
    .find((stage) => stage.name === stageName)
    ?.workflows.find((candidate) => `${candidate.workflowRef.namespace || namespace}/${candidate.workflowRef.name}` === key);
  return resolveParams(
    {
      declared: workflow.spec.parameters ?? [],
      globals: plan.spec.globalParams ?? [],
      stage: entry?.params ?? [],
      execution: target.spec.params ?? [],
      mode: target.spec.mode,
    },
    key,
  ).values;
}

const OUTPUT_TYPES: readonly [keyof ActionOutputs, ActionType][] = [
  ['jobRef', 'Job'],
  ['httpResponse', 'HTTP'],
  ['localizationRef', 'Localization'],
  ['globalizationRef', 'Globalization'],
  ['helmChartRef', 'HelmChart'],
  ['subscriptionRef', 'Subscription'],
  ['subscriptionRefs', 'Subscription'],
  ['resourceRef', 'KubernetesResource'],
];

function typeFromOutputs(outputs: ActionOutputs | undefined): ActionType | undefined {
  if (outputs === undefined) return undefined;
  return OUTPUT_TYPES.find(([field]) => outputs[field] !== undefined)?.[1];
}
