import type { Run, RunAction } from '../api/run.js';
import { eachOf, filteredOf } from '../shared/frozen-lists.js';
import { jobOutcome } from '../engine/jobs.js';
import { runnerKind } from '../engine/runner.js';
import { DRPlanExecutionSpec, type DRPlanExecutionStatus } from '../api/execution.js';
import {
  qualifiedName,
  type ChangeVerb,
  type ContractHarness,
  type HarnessEvent,
  type KubeObject,
  type ObjectRef,
} from '../harness/index.js';
import { findCondition } from '../k8s/conditions.js';
import { LABEL_ACTION } from '../k8s/labels.js';
import { checkObject } from '../k8s/validate.js';
import type { DRPlanStatus } from '../api/plan.js';

export type EntryKind = 'plan' | 'execution' | 'stage' | 'action' | 'job' | 'hook-error';

/** One line of the timeline; the JSON output lists these as they are. */
export interface TimelineEntry {
  /** Whole seconds of fake time since the rehearsal started. */
  at: number;
  kind: EntryKind;
  /** `namespace/name` of a plan, execution or Job; the step's own name for stages and actions. */
  name: string;
  /**
   * A phase (`Running`, `Skipped`, …), or what happened: `created` for executions; `created`,
   * `succeeded`, `failed`, `deleted` for Jobs; the hook (`sync`, …) for hook errors.
   */
  event: string;
  /** The execution whose run a stage or action belongs to. */
  execution?: string;
  /** For actions: where they sit in the run. */
  stage?: string;
  workflow?: string;
  /** For Jobs: the action they run (their `dr.bkbcs.tencent.com/action` label). */
  action?: string;
  /** Only where it says why: failures, skips, rejections, outcomes of executions. */
  message?: string;
}

/** Phases whose message a step line shows: why it was skipped or cancelled, why an action failed. */
const WHY_STAGE: ReadonlySet<string> = new Set(['Skipped', 'Cancelled']);
const WHY_ACTION: ReadonlySet<string> = new Set(['Failed', 'Skipped', 'Cancelled']);
const TERMINAL: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Cancelled']);

/**
 * Turns the harness's event log into the timeline a human reads. It is called before every hook
 * call and after every settle, so each `status` event is read while the object still holds the
 * state that event wrote (one hook answer writes one status), and each entry gets the fake time
 * at which it happened.
 */
export class TimelineRecorder {
  readonly entries: TimelineEntry[] = [];
  readonly #harness: ContractHarness;
  readonly #start: number;
  #read = 0;
  /**
   * Where the phase changes of the current hook answer go. Metacontroller applies an answer's
   * children before its status, but the status is the decision and the Jobs its effect, so
   * the timeline shows "stage Running" before "Job created".
   */
  #answerStart = 0;
  readonly #phases = new Map<string, string>();
  readonly #jobActions = new Map<string, string>();
  /**
   * Stages, workflows and actions already read, as the frozen objects of the statuses they came
   * in: a plan status shares its unchanged steps with the last one, and a step read before has
   * nothing new to tell (nor has any step in it).
   */
  readonly #readSteps = new WeakSet<object>();
  /** Per run and place of a workflow in it, the frozen list of actions read last there (`#unread`). */
  readonly #lastActions = new Map<string, readonly RunAction[]>();

  constructor(harness: ContractHarness, start: Date) {
    this.#harness = harness;
    this.#start = start.getTime();
  }

  catchUp(): void {
    const events = this.#harness.timeline;
    const at = Math.round((this.#harness.now().getTime() - this.#start) / 1000);
    for (; this.#read < events.length; this.#read += 1) {
      const event = events[this.#read];
      if (event !== undefined) this.#consume(event, at);
    }
  }

  #consume(event: HarnessEvent, at: number): void {
    switch (event.type) {
      case 'hook':
        this.#answerStart = this.entries.length;
        return;
      case 'hook-error':
        this.#append({
          at,
          kind: 'hook-error',
          name: nameOf(event.object),
          event: event.hook,
          message: `${event.controller}: ${event.message}`,
        });
        return;
      case 'job-finished':
        this.#jobFinished(event.outcome, event.object, at);
        return;
      case 'change':
        this.#storeChange(event.verb, event.object, at);
        return;
      case 'throttled':
      case 'conflict':
        // Retries and lost races: what comes of them shows in the writes that follow.
        return;
    }
  }

  /** The store writes the timeline shows: Jobs and executions coming and going, status of plans and executions. */
  #storeChange(verb: ChangeVerb, object: ObjectRef, at: number): void {
    const kind = object.kind;
    if (kind === 'Job' && (verb === 'create' || verb === 'delete')) {
      this.#jobChanged(verb, object, at);
    } else if (kind === 'DRPlanExecution' && verb === 'create') {
      this.#append({ at, kind: 'execution', name: nameOf(object), event: 'created', message: describeRequest(this.#get(object)) });
    } else if (kind === 'DRPlan' && verb === 'status') {
      this.#planStatus(object, at);
    } else if (kind === 'DRPlanExecution' && verb === 'status') {
      this.#executionStatus(object, at);
    }
  }

  #jobChanged(verb: 'create' | 'delete', job: ObjectRef, at: number): void {
    const name = nameOf(job);
    if (verb === 'create') {
      const action = this.#get(job)?.metadata.labels?.[LABEL_ACTION];
      if (action !== undefined) this.#jobActions.set(name, action);
    }
    const action = this.#jobActions.get(name);
    this.entries.push({
      at,
      kind: 'job',
      name,
      event: verb === 'create' ? 'created' : 'deleted',
      ...(action === undefined ? {} : { action }),
    });
  }

  #jobFinished(outcome: 'succeeded' | 'failed', ref: ObjectRef, at: number): void {
    const job = this.#get(ref);
    const state = job === undefined ? undefined : jobOutcome(job);
    const message = state?.state === 'failed' ? state.message : undefined;
    this.#append({ at, kind: 'job', name: nameOf(ref), event: outcome, ...(message === undefined ? {} : { message }) });
  }

  #planStatus(plan: ObjectRef, at: number): void {
    const name = nameOf(plan);
    // Written by our own hooks; the CRD tests keep it in this shape.
    const status = this.#get(plan)?.status as DRPlanStatus | undefined;
    const found: TimelineEntry[] = status?.run === undefined ? [] : this.#runSteps(status.run, at);
    const phase = status?.phase;
    if (phase !== undefined && this.#changed(`DRPlan ${name}`, phase)) {
      const why = phase === 'Invalid' ? findCondition(status?.conditions, 'Ready')?.message : undefined;
      found.push({ at, kind: 'plan', name, event: phase, ...(why === undefined ? {} : { message: why }) });
    }
    this.#insert(found);
  }

  /** Stages as they start and end, actions as they end; a Job line says when an action starts. */
  #runSteps(run: Run, at: number): TimelineEntry[] {
    const execution = `${run.execution.namespace}/${run.execution.name}`;
    const found: TimelineEntry[] = [];
    const step = (
      key: string,
      phase: string,
      entry: Pick<TimelineEntry, 'kind' | 'name' | 'stage' | 'workflow'>,
      message?: string,
      always = false,
    ): void => {
      if (!this.#changed(`${run.execution.uid} ${key}`, phase)) return;
      // A failed stage's message only repeats its failed action's, shown just above it.
      const why = message !== undefined && (always || (entry.kind === 'stage' ? WHY_STAGE : WHY_ACTION).has(phase)) ? { message } : {};
      found.push({ at, ...entry, execution, event: phase, ...why });
    };
    eachOf(run.stages, (stage, stageIndex) => {
      if (this.#readBefore(stage)) return;
      const stageEntry = { kind: 'stage' as const, name: stage.name };
      // A stage skipped because an earlier one failed never started; one with nothing to undo did.
      if (stage.startTime !== undefined) step(`stage ${stage.name} started`, 'Running', stageEntry);
      eachOf(stage.workflows, (workflow, workflowIndex) => {
        if (this.#readBefore(workflow)) return;
        for (const action of this.#unread(`${run.execution.uid} ${stageIndex} ${workflowIndex}`, workflow.actions)) {
          if (action.phase === 'Pending' || action.phase === 'Running') continue;
          const where = { stage: stage.name, workflow: `${workflow.workflowRef.namespace}/${workflow.workflowRef.name}` };
          // A runner action's message names what it touched (the object, the endpoint).
          step(
            `action ${action.id}`,
            action.phase,
            { kind: 'action', name: action.name, ...where },
            action.message,
            runnerKind(action.type) !== undefined,
          );
        }
      });
      if (stage.phase !== 'Pending' && stage.phase !== 'Running') step(`stage ${stage.name}`, stage.phase, stageEntry, stage.message);
    });
    return found;
  }

  /**
   * The actions of a list not read before. The list read last at the same place of the run is
   * compared with it place by place, by reference: a long run's plan status holds its actions in
   * a new list on every sync, the same objects but one or two, and a lookup per action in
   * `#readSteps` would visit each of them.
   */
  #unread(place: string, actions: readonly RunAction[]): RunAction[] {
    const last = this.#lastActions.get(place);
    if (Object.isFrozen(actions)) this.#lastActions.set(place, actions);
    const readLast = (action: RunAction, index: number) => last?.[index] === action && Object.isFrozen(action);
    return filteredOf(actions, (action, index) => !readLast(action, index) && !this.#readBefore(action));
  }

  /** Whether `step` was read before (and is frozen, so it cannot have changed since); notes it read. */
  #readBefore(step: object): boolean {
    if (this.#readSteps.has(step)) return true;
    if (Object.isFrozen(step)) this.#readSteps.add(step);
    return false;
  }

  #executionStatus(execution: ObjectRef, at: number): void {
    const name = nameOf(execution);
    const status = this.#get(execution)?.status as DRPlanExecutionStatus | undefined;
    const phase = status?.phase;
    if (phase === undefined || !this.#changed(`DRPlanExecution ${name}`, phase)) return;
    const message = TERMINAL.has(phase) ? (status?.message ?? findCondition(status?.conditions, 'Succeeded')?.message) : undefined;
    this.#insert([{ at, kind: 'execution', name, event: phase, ...(message === undefined ? {} : { message }) }]);
  }

  /** Records `value` under `key`; true when it differs from what was recorded before. */
  #changed(key: string, value: string): boolean {
    if (this.#phases.get(key) === value) return false;
    this.#phases.set(key, value);
    return true;
  }

  #insert(found: TimelineEntry[]): void {
    this.entries.splice(this.#answerStart, 0, ...found);
    this.#answerStart += found.length;
  }

  /** For events outside a hook answer (kubelet, user): they close the answer before them. */
  #append(entry: TimelineEntry): void {
    this.entries.push(entry);
    this.#answerStart = this.entries.length;
  }

  #get({ kind, namespace, name }: ObjectRef): KubeObject | undefined {
    return this.#harness.peek(kind, namespace, name);
  }
}

/** `namespace/name`, as the timeline names plans, executions and Jobs. */
function nameOf({ namespace, name }: ObjectRef): string {
  return qualifiedName(namespace, name);
}

function describeRequest(execution: KubeObject | undefined): string {
  const checked = checkObject(DRPlanExecutionSpec, execution?.spec);
  if (!checked.ok) return 'request';
  const spec = checked.value;
  const target = spec.operationType === 'Revert' ? ` undoing ${spec.revertExecutionRef ?? 'the newest unreverted Execute'}` : '';
  return `${spec.operationType} of plan ${spec.planRef}${target}`;
}
