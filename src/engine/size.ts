import { canonicalJson } from '../k8s/json.js';
import type { RunAction, RunStage } from '../api/run.js';

/**
 * How much of the plan's status one run may take. The status must stay under 1 MiB (etcd
 * refuses objects over about 1.5 MiB, and a refused status stops the ledger); what is left
 * holds the history (records with messages of at most 1 KiB) and the conditions (32 KiB each).
 */
export const RUN_BUDGET_BYTES = 880 * 1024;

/**
 * What running adds to a stage, workflow or action once it has been snapshotted: start and
 * completion times, a Job name and reference, a reason, and a message at its cap.
 */
const STEP_GROWTH_BYTES = 720;

/** Steps (stages, workflows and actions) a run may have at all, however small each one is. */
export const MAX_RUN_STEPS = Math.floor(RUN_BUDGET_BYTES / STEP_GROWTH_BYTES);

/**
 * A run too large for the status keeps what its actions start (Job templates, runner work) in
 * ConfigMaps of this size at most, docs/design.md "Run definitions". Metacontroller copies each
 * child it writes into an annotation, and a child's annotations must stay under 256 KiB.
 */
export const DEFINITIONS_CHUNK_BYTES = 200 * 1024;

/**
 * All of a run's definitions together: every plan sync carries them, next to the Jobs that
 * repeat them, and a request must stay well under Metacontroller's 16 MiB.
 */
export const DEFINITIONS_BUDGET_BYTES = 3 * 1024 * 1024;

/** What an action starts: the bulk of a run, which may be kept apart from the status. */
export type Definition = Pick<RunAction, 'job' | 'runner'>;

/** The action's definition, or undefined when it starts nothing of its own (a skipped hook, say). */
export function definitionOf(action: RunAction): Definition | undefined {
  if (action.job === undefined && action.runner === undefined) return undefined;
  return { ...(action.job === undefined ? {} : { job: action.job }), ...(action.runner === undefined ? {} : { runner: action.runner }) };
}

/**
 * What a definition takes in its ConfigMap: its JSON as a string value, quoted again in the
 * annotation Metacontroller writes.
 */
export function definitionText(definition: Definition): { text: string; bytes: number } {
  const text = canonicalJson(definition);
  return { text, bytes: Buffer.byteLength(JSON.stringify(text)) };
}

/** The bytes a value takes as JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(canonicalJson(value));
}

/** How a run of `steps` steps, whose snapshot takes `bytes` of which `definitionBytes` are definitions, would be kept. */
export interface Footprint {
  steps: number;
  bytes: number;
  definitionBytes: number;
  /** The largest single definition: each must fit one ConfigMap. */
  largestDefinition: number;
}

/**
 * Whether the run's definitions go to ConfigMaps: only when the status cannot hold them, so
 * that most runs are one object, as they always were.
 */
export function keepsDefinitionsApart({ steps, bytes }: Footprint): boolean {
  return bytes + steps * STEP_GROWTH_BYTES > RUN_BUDGET_BYTES;
}

/**
 * Why a run with this footprint cannot be recorded, counting what each step will add while it
 * runs; undefined when it fits, in the status alone or with its definitions apart.
 */
export function runTooLarge(footprint: Footprint): string | undefined {
  const { steps, bytes, definitionBytes, largestDefinition } = footprint;
  const tooMany = tooManySteps(steps);
  if (tooMany !== undefined) return tooMany;
  if (!keepsDefinitionsApart(footprint)) return undefined;
  const status = bytes - definitionBytes + steps * STEP_GROWTH_BYTES;
  if (status > RUN_BUDGET_BYTES) {
    return `the run would take about ${kib(status)} KiB of the plan's status without its Job templates and runner work, more than the ${kib(RUN_BUDGET_BYTES)} KiB it may use: use fewer actions, smaller rollbacks or shorter parameter values`;
  }
  if (definitionBytes > DEFINITIONS_BUDGET_BYTES) {
    return `the run's Job templates and runner work would take about ${kib(definitionBytes)} KiB, more than the ${kib(DEFINITIONS_BUDGET_BYTES)} KiB a run may hold: use fewer actions, smaller Job templates or shorter parameter values`;
  }
  if (largestDefinition > DEFINITIONS_CHUNK_BYTES) {
    return `one action's Job template or runner work would take about ${kib(largestDefinition)} KiB, more than the ${kib(DEFINITIONS_CHUNK_BYTES)} KiB one action may hold`;
  }
  return undefined;
}

/** Whether `steps` stages, workflows and actions are too many for the status, however small each is. */
export function tooManySteps(steps: number): string | undefined {
  if (steps <= MAX_RUN_STEPS) return undefined;
  return `the run would have ${steps} stages, workflows and actions; at most ${MAX_RUN_STEPS} fit in the plan's status`;
}

/** `runTooLarge` of the snapshot itself, once it has been rendered. */
export function tooLargeToRecord(stages: readonly RunStage[]): string | undefined {
  return runTooLarge(footprintOf(stages));
}

export function footprintOf(stages: readonly RunStage[]): Footprint {
  let steps = 0;
  let definitionBytes = 0;
  let largestDefinition = 0;
  for (const stage of stages) {
    steps += 1;
    for (const workflow of stage.workflows) {
      steps += 1 + workflow.actions.length;
      for (const action of workflow.actions) {
        const definition = definitionOf(action);
        const size = definition === undefined ? 0 : definitionText(definition).bytes;
        definitionBytes += size;
        largestDefinition = Math.max(largestDefinition, size);
      }
    }
  }
  return { steps, bytes: jsonBytes(stages), definitionBytes, largestDefinition };
}

function kib(bytes: number): number {
  return Math.ceil(bytes / 1024);
}
