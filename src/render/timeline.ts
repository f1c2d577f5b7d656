import type { Run } from '../api/run.js';
import { jobOutcome } from '../engine/jobs.js';
import { DRPlanExecutionSpec, type DRPlanExecutionStatus } from '../api/execution.js';
import type { ContractHarness, KubeObject } from '../harness/index.js';
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

const HOOK_CALLS: ReadonlySet<string> = new Set(['sync', 'finalize', 'customize']);
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
  #errorsRead = 0;
  /**
   * Where the phase changes of the current hook answer go. Metacontroller applies an answer's
   * children before its status, but the status is the decision and the Jobs its effect, so
   * the timeline shows "stage Running" before "Job created".
   */
  #answerStart = 0;
  readonly #phases = new Map<string, string>();
  readonly #jobActions = new Map<string, string>();

  constructor(harness: ContractHarness, start: Date) {
    this.#harness = harness;
    this.#start = start.getTime();
  }

  catchUp(): void {
    const events = this.#harness.events;
    const at = Math.round((this.#harness.now().getTime() - this.#start) / 1000);
    for (; this.#read < events.length; this.#read += 1) this.#consume(events[this.#read] ?? '', at);
  }

  #consume(event: string, at: number): void {
    const [verb = '', first = '', second = '', third = ''] = event.split(' ');
    if (HOOK_CALLS.has(verb)) {
      this.#answerStart = this.entries.length;
    } else if (verb === 'hook-error') {
      // `hook-error <hook> <controller> <object>`, reported in the same order as `errors`.
      const failure = this.#harness.errors[this.#errorsRead];
      this.#errorsRead += 1;
      this.#append({ at, kind: 'hook-error', name: third, event: first, message: `${second}: ${failure?.message ?? 'no details'}` });
    } else if (verb === 'job-succeeded' || verb === 'job-failed') {
      this.#jobFinished(verb, first, at);
    } else if (first === 'Job' && (verb === 'create' || verb === 'delete')) {
      this.#jobChanged(verb, second, at);
    } else if (first === 'DRPlanExecution' && verb === 'create') {
      this.#append({ at, kind: 'execution', name: second, event: 'created', message: describeRequest(this.#get(first, second)) });
    } else if (verb === 'status' && first === 'DRPlan') {
      this.#planStatus(second, at);
    } else if (verb === 'status' && first === 'DRPlanExecution') {
      this.#executionStatus(second, at);
    }
  }

  #jobChanged(verb: 'create' | 'delete', name: string, at: number): void {
    if (verb === 'create') {
      const action = this.#get('Job', name)?.metadata.labels?.[LABEL_ACTION];
      if (action !== undefined) this.#jobActions.set(name, action);
    }
    const action = this.#jobActions.get(name);
    this.entries.push({ at, kind: 'job', name, event: verb === 'create' ? 'created' : 'deleted', ...(action === undefined ? {} : { action }) });
  }

  #jobFinished(verb: 'job-succeeded' | 'job-failed', name: string, at: number): void {
    const job = this.#get('Job', name);
    const outcome = job === undefined ? undefined : jobOutcome(job);
    const message = outcome?.state === 'failed' ? outcome.message : undefined;
    this.#append({ at, kind: 'job', name, event: verb === 'job-succeeded' ? 'succeeded' : 'failed', ...(message === undefined ? {} : { message }) });
  }

  #planStatus(name: string, at: number): void {
    // Written by our own hooks; the CRD tests keep it in this shape.
    const status = this.#get('DRPlan', name)?.status as DRPlanStatus | undefined;
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
    const step = (key: string, phase: string, entry: Pick<TimelineEntry, 'kind' | 'name' | 'stage' | 'workflow'>, message?: string, always = false): void => {
      if (!this.#changed(`${run.execution.uid} ${key}`, phase)) return;
      // A failed stage's message only repeats its failed action's, shown just above it.
      const why = message !== undefined && (always || (entry.kind === 'stage' ? WHY_STAGE : WHY_ACTION).has(phase)) ? { message } : {};
      found.push({ at, ...entry, execution, event: phase, ...why });
    };
    for (const stage of run.stages) {
      const stageEntry = { kind: 'stage' as const, name: stage.name };
      // A stage skipped because an earlier one failed never started; one with nothing to undo did.
      if (stage.startTime !== undefined) step(`stage ${stage.name} started`, 'Running', stageEntry);
      for (const workflow of stage.workflows) {
        for (const action of workflow.actions) {
          if (action.phase === 'Pending' || action.phase === 'Running') continue;
          const where = { stage: stage.name, workflow: `${workflow.workflowRef.namespace}/${workflow.workflowRef.name}` };
          // A runner action's message names what it touched (the object, the endpoint).
          step(`action ${action.id}`, action.phase, { kind: 'action', name: action.name, ...where }, action.message, action.runner !== undefined);
        }
      }
      if (stage.phase !== 'Pending' && stage.phase !== 'Running') step(`stage ${stage.name}`, stage.phase, stageEntry, stage.message);
    }
    return found;
  }

  #executionStatus(name: string, at: number): void {
    const status = this.#get('DRPlanExecution', name)?.status as DRPlanExecutionStatus | undefined;
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

  #get(kind: string, qualified: string): KubeObject | undefined {
    const [namespace = '', name = ''] = qualified.split('/');
    return this.#harness.get(kind, namespace, name);
  }
}

function describeRequest(execution: KubeObject | undefined): string {
  const checked = checkObject(DRPlanExecutionSpec, execution?.spec);
  if (!checked.ok) return 'request';
  const spec = checked.value;
  const target = spec.operationType === 'Revert' ? ` undoing ${spec.revertExecutionRef ?? 'the newest unreverted Execute'}` : '';
  return `${spec.operationType} of plan ${spec.planRef}${target}`;
}
