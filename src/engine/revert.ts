import type { ActionStatus, DRPlanExecution, StageStatus, WorkflowExecutionStatus } from '../api/execution.js';
import { checkObject } from '../k8s/validate.js';
import type { DRPlan } from '../api/plan.js';
import { Action } from '../api/workflow.js';
import { IndexQueue } from './queue.js';
import { outputKey, type RunnerDefaults } from './runner.js';
import type { Run, RunAction, RunStage, RunWorkflow } from '../api/run.js';
import { DEFAULT_TIMEOUT_SECONDS, runnable, timeoutSeconds, type Placement } from './runnable.js';
import { newRun, REVERT_PARAMS, ROLLBACK_HOOKS } from './snapshot.js';
import { evaluateWhen } from './when.js';

/**
 * The run of a Revert, built from what its target recorded (stageStatuses), never from the
 * current specs: stages and workflows in the reverse of the order they ran, each action undone
 * by its recorded rollback or by what its type does by default.
 */

export interface RevertSnapshotInput {
  plan: DRPlan;
  execution: DRPlanExecution;
  target: DRPlanExecution;
  at: string;
  runner?: RunnerDefaults;
}

/**
 * A Revert replays its target's recorded outcomes backwards: stages and
 * workflows in reverse, each workflow's successful actions undone in reverse (or along
 * the reversed dependency graph), never reading the current specs.
 */
export function snapshotRevert({ plan, execution, target, at, runner }: RevertSnapshotInput): Run {
  const errors: string[] = [];
  const namespace = plan.metadata.namespace ?? '';
  const stages = forwardOrder(target.status?.stageStatuses ?? [])
    .reverse()
    .map((stage): RunStage => ({
      name: stage.name,
      parallel: stage.parallel ?? false,
      phase: 'Pending',
      workflows: [...(stage.workflowExecutions ?? [])]
        .reverse()
        .map((workflow, reversedIndex, all) => revertWorkflow(stage, workflow, all.length - 1 - reversedIndex, { namespace, errors })),
    }));
  const run = newRun(execution, plan, stages, errors, at, runner);
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
  const all = workflow.actionStatuses ?? [];
  const isHook = (status: ActionStatus) => status.hookType !== undefined && ROLLBACK_HOOKS.includes(status.hookType);
  const statuses = all.filter((status) => !isHook(status));
  const placement = (status: ActionStatus, suffix = '') => ({ where: `${where} action ${status.name}${suffix}`, namespace, errors });
  const id = (status: ActionStatus) => `${stage.name}/${index}/${status.name}`;
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
  const undo = [...statuses].reverse().map((status) => {
    const action = revertAction(status, id(status), placement(status));
    const after = dependants.get(status.name) ?? [];
    return dag && after.length > 0 ? { ...action, dependsOn: [...after] } : action;
  });
  const hooks = (type: string) =>
    all.filter((status) => status.hookType === type).map((status) => revertHook(status, id(status), placement(status, ' hook'), undo));
  const pre = hooks('pre-rollback');
  const post = hooks('post-rollback');
  return {
    workflowRef: { namespace: workflowNamespace, name: workflow.workflowRef.name },
    failurePolicy: 'FailFast',
    phase: 'Pending',
    actions: pre.length + post.length === 0 ? undo : chainHooks(pre, undo, post, dag),
  };
}

/**
 * Pre-rollback hooks run one after another before any undo, post-rollback hooks after every
 * undo. Expressed as dependencies, so every undo gets one: the workflow becomes a DAG.
 */
function chainHooks(pre: RunAction[], undo: RunAction[], post: RunAction[], dag: boolean): RunAction[] {
  const after = (action: RunAction, names: readonly string[]): RunAction =>
    names.length === 0 ? action : { ...action, dependsOn: [...new Set([...(action.dependsOn ?? []), ...names])] };
  const sequence = (actions: RunAction[], first: readonly string[]) =>
    actions.map((action, i) => after(action, i === 0 ? first : [actions[i - 1]?.name ?? '']));
  const lastPre = pre.length > 0 ? [pre[pre.length - 1]?.name ?? ''] : [];
  const undone = dag
    ? undo.map((action) => ((action.dependsOn ?? []).length === 0 ? after(action, lastPre) : action))
    : sequence(undo, lastPre);
  const chainedPre = sequence(pre, []);
  const chainedPost = sequence(post, undo.length > 0 ? undone.map((action) => action.name) : lastPre);
  return [...chainedPre, ...undone, ...chainedPost];
}

/** The step of the Revert that stands for what `status` recorded, not started yet. */
function pendingFrom(status: ActionStatus, id: string): RunAction {
  return { id, name: status.name, type: status.type ?? 'Job', phase: 'Pending', timeoutSeconds: DEFAULT_TIMEOUT_SECONDS };
}

/** A recorded rollback hook, run only when its workflow has something to undo. */
function revertHook(status: ActionStatus, id: string, placement: Placement, undo: readonly RunAction[]): RunAction {
  const base: RunAction = { ...pendingFrom(status, id), ...(status.hookType ? { hookType: status.hookType } : {}) };
  if (!undo.some((action) => action.phase === 'Pending')) {
    return {
      ...base,
      phase: 'Skipped',
      reason: 'NothingToRevert',
      message: `${status.hookType ?? ''} hook not run: nothing to roll back in this workflow`,
    };
  }
  const checked = checkObject(Action, { name: status.name, ...status.rollback });
  if (status.rollback === undefined || !checked.ok) {
    placement.errors.push(`${placement.where}: recorded hook is not a valid action${checked.ok ? '' : `: ${checked.problems.join('; ')}`}`);
    return base;
  }
  const hook = checked.value;
  const when = evaluateWhen(hook.when, REVERT_PARAMS);
  if ('error' in when) {
    placement.errors.push(`${placement.where}: ${when.error}`);
    return base;
  }
  if (!when.run) return { ...base, phase: 'Skipped', reason: 'WhenNotMatched', message: when.message };
  return {
    ...base,
    type: hook.type,
    timeoutSeconds: timeoutSeconds(hook.timeout, placement.where, placement.errors),
    ...runnable(hook, undefined, placement),
  };
}

function revertAction(status: ActionStatus, id: string, placement: Placement): RunAction {
  const { where, errors } = placement;
  const base = pendingFrom(status, id);
  if (status.phase !== 'Succeeded') {
    return {
      ...base,
      phase: 'Skipped',
      reason: 'NothingToRevert',
      message: `original action phase was ${status.phase}, nothing to roll back`,
    };
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
  return deleteCreated(status, status.type, base);
}

/** A created or applied object without a custom rollback is deleted, exactly the one recorded. */
function deleteCreated(status: ActionStatus, type: Exclude<Action['type'], 'Job' | 'HTTP'>, base: RunAction): RunAction {
  const operation = status.operation ?? 'Create';
  if (operation !== 'Create' && operation !== 'Apply') {
    return {
      ...base,
      phase: 'Skipped',
      reason: 'NothingToRevert',
      message: `no rollback defined for ${type} ${operation}; nothing is undone automatically`,
    };
  }
  const ref = status.outputs?.[outputKey(type)] as
    { apiVersion?: string; kind?: string; namespace?: string; name?: string; uid?: string } | undefined;
  if (ref?.apiVersion === undefined || ref.kind === undefined || ref.name === undefined) {
    return { ...base, phase: 'Skipped', reason: 'NothingToRevert', message: `no ${type} object recorded to delete` };
  }
  const metadata = { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}), ...(ref.uid ? { uid: ref.uid } : {}) };
  const manifest = JSON.stringify({ apiVersion: ref.apiVersion, kind: ref.kind, metadata });
  return {
    ...base,
    operation: 'Delete',
    runner: { kind: 'resource', action: { name: status.name, type: 'KubernetesResource', resource: { operation: 'Delete', manifest } } },
  };
}
