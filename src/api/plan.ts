import { Type, type Static } from '@sinclair/typebox';
import { Conditions } from '../k8s/conditions.js';
import { CustomResource, StringEnum } from '../k8s/schema.js';
import { Run } from './run.js';
import { ExecutionPhase, OperationType } from './execution.js';
import { Parameter } from './workflow.js';

export const MAX_HISTORY_LIMIT = 50;

export const WorkflowReference = Type.Object({
  workflowRef: Type.Object({ name: Type.String(), namespace: Type.Optional(Type.String()) }),
  params: Type.Optional(Type.Array(Parameter)),
});
export type WorkflowReference = Static<typeof WorkflowReference>;

export const Stage = Type.Object({
  name: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  dependsOn: Type.Optional(Type.Array(Type.String())),
  parallel: Type.Optional(Type.Boolean({ default: false })),
  workflows: Type.Array(WorkflowReference, { minItems: 1 }),
  failurePolicy: Type.Optional(StringEnum(['Stop', 'Continue', 'FailFast'])),
});
export type Stage = Static<typeof Stage>;

export const DRPlanSpec = Type.Object({
  description: Type.Optional(Type.String()),
  stages: Type.Array(Stage, { minItems: 1 }),
  globalParams: Type.Optional(Type.Array(Parameter)),
  failurePolicy: Type.Optional(StringEnum(['Stop', 'Continue'], { default: 'Stop' })),
  historyLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_HISTORY_LIMIT, default: 10 })),
  runner: Type.Optional(
    Type.Object({
      image: Type.Optional(Type.String()),
      serviceAccountName: Type.Optional(Type.String()),
    }),
  ),
});
export type DRPlanSpec = Static<typeof DRPlanSpec>;

export const ExecutionRecord = Type.Object({
  name: Type.String(),
  namespace: Type.String(),
  uid: Type.Optional(Type.String()),
  operationType: OperationType,
  phase: ExecutionPhase,
  reason: Type.Optional(Type.String()),
  startTime: Type.Optional(Type.String()),
  completionTime: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  revertExecutionRef: Type.Optional(Type.String()),
  revertedBy: Type.Optional(Type.String()),
});
export type ExecutionRecord = Static<typeof ExecutionRecord>;

export const ExecutionReference = Type.Object({
  name: Type.String(),
  namespace: Type.String(),
  // Optional to read statuses the Go controller wrote; every lock this project takes has one.
  uid: Type.Optional(Type.String()),
});
export type ExecutionReference = Static<typeof ExecutionReference>;

export const PlanPhase = StringEnum(['Ready', 'Executed', 'Invalid']);
export type PlanPhase = Static<typeof PlanPhase>;

export const DRPlanStatus = Type.Object({
  phase: Type.Optional(PlanPhase),
  conditions: Type.Optional(Conditions),
  currentExecution: Type.Optional(ExecutionReference),
  lastExecutionRef: Type.Optional(Type.String()),
  lastExecutionTime: Type.Optional(Type.String()),
  lastProcessedTrigger: Type.Optional(Type.String()),
  // No maxItems: `historyLimit` bounds it, but records that are still needed are kept past the
  // limit, and a status the API server refused would stop the ledger altogether.
  executionHistory: Type.Optional(Type.Array(ExecutionRecord)),
  run: Type.Optional(Run),
  // The revision of the plan's lock ConfigMap this status was written with (docs/design.md, "Release").
  lockRevision: Type.Optional(Type.Integer({ minimum: 0 })),
  observedGeneration: Type.Optional(Type.Integer()),
});
export type DRPlanStatus = Static<typeof DRPlanStatus>;

export const DRPlan = CustomResource('DRPlan', DRPlanSpec, DRPlanStatus);
export type DRPlan = Static<typeof DRPlan>;

export const DEFAULT_HISTORY_LIMIT = 10;
