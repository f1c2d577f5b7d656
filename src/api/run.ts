import { Type, type Static } from '@sinclair/typebox';
import { OpaqueObject, PhaseEnum, StringEnum } from '../k8s/schema.js';
import { ActionOutputs, OperationType, StepPhase } from './execution.js';
import { ActionType, WorkflowFailurePolicy } from './workflow.js';

/**
 * Why a step ended Skipped. Blocking reasons stop dependants; the others count as done.
 */
export const SkipReason = StringEnum([
  'WhenNotMatched',
  'NothingToRevert',
  'FailFast',
  'DependencyFailed',
  'PlanStopped',
  'Cancelled',
  'RollbackHook',
]);
export type SkipReason = Static<typeof SkipReason>;

const StepState = {
  phase: StepPhase,
  reason: Type.Optional(SkipReason),
  startTime: Type.Optional(Type.String()),
  completionTime: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
};

export const RunAction = Type.Object({
  ...StepState,
  /** Unique in the run; part of the Job name. */
  id: Type.String(),
  name: Type.String(),
  type: ActionType,
  dependsOn: Type.Optional(Type.Array(Type.String())),
  timeoutSeconds: Type.Integer(),
  /** The rendered Job template, for actions that run a Job. */
  job: Type.Optional(Type.Object({ metadata: Type.Optional(OpaqueObject()), spec: OpaqueObject() })),
  /** For HTTP and resource actions: what the runner Job runs (`run http` / `run resource`). */
  runner: Type.Optional(Type.Object({ kind: StringEnum(['http', 'resource']), action: OpaqueObject() })),
  /** The resource operation (Create, Apply, Patch, Delete, Replace), for messages and undo. */
  operation: Type.Optional(Type.String()),
  hookType: Type.Optional(Type.String()),
  clusterStatuses: Type.Optional(Type.Array(OpaqueObject())),
  /** For a Revert: the Job of the target that undoing this action deletes. */
  deleteJob: Type.Optional(Type.String()),
  /** The rendered custom rollback, recorded so a later Revert can replay it. */
  rollback: Type.Optional(OpaqueObject()),
  jobName: Type.Optional(Type.String()),
  /** The plan has seen the Job in its children at least once: the lock waits for that. */
  jobSeen: Type.Optional(Type.Boolean()),
  outputs: Type.Optional(ActionOutputs),
});
export type RunAction = Static<typeof RunAction>;

export const RunWorkflow = Type.Object({
  ...StepState,
  workflowRef: Type.Object({ name: Type.String(), namespace: Type.String() }),
  failurePolicy: WorkflowFailurePolicy,
  actions: Type.Array(RunAction),
});
export type RunWorkflow = Static<typeof RunWorkflow>;

export const RunStage = Type.Object({
  ...StepState,
  name: Type.String(),
  dependsOn: Type.Optional(Type.Array(Type.String())),
  parallel: Type.Boolean(),
  workflows: Type.Array(RunWorkflow),
});
export type RunStage = Static<typeof RunStage>;

export const RunPhase = PhaseEnum(['Running', 'Succeeded', 'Failed', 'Cancelled']);
export type RunPhase = Static<typeof RunPhase>;

/** The working state of the plan's current run, kept in `DRPlan.status.run`. */
export const Run = Type.Object({
  execution: Type.Object({ name: Type.String(), namespace: Type.String(), uid: Type.String() }),
  operationType: OperationType,
  revertTarget: Type.Optional(Type.String()),
  /** The uid of the Execute being reverted: a re-created execution of the same name is another one. */
  revertTargetUid: Type.Optional(Type.String()),
  failurePolicy: StringEnum(['Stop', 'Continue']),
  /** Image and service account of this run's runner Jobs, fixed when it starts. */
  runner: Type.Optional(Type.Object({ image: Type.String(), serviceAccountName: Type.String() })),
  phase: RunPhase,
  startTime: Type.String(),
  completionTime: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  /**
   * The ConfigMaps (children of the plan) that hold the actions' Job templates and runner work,
   * for a run too large to keep them here; absent when the actions hold them.
   */
  definitions: Type.Optional(Type.Array(Type.String())),
  /** When a sync first found an action that must start its Job without its definition (its ConfigMap not observed). */
  definitionsMissingSince: Type.Optional(Type.String()),
  /** A run too large for step messages of 256 characters keeps them this short. */
  stepMessageChars: Type.Optional(Type.Integer()),
  /** A run too large for runner results of 1 KiB (past their fixed part) keeps them this small. */
  resultBytes: Type.Optional(Type.Integer()),
  stages: Type.Array(RunStage),
});
export type Run = Static<typeof Run>;

/** Every action of a run, stage by stage, in the order the run lists them. */
export function actionsOf(run: Run): RunAction[] {
  const actions: RunAction[] = [];
  eachAction(run, (action) => actions.push(action));
  return actions;
}

/** Visits every action of a run in `actionsOf` order, without making the list: a sync of a long run reads its actions several times. */
export function eachAction(run: Run, visit: (action: RunAction) => void): void {
  for (const stage of run.stages) for (const workflow of stage.workflows) for (const action of workflow.actions) visit(action);
}

/** Whether some action of the run passes `test`, read in `actionsOf` order up to the first that does. */
export function someAction(run: Run, test: (action: RunAction) => boolean): boolean {
  for (const stage of run.stages)
    for (const workflow of stage.workflows) for (const action of workflow.actions) if (test(action)) return true;
  return false;
}
