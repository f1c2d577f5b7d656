import { cappedNames, listed } from '../k8s/bounds.js';
import { mergeConditions, type ConditionInput } from '../k8s/conditions.js';
import {
  type CustomizeRequest,
  type CustomizeResponse,
  type DecoratorRequest,
  type DecoratorResponse,
  type HookResult,
} from '../k8s/metacontroller.js';
import { API_VERSION } from '../k8s/schema.js';
import { formatTime } from '../k8s/time.js';
import { checkObject, validObjectsOfKind } from '../k8s/validate.js';
import { referencesWorkflow } from '../plan/references.js';
import { DRPlan } from '../plan/schema.js';
import { DRWorkflowSpec, DRWorkflowStatus } from './schema.js';
import { validateWorkflowSpec } from './validate.js';

/** Plans anywhere may reference a workflow through `workflowRef.namespace`. */
export function customizeWorkflow(_request: CustomizeRequest): HookResult<CustomizeResponse> {
  return {
    response: { relatedResources: [{ apiVersion: API_VERSION, resource: 'drplans' }] },
    decision: 'related: all DRPlans',
  };
}

export function syncWorkflow(request: DecoratorRequest, now: Date): HookResult<DecoratorResponse> {
  const checked = checkObject(DRWorkflowSpec, (request.object as { spec?: unknown }).spec);
  const previous = statusOf(request.object);
  const generation = request.object.metadata.generation;
  const findings = checked.ok
    ? validateWorkflowSpec(checked.value)
    : { errors: checked.problems.map((problem) => `spec${problem}`), warnings: [] };
  const valid = findings.errors.length === 0;
  const ready: ConditionInput = valid
    ? {
        type: 'Ready',
        status: 'True',
        reason: 'ValidationSucceeded',
        message: ['Workflow is valid and ready to execute', listed(findings.warnings, '; warning: ')].filter((part) => part !== '').join('; warning: '),
      }
    : {
        type: 'Ready',
        status: 'False',
        reason: 'ValidationFailed',
        message: `Validation failed: [${listed(findings.errors)}]`,
      };
  if (generation !== undefined) ready.observedGeneration = generation;
  const status: DRWorkflowStatus = {
    phase: valid ? 'Ready' : 'Invalid',
    conditions: mergeConditions(previous?.conditions, [ready], formatTime(now)),
    usedBy: cappedNames(usersOf(request).map((plan) => `${plan.metadata.namespace}/${plan.metadata.name}`)),
  };
  if (checked.ok) status.actionCount = checked.value.actions.length;
  if (generation !== undefined) status.observedGeneration = generation;
  return {
    response: { status, attachments: [] },
    decision: valid ? `Ready, used by ${status.usedBy?.length ?? 0} plan(s)` : `Invalid: ${findings.errors.length} problem(s)`,
  };
}

/** Deletion waits while a plan in the workflow's namespace still references it. */
export function finalizeWorkflow(request: DecoratorRequest, now: Date): HookResult<DecoratorResponse> {
  const namespace = request.object.metadata.namespace ?? '';
  const blocking = usersOf(request)
    .filter((plan) => plan.metadata.namespace === namespace && plan.metadata.deletionTimestamp === undefined)
    .map((plan) => `${namespace}/${plan.metadata.name}`);
  if (blocking.length === 0) {
    return { response: { status: null, attachments: [], finalized: true }, decision: 'finalized: no plan uses it' };
  }
  const previous = statusOf(request.object);
  const inUse: ConditionInput = {
    type: 'InUse',
    status: 'True',
    reason: 'ReferencedByPlans',
    message: `deletion waits: referenced by DRPlan(s): [${listed(blocking, ', ')}]`,
  };
  const others = (previous?.conditions ?? []).filter((condition) => condition.type !== 'InUse');
  const status: DRWorkflowStatus = {
    ...previous,
    conditions: mergeConditions(previous?.conditions, [...others, inUse], formatTime(now)),
  };
  return {
    response: { status, attachments: [], finalized: false, resyncAfterSeconds: 30 },
    decision: `deletion held: used by ${listed(blocking, ', ')}`,
  };
}

function usersOf(request: DecoratorRequest): DRPlan[] {
  const workflow = {
    namespace: request.object.metadata.namespace ?? '',
    name: request.object.metadata.name,
  };
  return validObjectsOfKind(request.related, 'DRPlan', API_VERSION, DRPlan).filter((plan) => referencesWorkflow(plan.spec, plan.metadata.namespace ?? '', workflow));
}

function statusOf(object: DecoratorRequest['object']): DRWorkflowStatus | undefined {
  const status = (object as { status?: unknown }).status;
  if (status === undefined) return undefined;
  const checked = checkObject(DRWorkflowStatus, status);
  return checked.ok ? checked.value : undefined;
}
