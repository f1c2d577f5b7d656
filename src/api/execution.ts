import { Type, type Static } from '@sinclair/typebox';
import { Conditions } from '../k8s/conditions.js';
import { CustomResource, OpaqueObject, PhaseEnum, StringEnum } from '../k8s/schema.js';
import { ActionType, Parameter } from './workflow.js';

export const OperationType = StringEnum(['Execute', 'Revert']);
export type OperationType = Static<typeof OperationType>;

export const ExecutionPhase = PhaseEnum(['Pending', 'Running', 'Succeeded', 'Failed', 'Cancelled', 'Unknown']);
export type ExecutionPhase = Static<typeof ExecutionPhase>;

/** The phases of a step of a run. */
export const StepPhase = StringEnum(['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped']);
export type StepPhase = Static<typeof StepPhase>;

/**
 * The phase of a stage, workflow or action as an execution's status shows it: newer Go
 * controllers also end steps Cancelled (their FailFast leftovers and cancelled runs).
 */
export const StepStatusPhase = PhaseEnum(['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped', 'Cancelled']);
export type StepStatusPhase = Static<typeof StepStatusPhase>;

const ObjectReference = Type.Object({
  kind: Type.Optional(Type.String()),
  apiVersion: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
});

export const ActionOutputs = Type.Object({
  jobRef: Type.Optional(ObjectReference),
  localizationRef: Type.Optional(ObjectReference),
  globalizationRef: Type.Optional(ObjectReference),
  helmChartRef: Type.Optional(ObjectReference),
  subscriptionRef: Type.Optional(ObjectReference),
  subscriptionRefs: Type.Optional(Type.Array(ObjectReference)),
  resourceRef: Type.Optional(ObjectReference),
  httpResponse: Type.Optional(Type.Object({ statusCode: Type.Optional(Type.Integer()), body: Type.Optional(Type.String()) })),
});
export type ActionOutputs = Static<typeof ActionOutputs>;

/** When a stage, workflow or action ran and how it ended, as upstream reports it. */
const StepTiming = {
  startTime: Type.Optional(Type.String()),
  completionTime: Type.Optional(Type.String()),
  duration: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
};

export const ActionStatus = Type.Object({
  name: Type.String(),
  phase: StepStatusPhase,
  ...StepTiming,
  retryCount: Type.Optional(Type.Integer()),
  outputs: Type.Optional(ActionOutputs),
  clusterStatuses: Type.Optional(Type.Array(OpaqueObject())),
  // What a later Revert needs to undo this action without reading the current specs.
  type: Type.Optional(ActionType),
  operation: Type.Optional(Type.String()),
  hookType: Type.Optional(Type.String()),
  dependsOn: Type.Optional(Type.Array(Type.String())),
  rollback: Type.Optional(OpaqueObject()),
});
export type ActionStatus = Static<typeof ActionStatus>;

export const WorkflowExecutionStatus = Type.Object({
  workflowRef: Type.Object({ name: Type.String(), namespace: Type.Optional(Type.String()) }),
  phase: StepStatusPhase,
  ...StepTiming,
  progress: Type.Optional(Type.String()),
  currentAction: Type.Optional(Type.String()),
  actionStatuses: Type.Optional(Type.Array(ActionStatus)),
});
export type WorkflowExecutionStatus = Static<typeof WorkflowExecutionStatus>;

export const StageStatus = Type.Object({
  name: Type.String(),
  phase: StepStatusPhase,
  parallel: Type.Optional(Type.Boolean()),
  dependsOn: Type.Optional(Type.Array(Type.String())),
  ...StepTiming,
  workflowExecutions: Type.Optional(Type.Array(WorkflowExecutionStatus)),
});
export type StageStatus = Static<typeof StageStatus>;

/** Counts of the run's stages and workflows; the Go controller omits the counters that are 0. */
export const ExecutionSummary = Type.Object({
  totalStages: Type.Optional(Type.Integer()),
  completedStages: Type.Optional(Type.Integer()),
  runningStages: Type.Optional(Type.Integer()),
  pendingStages: Type.Optional(Type.Integer()),
  failedStages: Type.Optional(Type.Integer()),
  totalWorkflows: Type.Optional(Type.Integer()),
  completedWorkflows: Type.Optional(Type.Integer()),
  runningWorkflows: Type.Optional(Type.Integer()),
  pendingWorkflows: Type.Optional(Type.Integer()),
  failedWorkflows: Type.Optional(Type.Integer()),
});
export type ExecutionSummary = Static<typeof ExecutionSummary>;

export const DRPlanExecutionSpec = Type.Object(
  {
    planRef: Type.String({ minLength: 1 }),
    operationType: OperationType,
    revertExecutionRef: Type.Optional(Type.String()),
    mode: Type.Optional(StringEnum(['Install', 'Upgrade', 'Delete', 'Rollback'])),
    params: Type.Optional(Type.Array(Parameter)),
  },
  { 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'spec is immutable after creation' }] },
);
export type DRPlanExecutionSpec = Static<typeof DRPlanExecutionSpec>;

export const DRPlanExecutionStatus = Type.Object({
  phase: Type.Optional(ExecutionPhase),
  startTime: Type.Optional(Type.String()),
  completionTime: Type.Optional(Type.String()),
  stageStatuses: Type.Optional(Type.Array(StageStatus)),
  summary: Type.Optional(ExecutionSummary),
  message: Type.Optional(Type.String()),
  conditions: Type.Optional(Conditions),
  // The Execute a Revert without `revertExecutionRef` was admitted against.
  revertTarget: Type.Optional(Type.String()),
});
export type DRPlanExecutionStatus = Static<typeof DRPlanExecutionStatus>;

export const DRPlanExecution = CustomResource('DRPlanExecution', DRPlanExecutionSpec, DRPlanExecutionStatus);
export type DRPlanExecution = Static<typeof DRPlanExecution>;

export function isTerminal(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Cancelled';
}
