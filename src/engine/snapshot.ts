import type { DRPlanExecution } from '../api/execution.js';
import { listed, MAX_STEP_MESSAGE_CHARS } from '../k8s/bounds.js';
import { jsonBytes } from '../k8s/json.js';
import type { DRPlan } from '../api/plan.js';
import { Action, type DRWorkflow } from '../api/workflow.js';
import { resolveParams, tooManyParameters } from './params.js';
import { DEFAULT_RUNNER, type RunnerDefaults } from './runner.js';
import { runnable, timeoutSeconds, type Placement } from './runnable.js';
import type { Run, RunAction, RunStage, RunWorkflow } from '../api/run.js';
import {
  DEFINITIONS_BUDGET_BYTES,
  footprintOf,
  keepsDefinitionsApart,
  roughFootprint,
  RUN_BUDGET_BYTES,
  resultBytes,
  runTooLarge,
  type Footprint,
  stepMessageChars,
  tooManySteps,
} from './size.js';
import { capStepMessages } from './steps.js';
import { withDefinitionsApart } from './definitions.js';
import { MAX_RESULT_BYTES } from './results.js';
import { renderDeep, type Params, type RenderBudget } from './template.js';
import { evaluateWhen } from './when.js';

/** What a Revert runs under: recorded rollbacks only consult `mode` in `when`. */
export const REVERT_PARAMS: Params = new Map([['mode', 'rollback']]);

/** All a run's rendered templates together: what its status and its definitions may hold. */
const RENDER_BUDGET_BYTES = RUN_BUDGET_BYTES + DEFINITIONS_BUDGET_BYTES;

export const ROLLBACK_HOOKS: readonly string[] = ['pre-rollback', 'post-rollback'];

export interface ExecuteSnapshotInput {
  plan: DRPlan;
  /** Workflows by `namespace/name`. */
  workflows: ReadonlyMap<string, DRWorkflow>;
  execution: DRPlanExecution;
  at: string;
  /** Image and service account for runner Jobs when the plan's `spec.runner` does not say. */
  runner?: RunnerDefaults;
}

/**
 * Resolves everything an Execute run needs so that later edits to the plan
 * or its workflows cannot change a run in progress. Any error fails the run at once.
 */
export function snapshotExecute({ plan, workflows, execution, at, runner }: ExecuteSnapshotInput): Run {
  const errors: string[] = [];
  const namespace = plan.metadata.namespace ?? '';
  const tooLarge = beforeRendering(plan, workflows, namespace) ?? tooManyParameters(execution.spec.params ?? [], 'execution params');
  if (tooLarge !== undefined) return newRun(execution, plan, [], [tooLarge], at);
  const budget: RenderBudget = { remaining: RENDER_BUDGET_BYTES };
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
            at,
            budget,
          }),
        ),
      };
    }),
  }));
  if (budget.remaining < 0) errors.push(`parameter values make the run larger than the ${RENDER_BUDGET_BYTES / 1024} KiB a run may hold`);
  return newRun(execution, plan, stages, errors, at, runner);
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
      const tooMany = tooManySteps(steps);
      if (tooMany !== undefined) return tooMany;
      if (!sizes.has(key)) sizes.set(key, jsonBytes(actions));
      bytes += sizes.get(key) ?? 0;
    }
  }
  // Unrendered, the templates cannot be told from the rollbacks: the exact check follows rendering.
  return runTooLarge(roughFootprint(steps, bytes));
}

function workflowKey(ref: { name: string; namespace?: string | undefined }, planNamespace: string): string {
  return `${ref.namespace || planNamespace}/${ref.name}`;
}

interface ActionContext extends Placement {
  id: string;
  at: string;
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
  if (action.hookType !== undefined && ROLLBACK_HOOKS.includes(action.hookType)) {
    return rollbackHook(action, params, base, context);
  }
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
    return { ...base, phase: 'Skipped', reason: 'WhenNotMatched', message: when.message, completionTime: context.at };
  }
  return { ...base, ...runnable(action, params, context) };
}

/**
 * A pre- or post-rollback hook never runs on Execute; its row records the hook, rendered with
 * the mode a Revert forces, for the Revert that replays it.
 */
function rollbackHook(action: Action, params: Params, base: RunAction, context: ActionContext): RunAction {
  const { hookType = '', rollback: _ownRollback, ...hook } = action;
  const rendered = renderDeep(hook, new Map([...params, ...REVERT_PARAMS]), context.budget);
  if (rendered.missing.length > 0) context.errors.push(`${context.where}: undefined parameter(s) ${listed(rendered.missing, ', ')}`);
  const { rollback: _none, ...row } = base;
  return {
    ...row,
    hookType,
    rollback: rendered.value,
    phase: 'Skipped',
    reason: 'RollbackHook',
    message: `${hookType} hook: runs only during a Revert`,
    completionTime: context.at,
  };
}

/**
 * A run of `stages`, or, when `errors` is not empty or the stages would not fit in the plan's
 * status, one that failed before starting anything.
 */
export function newRun(
  execution: DRPlanExecution,
  plan: DRPlan,
  stages: RunStage[],
  errors: string[],
  at: string,
  runnerDefaults: RunnerDefaults = DEFAULT_RUNNER,
): Run {
  const usesRunner = stages.some((stage) =>
    stage.workflows.some((workflow) => workflow.actions.some((action) => action.runner !== undefined)),
  );
  const run: Run = {
    execution: {
      name: execution.metadata.name,
      namespace: execution.metadata.namespace ?? '',
      uid: execution.metadata.uid ?? '',
    },
    operationType: execution.spec.operationType,
    failurePolicy: plan.spec.failurePolicy ?? 'Stop',
    ...(usesRunner
      ? {
          runner: {
            image: plan.spec.runner?.image || runnerDefaults.image,
            serviceAccountName: plan.spec.runner?.serviceAccountName || runnerDefaults.serviceAccountName,
          },
        }
      : {}),
    phase: 'Running',
    startTime: at,
    stages,
  };
  const footprint = footprintOf(run);
  const problems = errors.length > 0 ? [...new Set(errors)] : [runTooLarge(footprint)].filter((problem) => problem !== undefined);
  if (problems.length === 0) {
    const identity = { namespace: plan.metadata.namespace ?? '', name: plan.metadata.name };
    const placed = keepsDefinitionsApart(footprint) ? withDefinitionsApart(run, identity) : run;
    return withSizeCaps(placed, footprint);
  }
  return {
    ...run,
    phase: 'Failed',
    completionTime: at,
    message: `cannot start: ${listed(problems)}`,
    stages: [],
  };
}

/** The run with the caps on step messages and runner results its size calls for; none when it fits at full size. */
function withSizeCaps(run: Run, footprint: Footprint): Run {
  const chars = stepMessageChars(footprint);
  const results = resultBytes(footprint);
  const sized = results < MAX_RESULT_BYTES ? { ...run, resultBytes: results } : run;
  return chars < MAX_STEP_MESSAGE_CHARS ? capStepMessages({ ...sized, stepMessageChars: chars }) : sized;
}
