import { cappedNames, listed } from '../k8s/bounds.js';
import { mergeConditions, type ConditionInput } from '../k8s/conditions.js';
import {
  type CustomizeRequest,
  type CustomizeResponse,
  type DecoratorRequest,
  type DecoratorResponse,
  type HookResult,
} from '../k8s/metacontroller.js';
import { formatTime } from '../k8s/time.js';
import { checkObject } from '../k8s/validate.js';
import { plansUsing, usesLabel, type WorkflowKey } from '../api/usage.js';
import { DRWorkflowSpec, DRWorkflowStatus } from '../api/workflow.js';
import { validateWorkflowSpec } from './validate.js';

/**
 * Plans anywhere may reference a workflow through `workflowRef.namespace`; their usage
 * ConfigMaps say so under a label of this workflow's own, so only its users are related.
 */
export function customizeWorkflow(request: CustomizeRequest): HookResult<CustomizeResponse> {
  const label = usesLabel(workflowKeyOf(request.parent));
  return {
    response: { relatedResources: [{ apiVersion: 'v1', resource: 'configmaps', labelSelector: { matchLabels: { [label]: 'true' } } }] },
    decision: 'related: usage ConfigMaps of the plans that use it',
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
        message: ['Workflow is valid and ready to execute', listed(findings.warnings, '; warning: ')]
          .filter((part) => part !== '')
          .join('; warning: '),
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
    usedBy: cappedNames(plansUsing(request.related, workflowKeyOf(request.object))),
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
  // A plan being deleted drops its usage ConfigMap, so it no longer blocks.
  const blocking = plansUsing(request.related, workflowKeyOf(request.object)).filter((plan) => plan.startsWith(`${namespace}/`));
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

function workflowKeyOf(object: CustomizeRequest['parent']): WorkflowKey {
  return { namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}

function statusOf(object: DecoratorRequest['object']): DRWorkflowStatus | undefined {
  const status = (object as { status?: unknown }).status;
  if (status === undefined) return undefined;
  const checked = checkObject(DRWorkflowStatus, status);
  return checked.ok ? checked.value : undefined;
}
