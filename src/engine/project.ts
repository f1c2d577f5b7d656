import { mappedAlongLists } from '../shared/along-lists.js';
import type { ActionStatus, ExecutionSummary, StageStatus, WorkflowExecutionStatus } from '../api/execution.js';
import { formatDuration, parseTime } from '../k8s/time.js';
import type { Run, RunAction, RunStage, RunWorkflow } from '../api/run.js';
import { carriedListOf, frozenLike } from '../shared/frozen.js';
import type { Step } from './steps.js';
import { actionFacts, countWith, DONE, RUNNING, SUCCEEDED } from './action-facts.js';

/**
 * The run as the execution shows it: the upstream `stageStatuses` shape plus undo data. A frozen
 * stage's, workflow's or action's status is made once and frozen (docs/design.md, "Carried across
 * syncs"): a rehearsal's execution then writes the same objects sync after sync, and what is
 * worked out of its stored status is carried too.
 */
export function stageStatusesOf(run: Run): StageStatus[] {
  return carriedListOf(run.stages, STAGE_STATUSES[run.operationType](run.stages));
}

type Operation = Run['operationType'];

function stageStatusesFor(operation: Operation): (stages: readonly RunStage[]) => readonly StageStatus[] {
  const workflowStatuses = mappedAlongLists((workflow: RunWorkflow) => frozenLike(workflow, workflowStatus(workflow, operation)));
  return mappedAlongLists((stage: RunStage) =>
    frozenLike(stage, {
      name: stage.name,
      phase: stage.phase,
      parallel: stage.parallel,
      ...(stage.dependsOn ? { dependsOn: stage.dependsOn } : {}),
      ...timing(stage),
      workflowExecutions: carriedListOf(stage.workflows, workflowStatuses(stage.workflows)),
    }),
  );
}

const STAGE_STATUSES: Record<Operation, (stages: readonly RunStage[]) => readonly StageStatus[]> = {
  Execute: stageStatusesFor('Execute'),
  Revert: stageStatusesFor('Revert'),
};

function workflowStatus(workflow: RunWorkflow, operation: Operation): WorkflowExecutionStatus {
  const total = workflow.actions.length;
  const facts = actionFacts(workflow.actions);
  const progress =
    operation === 'Revert'
      ? `${countWith(facts, SUCCEEDED)}/${total} actions rolled back`
      : `${countWith(facts, DONE)}/${total} actions completed`;
  const current = workflow.actions[facts.findIndex((fact) => (fact & RUNNING) !== 0)];
  return {
    workflowRef: workflow.workflowRef,
    phase: workflow.phase,
    ...timing(workflow),
    progress,
    ...(current ? { currentAction: current.name } : {}),
    actionStatuses: carriedListOf(workflow.actions, actionStatuses(workflow.actions)),
  };
}

const actionStatuses = mappedAlongLists((action: RunAction) => frozenLike(action, actionStatusOf(action)));

function actionStatusOf(action: RunAction): ActionStatus {
  return {
    name: action.name,
    phase: action.phase,
    ...timing(action),
    ...(action.outputs ? { outputs: action.outputs } : {}),
    ...(action.clusterStatuses ? { clusterStatuses: action.clusterStatuses } : {}),
    type: action.type,
    ...(action.operation ? { operation: action.operation } : {}),
    ...(action.hookType ? { hookType: action.hookType } : {}),
    ...(action.dependsOn ? { dependsOn: action.dependsOn } : {}),
    ...(action.rollback ? { rollback: action.rollback } : {}),
  };
}

function timing(step: Step): Pick<StageStatus, 'startTime' | 'completionTime' | 'duration' | 'message'> {
  const start = parseTime(step.startTime);
  const end = parseTime(step.completionTime);
  return {
    ...(step.startTime ? { startTime: step.startTime } : {}),
    ...(step.completionTime ? { completionTime: step.completionTime } : {}),
    ...(start !== undefined && end !== undefined ? { duration: formatDuration(end - start) } : {}),
    ...(step.message ? { message: step.message } : {}),
  };
}

export function summaryOf(run: Run): ExecutionSummary {
  const workflows = run.stages.flatMap((stage) => stage.workflows);
  const count = (steps: readonly Step[], phase: Step['phase']) => steps.filter((step) => step.phase === phase).length;
  return {
    totalStages: run.stages.length,
    completedStages: count(run.stages, 'Succeeded'),
    runningStages: count(run.stages, 'Running'),
    pendingStages: count(run.stages, 'Pending'),
    failedStages: count(run.stages, 'Failed'),
    totalWorkflows: workflows.length,
    completedWorkflows: count(workflows, 'Succeeded'),
    runningWorkflows: count(workflows, 'Running'),
    pendingWorkflows: count(workflows, 'Pending'),
    failedWorkflows: count(workflows, 'Failed'),
  };
}
