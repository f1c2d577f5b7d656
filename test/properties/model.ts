import fc from 'fast-check';
import { finalizeExecution, syncExecution } from '../../src/execution/hooks.js';
import { ANNOTATION_CANCEL, LABEL_PLAN } from '../../src/k8s/labels.js';
import type { CompositeRequest, DecoratorRequest, DecoratorResponse, KubeObject, ObjectMap } from '../../src/k8s/metacontroller.js';
import { API_VERSION } from '../../src/k8s/schema.js';
import { formatTime } from '../../src/k8s/time.js';
import type { Stage } from '../../src/api/plan.js';
import { reconcilePlan } from '../../src/plan/sync.js';
import type { Action } from '../../src/api/workflow.js';
import { syncWorkflow } from '../../src/workflow/hooks.js';
import { execution, jobAction, NAMESPACE, plan, stage, T0, workflow } from '../fixtures/objects.js';

/**
 * A pure, in-memory model of the cluster for the request-level properties: the hooks are
 * called directly (no HTTP, no harness) in a random interleaving of user actions, Job
 * outcomes, clock ticks and syncs, so the final state is one the hooks can really reach,
 * including the in-between states a quiescent harness never shows (a run the execution has
 * not mirrored yet, a record whose execution has just vanished, …).
 */

export const PLAN = 'plan';
export const EXECUTION_FINALIZER = 'metacontroller.io/decoratorcontroller-drplanexecution';
export const GROUPS = {
  plan: `DRPlan.${API_VERSION}`,
  workflow: `DRWorkflow.${API_VERSION}`,
  execution: `DRPlanExecution.${API_VERSION}`,
  job: 'Job.batch/v1',
  pod: 'Pod.v1',
} as const;

// ---- the plan --------------------------------------------------------------------------------

export interface WorkflowShape {
  actions: number;
  failurePolicy: 'FailFast' | 'Continue' | undefined;
  /** Declares a parameter and uses it in the Job command. */
  param: boolean;
  /** Makes the second action depend on the first (a DAG workflow). */
  dag: boolean;
  /** Gives the first action a custom rollback. */
  rollback: boolean;
}

export interface StageShape {
  workflows: number[];
  dependsOnPrevious: boolean;
  parallel: boolean;
}

export interface PlanShape {
  workflows: WorkflowShape[];
  stages: StageShape[];
  historyLimit: number;
  failurePolicy: 'Stop' | 'Continue' | undefined;
  globalParam: boolean;
  /** A stage naming a workflow that does not exist: the plan is Invalid. */
  missingWorkflow: boolean;
}

const workflowShape: fc.Arbitrary<WorkflowShape> = fc.record({
  actions: fc.integer({ min: 1, max: 3 }),
  failurePolicy: fc.constantFrom('FailFast' as const, 'Continue' as const, undefined),
  param: fc.boolean(),
  dag: fc.boolean(),
  rollback: fc.boolean(),
});

export const planShape: fc.Arbitrary<PlanShape> = fc.array(workflowShape, { minLength: 1, maxLength: 3 }).chain((workflows) =>
  fc.record({
    workflows: fc.constant(workflows),
    stages: fc.array(
      fc.record({
        workflows: fc.uniqueArray(fc.nat({ max: workflows.length - 1 }), { minLength: 1, maxLength: 2 }),
        dependsOnPrevious: fc.boolean(),
        parallel: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    // Small limits trim more often, where the ledger's corner cases are.
    historyLimit: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 2 }), weight: 2 }, fc.integer({ min: 1, max: 5 })),
    failurePolicy: fc.constantFrom('Stop' as const, 'Continue' as const, undefined),
    globalParam: fc.boolean(),
    missingWorkflow: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
  }),
);

function actionsOf(index: number, shape: WorkflowShape): Action[] {
  return Array.from({ length: shape.actions }, (_, n) => {
    const name = `w${index}-a${n}`;
    const action = jobAction(name);
    const container = action.job?.template.spec['template'] as { spec: { containers: { command: string[] }[] } };
    if (shape.param && container.spec.containers[0])
      container.spec.containers[0].command = ['sh', '-c', `echo failover to $(params.target) for ${name}`];
    if (shape.dag && n === 1) action.dependsOn = [`w${index}-a0`];
    if (shape.rollback && n === 0) action.rollback = { ...jobAction(`${name}-undo`) };
    return action;
  });
}

export function workflowsOf(shape: PlanShape): KubeObject[] {
  return shape.workflows.map(
    (wf, index) =>
      workflow(`wf-${index}`, {
        actions: actionsOf(index, wf),
        ...(wf.failurePolicy ? { failurePolicy: wf.failurePolicy } : {}),
        ...(wf.param ? { parameters: [{ name: 'target', default: 'dc-a' }] } : {}),
      }) as unknown as KubeObject,
  );
}

export function planOf(shape: PlanShape): KubeObject {
  const stages: Stage[] = shape.stages.map((s, index) =>
    stage(
      `stage-${index}`,
      s.workflows.map((w) => `wf-${w}`),
      {
        ...(s.parallel ? { parallel: true } : {}),
        ...(s.dependsOnPrevious && index > 0 ? { dependsOn: [`stage-${index - 1}`] } : {}),
      },
    ),
  );
  if (shape.missingWorkflow) stages.push(stage('broken', ['wf-missing']));
  return plan(PLAN, {
    stages,
    historyLimit: shape.historyLimit,
    ...(shape.failurePolicy ? { failurePolicy: shape.failurePolicy } : {}),
    ...(shape.globalParam ? { globalParams: [{ name: 'target', value: 'dc-b' }] } : {}),
  }) as unknown as KubeObject;
}

// ---- the world -------------------------------------------------------------------------------

export interface World {
  now: number;
  plan: KubeObject;
  workflows: KubeObject[];
  executions: KubeObject[];
  /** The plan's children as the API server holds them: its Jobs and ConfigMaps. */
  children: KubeObject[];
  created: number;
}

export type ModelOp =
  | { op: 'create'; kind: 'Execute' | 'Revert' | 'RevertRef'; count: 1 | 2; pick: number }
  | { op: 'cancel'; pick: number }
  | { op: 'delete'; pick: number }
  | { op: 'vanish'; pick: number }
  | { op: 'job'; pick: number; outcome: 'Complete' | 'Failed' }
  | { op: 'tick'; seconds: number }
  | { op: 'syncPlan' }
  | { op: 'syncExecution'; pick: number }
  | { op: 'syncAll' };

const pick = fc.nat({ max: 15 });

export const modelOp: fc.Arbitrary<ModelOp> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('create' as const),
      kind: fc.oneof(
        { arbitrary: fc.constant('Execute' as const), weight: 4 },
        fc.constant('Revert' as const),
        fc.constant('RevertRef' as const),
      ),
      count: fc.constantFrom(1 as const, 2 as const),
      pick,
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant('cancel' as const), pick }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('vanish' as const), pick }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('job' as const),
      pick,
      outcome: fc.constantFrom('Complete' as const, 'Complete' as const, 'Failed' as const),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ op: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 400 }) }), weight: 2 },
  { arbitrary: fc.constant({ op: 'syncPlan' as const }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('syncExecution' as const), pick }), weight: 3 },
  { arbitrary: fc.constant({ op: 'syncAll' as const }), weight: 10 },
);

export function isActiveJob(job: KubeObject): boolean {
  if (job.kind !== 'Job') return false;
  const conditions = (job['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return !conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function at(world: World): string {
  return formatTime(new Date(world.now));
}

/** Children as Metacontroller sends them: grouped by kind and API version, then by name. */
function byKind(objects: KubeObject[]): ObjectMap {
  const groups: ObjectMap = {};
  for (const object of objects)
    (groups[`${object.kind}.${object.apiVersion}`] ??= {})[`${object.metadata.namespace ?? ''}/${object.metadata.name}`] = object;
  return groups;
}

function byName<T extends KubeObject>(objects: T[]): Record<string, T> {
  return Object.fromEntries(objects.map((object) => [`${object.metadata.namespace ?? ''}/${object.metadata.name}`, object]));
}

/** What the plan's customize rules select: its labelled executions, every workflow, its Pods. */
export function planRequest(world: World, extra: { pods?: KubeObject[] } = {}): CompositeRequest {
  const executions = world.executions.filter((e) => e.metadata.labels?.[LABEL_PLAN] === PLAN);
  const related: ObjectMap = {
    [GROUPS.execution]: byName(executions),
    [GROUPS.workflow]: byName(world.workflows),
  };
  if (extra.pods) related[GROUPS.pod] = byName(extra.pods);
  return {
    controller: { apiVersion: 'metacontroller.k8s.io/v1alpha1', kind: 'CompositeController', metadata: { name: 'drplan' } },
    parent: world.plan,
    children: byKind(world.children),
    related,
  };
}

/** What an execution's customize rules select: the plan, the plan's executions, its named target. */
export function executionRequest(world: World, target: KubeObject): DecoratorRequest {
  const spec = target['spec'] as { planRef: string; revertExecutionRef?: string };
  const executions = world.executions.filter(
    (e) => e.metadata.labels?.[LABEL_PLAN] === spec.planRef || e.metadata.name === spec.revertExecutionRef,
  );
  return {
    controller: { apiVersion: 'metacontroller.k8s.io/v1alpha1', kind: 'DecoratorController', metadata: { name: 'drplanexecution' } },
    object: target,
    attachments: {},
    related: { [GROUPS.plan]: byName([world.plan]), [GROUPS.execution]: byName(executions) },
    ...(target.metadata.deletionTimestamp ? { finalizing: true } : {}),
  };
}

export function workflowRequest(world: World, target: KubeObject): DecoratorRequest {
  return {
    controller: { apiVersion: 'metacontroller.k8s.io/v1alpha1', kind: 'DecoratorController', metadata: { name: 'drworkflow' } },
    object: target,
    attachments: {},
    related: { [GROUPS.plan]: byName([world.plan]) },
  };
}

function syncPlan(world: World): void {
  const { response } = reconcilePlan(planRequest(world), new Date(world.now));
  world.plan = { ...world.plan, status: response.status ?? undefined };
  // Metacontroller as the drplan controller has it: Jobs are created when missing and never
  // updated (OnDelete), ConfigMaps are updated in place; what is not desired is deleted.
  world.children = response.children.map((desired) => {
    const existing = world.children.find((child) => child.kind === desired.kind && child.metadata.name === desired.metadata.name);
    if (existing !== undefined && desired.kind === 'Job') return existing;
    const { uid, creationTimestamp } = existing?.metadata ?? {
      uid: `uid-${desired.kind}-${desired.metadata.name}`,
      creationTimestamp: at(world),
    };
    return { ...structuredClone(desired), metadata: { ...structuredClone(desired.metadata), uid, creationTimestamp } };
  });
}

export function applyDecorator(object: KubeObject, response: DecoratorResponse): KubeObject {
  const next = structuredClone(object);
  if (response.status !== null) next['status'] = structuredClone(response.status);
  for (const key of ['labels', 'annotations'] as const) {
    const patch = response[key];
    if (patch === undefined) continue;
    const merged = { ...(next.metadata[key] ?? {}), ...patch };
    next.metadata[key] = Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== null));
  }
  return next;
}

function syncOneExecution(world: World, target: KubeObject): void {
  const request = executionRequest(world, target);
  const now = new Date(world.now);
  const { response } = target.metadata.deletionTimestamp ? finalizeExecution(request, now) : syncExecution(request, now);
  const index = world.executions.findIndex((e) => e.metadata.uid === target.metadata.uid);
  if (index < 0) return;
  if (response.finalized === true) {
    world.executions.splice(index, 1);
    return;
  }
  world.executions[index] = applyDecorator(target, response);
}

function choose<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

export function step(world: World, op: ModelOp): void {
  switch (op.op) {
    case 'create': {
      for (let n = 0; n < op.count; n++) {
        world.created += 1;
        const name = `ex-${String(world.created).padStart(2, '0')}`;
        const ref = op.kind === 'RevertRef' ? choose(world.executions, op.pick)?.metadata.name : undefined;
        const spec = op.kind === 'Execute' ? {} : { operationType: 'Revert' as const, ...(ref ? { revertExecutionRef: ref } : {}) };
        const object = execution(name, spec) as unknown as KubeObject;
        object.metadata = { ...object.metadata, uid: `uid-${name}`, creationTimestamp: at(world), finalizers: [EXECUTION_FINALIZER] };
        world.executions.push(object);
      }
      return;
    }
    case 'cancel': {
      const target = choose(world.executions, op.pick);
      if (target) target.metadata.annotations = { ...target.metadata.annotations, [ANNOTATION_CANCEL]: 'true' };
      return;
    }
    case 'delete': {
      const target = choose(world.executions, op.pick);
      if (target && !target.metadata.deletionTimestamp) target.metadata.deletionTimestamp = at(world);
      return;
    }
    case 'vanish': {
      const target = choose(world.executions, op.pick);
      if (target) world.executions = world.executions.filter((e) => e !== target);
      return;
    }
    case 'job': {
      const job = choose(world.children.filter(isActiveJob), op.pick);
      if (job === undefined) return;
      const time = at(world);
      job['status'] =
        op.outcome === 'Complete'
          ? {
              startTime: time,
              completionTime: time,
              succeeded: 1,
              conditions: [
                {
                  type: 'Complete',
                  status: 'True',
                  reason: 'CompletionsReached',
                  message: 'Reached expected number of succeeded pods',
                  lastProbeTime: time,
                  lastTransitionTime: time,
                },
              ],
            }
          : {
              startTime: time,
              failed: 1,
              conditions: [
                {
                  type: 'Failed',
                  status: 'True',
                  reason: 'BackoffLimitExceeded',
                  message: 'Job has reached the specified backoff limit',
                  lastProbeTime: time,
                  lastTransitionTime: time,
                },
              ],
            };
      return;
    }
    case 'tick':
      world.now += op.seconds * 1000;
      return;
    case 'syncPlan':
      syncPlan(world);
      return;
    case 'syncExecution': {
      const target = choose(world.executions, op.pick);
      if (target) syncOneExecution(world, target);
      return;
    }
    case 'syncAll':
      syncPlan(world);
      for (const target of [...world.executions]) syncOneExecution(world, target);
      return;
  }
}

/** Builds the world for a plan shape and replays the operations on it. */
export function simulate(shape: PlanShape, ops: readonly ModelOp[]): World {
  const world: World = {
    now: Date.parse(T0) + 60_000,
    plan: planOf(shape),
    workflows: workflowsOf(shape),
    executions: [],
    children: [],
    created: 0,
  };
  const now = new Date(world.now);
  world.workflows = world.workflows.map((wf) => applyDecorator(wf, syncWorkflow(workflowRequest(world, wf), now).response));
  syncPlan(world);
  for (const op of ops) step(world, op);
  return world;
}

/** A plan shape and the history that led to the state under test; fast-check prints both on failure. */
export interface Scenario {
  shape: PlanShape;
  ops: ModelOp[];
}

export const scenario: fc.Arbitrary<Scenario> = fc.record({
  shape: planShape,
  ops: fc.array(modelOp, { minLength: 3, maxLength: 40, size: 'medium' }),
});

export { NAMESPACE };

/** `numRuns` for a property: the given default, or `PROPERTY_RUNS` for a longer hunt. */
export function runs(defaultRuns: number): number {
  const override = Number(process.env['PROPERTY_RUNS']);
  return Number.isInteger(override) && override > 0 ? override : defaultRuns;
}

/** A test timeout that leaves room for a `PROPERTY_RUNS` hunt. */
export function timeout(defaultMs: number): number {
  return process.env['PROPERTY_RUNS'] === undefined ? defaultMs : 3_600_000;
}
