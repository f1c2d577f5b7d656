import type { ActionStatus, DRPlanExecution, StageStatus, WorkflowExecutionStatus } from '../execution/schema.js';
import { listed } from '../k8s/bounds.js';
import { checkObject } from '../k8s/validate.js';
import { parseDuration, timeoutProblem } from '../k8s/time.js';
import type { DRPlan } from '../plan/schema.js';
import { Action, type DRWorkflow } from '../workflow/schema.js';
import { tooManyParameters } from '../workflow/validate.js';
import { RUNNABLE_TYPES, unsupportedType } from './capabilities.js';
import { resolveParams } from './params.js';
import type { Run, RunAction, RunStage, RunWorkflow } from './schema.js';
import { IndexQueue } from './queue.js';
import { jsonBytes, MAX_RUN_STEPS, RUN_BUDGET_BYTES, runTooLarge, tooLargeToRecord } from './size.js';
import { renderDeep, type Params, type RenderBudget } from './template.js';
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
  const tooLarge = beforeRendering(plan, workflows, namespace) ?? tooManyParameters(execution.spec.params ?? [], 'execution params');
  if (tooLarge !== undefined) return newRun(execution, plan, [], [tooLarge], now);
  const budget: RenderBudget = { remaining: RUN_BUDGET_BYTES };
  const stages = plan.spec.stages.map((stage): RunStage => ({
    name: stage.name,
    ...(stage.dependsOn?.length ? { dependsOn: [...stage.dependsOn] } : {}),
    parallel: stage.parallel ?? false,
    phase: 'Pending',
    workflows: stage.workflows.map((entry, workflowIndex): RunWorkflow => {
      const ref = { namespace: entry.workflowRef.namespace || namespace, name: entry.workflowRef.name };
      const where = `stage ${stage.name} workflow ${ref.namespace}/${ref.name}`;
      const workflow = workflows.get(workflowKey(entry.workflowRef, namespace));
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
      for (const error of params.errors) errors.push(error);
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
            budget,
          }),
        ),
      };
    }),
  }));
  if (budget.remaining < 0) errors.push(`parameter values make the run larger than the ${RUN_BUDGET_BYTES / 1024} KiB of the plan's status it may use`);
  return newRun(execution, plan, stages, errors, now);
}

/**
 * Whether the run would fit, judged before anything is rendered: a plan can name a large
 * workflow in many stages, and rendering it for each would take time in proportion.
 */
function beforeRendering(plan: DRPlan, workflows: ReadonlyMap<string, DRWorkflow>, namespace: string): string | undefined {
  const sizes = new Map<string, number>();
  let steps = 0;
  let bytes = 0;
  for (const stage of plan.spec.stages) {
    steps += 1;
    for (const entry of stage.workflows) {
      const key = workflowKey(entry.workflowRef, namespace);
      const actions = workflows.get(key)?.spec.actions ?? [];
      steps += 1 + actions.length;
      if (steps > MAX_RUN_STEPS) return runTooLarge(steps, bytes);
      if (!sizes.has(key)) sizes.set(key, jsonBytes(actions));
      bytes += sizes.get(key) ?? 0;
    }
  }
  return runTooLarge(steps, bytes);
}

function workflowKey(ref: { name: string; namespace?: string | undefined }, planNamespace: string): string {
  return `${ref.namespace || planNamespace}/${ref.name}`;
}

interface ActionContext {
  id: string;
  where: string;
  namespace: string;
  errors: string[];
  now: string;
  budget: RenderBudget;
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
    const rollback = renderDeep(action.rollback, rollbackParams, context.budget);
    if (rollback.missing.length > 0) errors.push(`${where}: rollback uses undefined parameter(s) ${listed(rollback.missing, ', ')}`);
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

type Placement = Pick<ActionContext, 'where' | 'namespace' | 'errors'> & { budget?: RenderBudget };

/**
 * The part of a run action that says what to start: for now, a Job. `params` is
 * undefined for a recorded rollback, which was rendered when its action ran.
 */
function runnable(action: Action, params: Params | undefined, { where, namespace, errors, budget }: Placement): Partial<RunAction> {
  if (!RUNNABLE_TYPES.includes(action.type) || action.job === undefined) {
    errors.push(`${where}: ${unsupportedType(action.type)}`);
    return {};
  }
  const job = params === undefined ? { value: action.job, missing: [] } : renderDeep(action.job, params, budget);
  if (job.missing.length > 0) errors.push(`${where}: undefined parameter(s) ${listed(job.missing, ', ')}`);
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
  const problem = timeoutProblem(timeout);
  if (problem !== undefined) {
    errors.push(`${where}: ${problem}`);
    return DEFAULT_TIMEOUT_SECONDS;
  }
  return Math.ceil((parseDuration(timeout) ?? 0) / 1000);
}

/**
 * A run of `stages`, or, when `errors` is not empty or the stages would not fit in the plan's
 * status, one that failed before starting anything.
 */
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
  const problems = errors.length > 0 ? [...new Set(errors)] : [tooLargeToRecord(stages)].filter((problem) => problem !== undefined);
  if (problems.length === 0) return run;
  return {
    ...run,
    phase: 'Failed',
    completionTime: now,
    message: `cannot start: ${listed(problems)}`,
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
 * order whose dependencies are done), since start times to the second cannot tell it. A
 * dependency is done once a stage of that name is placed; with none placeable (a cycle, which a
 * valid plan cannot have), the first remaining stage goes next.
 */
function forwardOrder(stages: readonly StageStatus[]): StageStatus[] {
  const known = new Set(stages.map((stage) => stage.name));
  const dependencies = stages.map((stage) => [...new Set(stage.dependsOn ?? [])].filter((name) => known.has(name)));
  const waiting = dependencies.map((names) => names.length);
  const dependants = new Map<string, number[]>();
  dependencies.forEach((names, index) => {
    for (const name of names) {
      const list = dependants.get(name);
      if (list === undefined) dependants.set(name, [index]);
      else list.push(index);
    }
  });
  const ready = new IndexQueue();
  waiting.forEach((count, index) => {
    if (count === 0) ready.push(index);
  });
  const placed = new Array<boolean>(stages.length).fill(false);
  const done = new Set<string>();
  const order: StageStatus[] = [];
  let firstRemaining = 0;
  while (order.length < stages.length) {
    while (placed[firstRemaining]) firstRemaining += 1;
    let next = ready.pop();
    while (next !== undefined && placed[next]) next = ready.pop();
    const index = next ?? firstRemaining;
    const stage = stages[index] as StageStatus;
    placed[index] = true;
    order.push(stage);
    if (done.has(stage.name)) continue;
    done.add(stage.name);
    for (const dependant of dependants.get(stage.name) ?? []) {
      waiting[dependant] = (waiting[dependant] ?? 1) - 1;
      if (waiting[dependant] === 0) ready.push(dependant);
    }
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
  // Undo X only after undoing everything that depended on X.
  const dependants = new Map<string, string[]>();
  for (const other of statuses) {
    for (const name of new Set(other.dependsOn ?? [])) {
      const list = dependants.get(name);
      if (list === undefined) dependants.set(name, [other.name]);
      else list.push(other.name);
    }
  }
  const actions = [...statuses].reverse().map((status) => {
    const undo = revertAction(status, `${stage.name}/${index}/${status.name}`, {
      where: `${where} action ${status.name}`,
      namespace,
      errors,
    });
    const after = dependants.get(status.name) ?? [];
    return dag && after.length > 0 ? { ...undo, dependsOn: [...after] } : undo;
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
