import { runnerPodsByJob, type RunnerDefaults } from '../engine/runner.js';
import { DRPlanExecution } from '../api/execution.js';
import { isUsageConfigMap } from '../api/usage.js';
import { findCondition } from '../k8s/conditions.js';
import { objectsOfKind, type CompositeRequest, type KubeObject } from '../k8s/metacontroller.js';
import { labelValue } from '../k8s/names.js';
import { API_VERSION } from '../k8s/schema.js';
import { parseTime } from '../k8s/time.js';
import { checkObject, validObjectsOfKind, type Checked } from '../k8s/validate.js';
import { DEFAULT_HISTORY_LIMIT, DRPlan, DRPlanSpec, DRPlanStatus } from '../api/plan.js';
import { childrenAsObserved } from './children.js';
import { withDefinitions } from '../engine/joined-definitions.js';
import { observedLock, type PlanLock } from './lock.js';
import { workflowKeysOf } from './references.js';
import type { Ledger, Observed } from './state.js';
import { historyLimitOfUnreadable, unreadableExecutions } from './unreadable.js';
import { validatePlanSpec } from './validate.js';
import { usableWorkflows, workflowVerdicts } from './workflows.js';

/** One plan sync's reading of its request, once the status is known to be readable. */
export interface PlanView {
  observed: Observed;
  spec: Checked<DRPlanSpec>;
  /** Validation problems of the spec; empty when the plan is valid. */
  problems: string[];
  /** The finalize hook: the plan is being deleted and waits for its Jobs. */
  finalizing: boolean;
  deleting: boolean;
  previous: DRPlanStatus;
  /** How many records to keep; an unreadable spec keeps its readable limit, if any. */
  historyLimit: number;
  /** The plan's usage ConfigMaps as the children show them. */
  usage: KubeObject[];
  /** Every ConfigMap child: usage, lock and the run's definitions. */
  configMaps: readonly KubeObject[];
  lock: PlanLock | undefined;
}

/** A status this hook cannot read: nothing may be rewritten from it. */
export interface UnreadableStatus {
  raw: unknown;
  problems: string[];
  /** The children as observed, kept as they are. */
  children: KubeObject[];
}

/** Reads the request into the plan, its related objects and its children, typed. */
export function observePlan(request: CompositeRequest, runner: RunnerDefaults): { view: PlanView } | { unreadable: UnreadableStatus } {
  const parent = request.parent;
  const namespace = parent.metadata.namespace ?? '';
  const identity = { namespace, name: parent.metadata.name };
  const jobs = new Map(objectsOfKind(request.children, 'Job', 'batch/v1').map((job) => [job.metadata.name, job]));
  const configMaps = objectsOfKind(request.children, 'ConfigMap', 'v1');
  const usage = configMaps.filter((configMap) => isUsageConfigMap(configMap, identity));
  const lock = observedLock(request.children, identity);
  const raw = parent['status'];
  const previous = raw === undefined ? { ok: true as const, value: {} } : checkObject(DRPlanStatus, raw);
  if (!previous.ok) {
    return { unreadable: { raw, problems: previous.problems, children: childrenAsObserved(jobs, configMaps) } };
  }
  const spec = checkObject(DRPlanSpec, parent['spec']);
  const plan: DRPlan = {
    apiVersion: API_VERSION,
    kind: 'DRPlan',
    metadata: parent.metadata,
    spec: spec.ok ? spec.value : { stages: [] },
    status: previous.value,
  };
  const verdicts = workflowVerdicts(request.related, spec.ok ? workflowKeysOf(spec.value, namespace) : []);
  const observed: Observed = {
    plan,
    executions: executionsOf(request, plan),
    workflows: usableWorkflows(verdicts),
    jobs,
    pods: runnerPodsByJob(request.related, labelValue(parent.metadata.name)),
    runner,
    unreadable: unreadableExecutions(request.related, identity),
  };
  const problems = spec.ok ? validatePlanSpec(spec.value, namespace, verdicts) : spec.problems.map((problem) => `spec${problem}`);
  const finalizing = request.finalizing === true;
  const deleting = finalizing || parent.metadata.deletionTimestamp !== undefined;
  const historyLimit = spec.ok ? (spec.value.historyLimit ?? DEFAULT_HISTORY_LIMIT) : historyLimitOfUnreadable(parent['spec']);
  return { view: { observed, spec, problems, finalizing, deleting, previous: previous.value, historyLimit, usage, configMaps, lock } };
}

/** The working copy of the ledger, from the status as read and the run's definitions as observed. */
export function ledgerOf(status: DRPlanStatus, configMaps: readonly KubeObject[]): Ledger {
  return {
    history: structuredClone(status.executionHistory ?? []),
    current: status.currentExecution,
    run: status.run === undefined ? undefined : withDefinitions(status.run, configMaps),
    lastExecutionRef: status.lastExecutionRef,
    lastExecutionTime: status.lastExecutionTime,
    executed: wasExecuted(status),
    lockRevision: status.lockRevision ?? 0,
    notes: [],
  };
}

function executionsOf(request: CompositeRequest, plan: DRPlan): DRPlanExecution[] {
  return validObjectsOfKind(request.related, 'DRPlanExecution', API_VERSION, DRPlanExecution)
    .filter((execution) => execution.spec.planRef === plan.metadata.name && execution.metadata.namespace === plan.metadata.namespace)
    .sort(byCreation);
}

function byCreation(a: DRPlanExecution, b: DRPlanExecution): number {
  const left = parseTime(a.metadata.creationTimestamp) ?? 0;
  const right = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (left !== right) return left - right;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function wasExecuted(status: DRPlanStatus): boolean {
  const condition = findCondition(status.conditions, 'Executed');
  return condition === undefined ? status.phase === 'Executed' : condition.status === 'True';
}
