import type { ActionStatus, DRPlanExecution, StageStatus, WorkflowExecutionStatus } from '../execution/schema.js';
import { checkObject } from '../k8s/validate.js';
import { parseDuration } from '../k8s/time.js';
import type { DRPlan } from '../plan/schema.js';
import { Action, type DRWorkflow } from '../workflow/schema.js';
import { RUNNABLE_TYPES, unsupportedType } from './capabilities.js';
import { resolveParams } from './params.js';
import type { Run, RunAction, RunStage, RunWorkflow } from './schema.js';
import { renderDeep, type Params } from './template.js';
import { evaluateWhen } from './when.js';

const DEFAULT_TIMEOUT_SECONDS = 300;

/** What a Revert runs under (SPEC §6.2): recorded rollbacks only consult `mode` in `when`. */
const REVERT_PARAMS: Params = new Map([['mode', 'rollback']]);


export interface ExecuteSnapshotInput {
  plan: DRPlan;
  /** Workflows by `namespace/name`. */
  workflows: ReadonlyMap<string, DRWorkflow>;
  execution: DRPlanExecution;
  now: string;
}

/**
 * Resolves everything an Execute run needs (SPEC §6.1) so that later edits to the plan
 * or its workflows cannot change a run in progress. Any error fails the run at once.
 */
export function snapshotExecute({ plan, workflows, execution, now }: ExecuteSnapshotInput): Run {
  const errors: string[] = [];
  const namespace = plan.metadata.namespace ?? '';
  const stages = plan.spec.stages.map((stage): RunStage => ({
    name: stage.name,
    ...(stage.dependsOn?.length ? { dependsOn: [...stage.dependsOn] } : {}),
    parallel: stage.parallel ?? false,
    phase: 'Pending',
    workflows: stage.workflows.map((entry, workflowIndex): RunWorkflow => {
      const ref = { namespace: entry.workflowRef.namespace || namespace, name: entry.workflowRef.name };
      const where = `stage ${stage.name} workflow ${ref.namespace}/${ref.name}`;
      const workflow = workflows.get(`${ref.namespace}/${ref.name}`);
      if (workflow === undefined) errors.push(`${where}: workflow not found`);
      const params = resolveParams(
        {
          declared: workflow?.spec.parameters ?? [],
          globals: plan.spec.globalParams ?? [],
          stage: entry.params ?? [],
          execution: execution.spec.params ?? [],
          mode: execution.spec.mode,
        },
        where,
      );
      errors.push(...params.errors);
      // Built once per workflow: copying the parameters for each action would be quadratic.
      const rollbackParams = new Map([...params.values, ...REVERT_PARAMS]);
      return {
        workflowRef: ref,
        failurePolicy: workflow?.spec.failurePolicy ?? 'FailFast',
        phase: 'Pending',
        actions: (workflow?.spec.actions ?? []).map((action) =>
          snapshotAction(action, params.values, rollbackParams, {
            id: `${stage.name}/${workflowIndex}/${action.name}`,
            where: `${where} action ${action.name}`,
            namespace,
            errors,
            now,
          }),
        ),
      };
    }),
  }));
  return newRun(execution, plan, stages, errors, now);
}

interface ActionContext {
  id: string;
  where: string;
  namespace: string;
  errors: string[];
  now: string;
}

function snapshotAction(action: Action, params: Params, rollbackParams: Params, context: ActionContext): RunAction {
  const { errors, where } = context;
  const base: RunAction = {
    id: context.id,
    name: action.name,
    type: action.type,
    phase: 'Pending',
    timeoutSeconds: timeoutSeconds(action.timeout, where, errors),
    ...(action.dependsOn?.length ? { dependsOn: [...action.dependsOn] } : {}),
  };
  if (action.rollback !== undefined) {
    // Rendered now, with the mode a Revert forces, so a broken rollback shows before the failover.
    const rollback = renderDeep(action.rollback, rollbackParams);
    if (rollback.missing.length > 0) errors.push(`${where}: rollback uses undefined parameter(s) ${rollback.missing.join(', ')}`);
    base.rollback = rollback.value;
  }
  const when = evaluateWhen(action.when, params);
  if ('error' in when) {
    errors.push(`${where}: ${when.error}`);
    return base;
  }
  if (!when.run) {
    return { ...base, phase: 'Skipped', reason: 'WhenNotMatched', message: when.message, completionTime: context.now };
  }
  return { ...base, ...runnable(action, params, context) };
}

type Placement = Pick<ActionContext, 'where' | 'namespace' | 'errors'>;

/**
 * The part of a run action that says what to start: for now, a Job. `params` is
 * undefined for a recorded rollback, which was rendered when its action ran.
 */
function runnable(action: Action, params: Params | undefined, { where, namespace, errors }: Placement): Partial<RunAction> {
  if (!RUNNABLE_TYPES.includes(action.type) || action.job === undefined) {
    errors.push(`${where}: ${unsupportedType(action.type)}`);
    return {};
  }
  const job = params === undefined ? { value: action.job, missing: [] } : renderDeep(action.job, params);
  if (job.missing.length > 0) errors.push(`${where}: undefined parameter(s) ${job.missing.join(', ')}`);
  const jobNamespace = job.value.namespace;
  if (jobNamespace !== undefined && jobNamespace !== '' && jobNamespace !== namespace) {
    errors.push(`${where}: job.namespace ${jobNamespace} differs from the plan's namespace ${namespace}; Jobs run in the plan's namespace`);
  }
  const spec = { ...job.value.template.spec };
  if (job.value.ttlSecondsAfterFinished !== undefined) spec['ttlSecondsAfterFinished'] = job.value.ttlSecondsAfterFinished;
  return {
    job: { ...(job.value.template.metadata ? { metadata: job.value.template.metadata } : {}), spec },
  };
}

function timeoutSeconds(timeout: string | undefined, where: string, errors: string[]): number {
  if (timeout === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const ms = parseDuration(timeout);
  if (ms === undefined || ms <= 0) {
    errors.push(`${where}: timeout "${timeout}" is not a positive duration`);
    return DEFAULT_TIMEOUT_SECONDS;
  }
  return Math.ceil(ms / 1000);
}

/** A run of `stages`, or, when `errors` is not empty, one that failed before starting anything. */
export function newRun(execution: DRPlanExecution, plan: DRPlan, stages: RunStage[], errors: string[], now: string): Run {
  const run: Run = {
    execution: {
      name: execution.metadata.name,
      namespace: execution.metadata.namespace ?? '',
      uid: execution.metadata.uid ?? '',
    },
    operationType: execution.spec.operationType,
    failurePolicy: plan.spec.failurePolicy ?? 'Stop',
    phase: 'Running',
    startTime: now,
    stages,
  };
  if (errors.length === 0) return run;
  return {
    ...run,
    phase: 'Failed',
    completionTime: now,
    message: `cannot start: ${[...new Set(errors)].join('; ')}`,
    stages: [],
  };
}

export interface RevertSnapshotInput {
  plan: DRPlan;
  execution: DRPlanExecution;
  target: DRPlanExecution;
  now: string;
}

/**
 * A Revert replays its target's recorded outcomes backwards (SPEC §6.5): stages and
 * workflows in reverse, each workflow's successful actions undone in reverse (or along
 * the reversed dependency graph), never reading the current specs.
 */
export function snapshotRevert({ plan, execution, target, now }: RevertSnapshotInput): Run {
  const errors: string[] = [];
  const namespace = plan.metadata.namespace ?? '';
  const stages = forwardOrder(target.status?.stageStatuses ?? []).reverse().map(
    (stage): RunStage => ({
      name: stage.name,
      parallel: stage.parallel ?? false,
      phase: 'Pending',
      workflows: [...(stage.workflowExecutions ?? [])]
        .reverse()
        .map((workflow, reversedIndex, all) =>
          revertWorkflow(stage, workflow, all.length - 1 - reversedIndex, { namespace, errors }),
        ),
    }),
  );
  const run = newRun(execution, plan, stages, errors, now);
  return {
    ...run,
    failurePolicy: 'Stop',
    revertTarget: target.metadata.name,
    ...(target.metadata.uid ? { revertTargetUid: target.metadata.uid } : {}),
  };
}

/**
 * The order the stages ran in, by the scheduling rule itself (one at a time, the first in plan
 * order whose dependencies are done), since start times to the second cannot tell it.
 */
function forwardOrder(stages: readonly StageStatus[]): StageStatus[] {
  const names = new Set(stages.map((stage) => stage.name));
  const done = new Set<string>();
  const order: StageStatus[] = [];
  const remaining = [...stages];
  while (remaining.length > 0) {
    const index = remaining.findIndex((stage) => (stage.dependsOn ?? []).every((dependency) => done.has(dependency) || !names.has(dependency)));
    const [next] = remaining.splice(Math.max(index, 0), 1);
    if (next === undefined) break;
    order.push(next);
    done.add(next.name);
  }
  return order;
}

function revertWorkflow(
  stage: StageStatus,
  workflow: WorkflowExecutionStatus,
  index: number,
  { namespace, errors }: Omit<Placement, 'where'>,
): RunWorkflow {
  const workflowNamespace = workflow.workflowRef.namespace ?? namespace;
  const where = `stage ${stage.name} workflow ${workflowNamespace}/${workflow.workflowRef.name}`;
  const statuses = workflow.actionStatuses ?? [];
  const dag = statuses.some((status) => (status.dependsOn ?? []).length > 0);
  const actions = [...statuses].reverse().map((status) => {
    const undo = revertAction(status, `${stage.name}/${index}/${status.name}`, {
      where: `${where} action ${status.name}`,
      namespace,
      errors,
    });
    // Undo X only after undoing everything that depended on X.
    const dependants = statuses.filter((other) => (other.dependsOn ?? []).includes(status.name)).map((other) => other.name);
    return dag && dependants.length > 0 ? { ...undo, dependsOn: dependants } : undo;
  });
  return {
    workflowRef: { namespace: workflowNamespace, name: workflow.workflowRef.name },
    failurePolicy: 'FailFast',
    phase: 'Pending',
    actions,
  };
}

function revertAction(status: ActionStatus, id: string, placement: Placement): RunAction {
  const { where, errors } = placement;
  const base: RunAction = {
    id,
    name: status.name,
    type: status.type ?? 'Job',
    phase: 'Pending',
    timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
  };
  if (status.phase !== 'Succeeded') {
    return { ...base, phase: 'Skipped', reason: 'NothingToRevert', message: `original action phase was ${status.phase}, nothing to roll back` };
  }
  if (status.rollback !== undefined) {
    const checked = checkObject(Action, { name: status.name, ...status.rollback });
    if (!checked.ok) {
      errors.push(`${where}: recorded rollback is not a valid action: ${checked.problems.join('; ')}`);
      return base;
    }
    const rollback = checked.value;
    const when = evaluateWhen(rollback.when, REVERT_PARAMS);
    if ('error' in when) {
      errors.push(`${where} rollback: ${when.error}`);
      return base;
    }
    if (!when.run) return { ...base, phase: 'Skipped', reason: 'WhenNotMatched', message: when.message };
    return {
      ...base,
      type: rollback.type,
      timeoutSeconds: timeoutSeconds(rollback.timeout, where, errors),
      ...runnable(rollback, undefined, { ...placement, where: `${where} rollback` }),
    };
  }
  if (status.type === 'Job' || status.type === undefined) {
    const job = status.outputs?.jobRef?.name;
    if (job === undefined) {
      return { ...base, phase: 'Skipped', reason: 'NothingToRevert', message: 'No Job to roll back' };
    }
    return { ...base, deleteJob: job };
  }
  if (status.type === 'HTTP') {
    return { ...base, phase: 'Skipped', reason: 'NothingToRevert', message: 'no rollback defined for HTTP action' };
  }
  errors.push(`${where}: automatic rollback of ${status.type} actions is not supported yet`);
  return base;
}
