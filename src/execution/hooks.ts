import { capText, listed, MAX_MESSAGE_CHARS } from '../k8s/bounds.js';
import { mergeConditions, type ConditionInput } from '../k8s/conditions.js';
import { LABEL_ARCHIVED, LABEL_OPERATION, LABEL_PLAN } from '../k8s/labels.js';
import {
  objectsOfKind,
  type KubeObject,
  type CustomizeRequest,
  type CustomizeResponse,
  type DecoratorRequest,
  type DecoratorResponse,
  type HookResult,
  type RelatedResourceRule,
} from '../k8s/metacontroller.js';
import { labelValue } from '../k8s/names.js';
import { API_VERSION } from '../k8s/schema.js';
import { formatTime } from '../k8s/time.js';
import { checkObject, validObjectsOfKind } from '../k8s/validate.js';
import { DRPlan } from '../api/plan.js';
import { admit, type Admission } from './admission.js';
import { isArchivable } from './archive.js';
import { executionConditions } from './conditions.js';
import { mirrorFromPlan, planHoldsOpen, type Mirrored } from './mirror.js';
import { DRPlanExecution, DRPlanExecutionSpec, isTerminal, type DRPlanExecutionStatus } from '../api/execution.js';
import { strandedUpstreamRun } from './upstream.js';

/** How often a deleted execution looks again whether the plan has recorded it. */
const FINALIZE_RESYNC_SECONDS = 5;

/**
 * Only the plan, by name: admission reads the plan's ledger, so no sibling is related and a
 * change to one execution never re-syncs the others (docs/design.md, "Fan-out").
 */
export function customizeExecution(request: CustomizeRequest): HookResult<CustomizeResponse> {
  const namespace = request.parent.metadata.namespace ?? '';
  const spec = checkObject(DRPlanExecutionSpec, request.parent['spec']);
  if (!spec.ok) return { response: { relatedResources: [] }, decision: 'related: none (spec unreadable)' };
  const { planRef } = spec.value;
  const rules: RelatedResourceRule[] = [{ apiVersion: API_VERSION, resource: 'drplans', namespace, names: [planRef] }];
  return { response: { relatedResources: rules }, decision: `related: plan ${planRef}` };
}

interface Evaluation {
  response: DecoratorResponse;
  decision: string;
  execution?: DRPlanExecution;
  plan?: DRPlan | undefined;
  /** The plan exists but fails its schema: never taken for deleted. */
  planUnreadable?: boolean;
}

export function syncExecution(request: DecoratorRequest, now: Date): HookResult<DecoratorResponse> {
  const { response, decision } = evaluate(request, now);
  return { response, decision };
}

/**
 * Deletion: a run that had not ended is recorded as Cancelled at the deletion time, and
 * the finalizer goes once the plan's ledger no longer needs the execution.
 */
export function finalizeExecution(request: DecoratorRequest, now: Date): HookResult<DecoratorResponse> {
  const evaluation = evaluate(request, now);
  const { execution, plan } = evaluation;
  const response = { ...evaluation.response };
  if (execution === undefined) return { response: { ...response, finalized: true }, decision: 'finalized: unreadable execution' };
  if (execution.metadata.deletionTimestamp === undefined) return leaveController(response);
  const previous = (response.status ?? execution.status ?? {}) as DRPlanExecutionStatus;
  if (!isTerminal(previous.phase)) {
    const deletedAt = execution.metadata.deletionTimestamp ?? formatTime(now);
    response.status = composeStatus(
      previous,
      { phase: 'Cancelled', fields: { completionTime: deletedAt, message: 'execution deleted' }, reason: 'Deleted' },
      formatTime(now),
    );
  }
  const finalized = evaluation.planUnreadable !== true && (plan === undefined || !planHoldsOpen(execution, plan));
  response.finalized = finalized;
  if (finalized) delete response.resyncAfterSeconds;
  else response.resyncAfterSeconds = FINALIZE_RESYNC_SECONDS;
  return { response, decision: finalized ? 'finalized' : 'waiting for the plan to record the cancel' };
}

/**
 * Finalize without deletion: the execution stopped matching the controller's selector because
 * it was labelled archived. It may go if the plan indeed no longer needs it; a label put on by
 * hand on an execution still needed is taken off again, which brings it back.
 */
function leaveController(response: DecoratorResponse): HookResult<DecoratorResponse> {
  if (response.labels?.[LABEL_ARCHIVED] === 'true') {
    return { response: { ...response, finalized: true }, decision: 'archived: left the controller' };
  }
  return {
    response: { ...response, labels: { ...response.labels, [LABEL_ARCHIVED]: null }, finalized: false },
    decision: 'archived label removed: the plan still needs this execution',
  };
}

/** The decision, plus the archived label once the plan no longer needs the execution. */
function evaluate(request: DecoratorRequest, now: Date): Evaluation {
  const evaluation = decide(request, now);
  const { execution, response } = evaluation;
  // A deleted execution leaves anyway, once its finalizer goes.
  if (execution === undefined || response.labels === undefined || execution.metadata.deletionTimestamp !== undefined) return evaluation;
  const status = (response.status ?? execution.status ?? {}) as DRPlanExecutionStatus;
  if (!isArchivable(execution, status, evaluation.plan)) return evaluation;
  return { ...evaluation, response: { ...response, labels: { ...response.labels, [LABEL_ARCHIVED]: 'true' } } };
}

function decide(request: DecoratorRequest, now: Date): Evaluation {
  const at = formatTime(now);
  const checked = checkObject(DRPlanExecution, request.object);
  if (!checked.ok) return unreadable(request, checked.problems, at);
  const execution = checked.value;
  const namespace = execution.metadata.namespace ?? '';
  const isItsPlan = (candidate: KubeObject) =>
    candidate.metadata.name === execution.spec.planRef && candidate.metadata.namespace === namespace;
  const plan = validObjectsOfKind(request.related, 'DRPlan', API_VERSION, DRPlan).find(isItsPlan);
  const previous = execution.status ?? {};
  const labels: Record<string, string | null> = {
    [LABEL_PLAN]: labelValue(execution.spec.planRef),
    [LABEL_OPERATION]: execution.spec.operationType,
  };
  const answer = (status: DRPlanExecutionStatus, decision: string, extra: Partial<DecoratorResponse> = {}): Evaluation => ({
    response: { labels, attachments: [], status, ...extra },
    decision,
    execution,
    plan,
  });
  if (plan === undefined) {
    const unreadablePlan = objectsOfKind(request.related, 'DRPlan', API_VERSION).find(isItsPlan);
    if (unreadablePlan !== undefined) return waitForReadablePlan(execution, unreadablePlan, previous, { labels, attachments: [] }, at);
  }
  if (!previous.phase) return admissionAnswer(admit(execution, plan, now), previous, at, answer);
  if (isTerminal(previous.phase)) {
    const mirrored = plan ? mirrorFromPlan(execution, plan) : undefined;
    // A terminal status only gains fields it did not have yet.
    return answer(mirrored ? { ...mirrored.fields, ...previous } : previous, `terminal ${previous.phase}`);
  }
  if (plan === undefined) {
    const message = `plan ${namespace}/${execution.spec.planRef} was deleted`;
    return answer(
      composeStatus(previous, { phase: 'Cancelled', fields: { completionTime: at, message }, reason: 'PlanDeleted' }, at),
      'cancelled: plan deleted',
    );
  }
  const mirrored = mirrorFromPlan(execution, plan) ?? strandedUpstreamRun(execution, plan, at);
  const status = mirrored ? composeStatus(previous, mirrored, at) : previous;
  return answer(status, `mirrored ${status.phase ?? 'Pending'}`);
}

type Answer = (status: DRPlanExecutionStatus, decision: string, extra?: Partial<DecoratorResponse>) => Evaluation;

/** The first sync of an execution: admitted once, rejected once, or told what it waits for. */
function admissionAnswer(admission: Admission, previous: DRPlanExecutionStatus, at: string, answer: Answer): Evaluation {
  switch (admission.decision) {
    case 'wait': {
      const waiting = { type: 'Accepted', status: 'Unknown', reason: admission.reason, message: admission.message } as const;
      const status = { ...previous, conditions: mergeConditions(previous.conditions, [waiting], at) };
      return answer(status, `waiting: ${admission.message}`, { resyncAfterSeconds: admission.resyncAfterSeconds });
    }
    case 'reject':
      return answer(rejected(previous, admission.reason, admission.message, at), `rejected ${admission.reason}: ${admission.message}`);
    case 'admit': {
      const status = composeStatus(previous, { phase: 'Pending', fields: {} }, at);
      if (admission.revertTarget) status.revertTarget = admission.revertTarget;
      return answer(status, 'admitted');
    }
  }
}

/**
 * The plan exists but fails its schema: it is not gone, so nothing is admitted, rejected or
 * cancelled; the execution keeps what it has and says why it waits (docs/design.md, "Budgets").
 */
function waitForReadablePlan(
  execution: DRPlanExecution,
  plan: KubeObject,
  previous: DRPlanExecutionStatus,
  base: { labels: Record<string, string | null>; attachments: KubeObject[] },
  at: string,
): Evaluation {
  const checked = checkObject(DRPlan, plan);
  const why = checked.ok ? '' : listed(checked.problems);
  const waiting: ConditionInput = {
    type: 'PlanReadable',
    status: 'False',
    reason: 'SchemaMismatch',
    message: `plan ${plan.metadata.namespace ?? ''}/${plan.metadata.name} fails the schema (${why}); this execution waits, unchanged, until it can be read`,
  };
  const others = (previous.conditions ?? []).filter((condition) => condition.type !== waiting.type);
  return {
    response: { ...base, status: { ...previous, conditions: mergeConditions(previous.conditions, [...others, waiting], at) } },
    decision: `waiting: plan ${plan.metadata.name} unreadable`,
    execution,
    planUnreadable: true,
  };
}

function composeStatus(previous: DRPlanExecutionStatus, mirrored: Mirrored, at: string): DRPlanExecutionStatus {
  const status: DRPlanExecutionStatus = { phase: mirrored.phase };
  // Pending has no run: what a run that was taken back showed goes with it.
  const fields: DRPlanExecutionStatus =
    mirrored.phase === 'Pending' ? { revertTarget: previous.revertTarget } : { ...previous, ...mirrored.fields };
  for (const key of ['startTime', 'completionTime', 'message', 'stageStatuses', 'summary', 'revertTarget'] as const) {
    if (fields[key] !== undefined) Object.assign(status, { [key]: fields[key] });
  }
  status.conditions = mergeConditions(
    previous.conditions,
    executionConditions(mirrored.phase, { reason: mirrored.reason, message: status.message }),
    at,
  );
  return status;
}

function rejected(previous: DRPlanExecutionStatus, reason: string, message: string, at: string): DRPlanExecutionStatus {
  return {
    phase: 'Failed',
    completionTime: at,
    message: capText(message, MAX_MESSAGE_CHARS),
    conditions: mergeConditions(previous.conditions, executionConditions('Failed', { reason, message, rejected: true }), at),
  };
}

/** An execution the API server should never have accepted: reject it once, say why. */
function unreadable(request: DecoratorRequest, problems: string[], at: string): Evaluation {
  const status = (request.object['status'] ?? {}) as DRPlanExecutionStatus;
  const message = `invalid execution: ${listed(problems)}`;
  return {
    response: { attachments: [], status: status.phase ? null : rejected(status, 'InvalidSpec', message, at) },
    decision: message,
  };
}
