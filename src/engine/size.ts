import { MAX_STEP_MESSAGE_CHARS } from '../k8s/bounds.js';
import { canonicalJson } from '../k8s/json.js';
import type { RunAction, RunStage } from '../api/run.js';

/**
 * How much of the plan's status one run may take. The status must stay under 1 MiB (etcd
 * refuses objects over about 1.5 MiB, and a refused status stops the ledger); what is left
 * holds the history (records with messages of at most 1 KiB) and the conditions (32 KiB each).
 */
export const RUN_BUDGET_BYTES = 880 * 1024;

/**
 * What running adds to a stage, workflow or action once it has been snapshotted, besides its
 * message: start and completion times, a Job name and reference, a reason.
 */
const STEP_GROWTH_WITHOUT_MESSAGE_BYTES = 464;

/**
 * The fewest characters a step's message may be cut to. A run too large for messages of
 * MAX_STEP_MESSAGE_CHARS gets shorter ones (`run.stepMessageChars`), down to this.
 */
export const MIN_STEP_MESSAGE_CHARS = 64;

/** What running adds to a step with its message at the full cap (ASCII). */
const STEP_GROWTH_BYTES = STEP_GROWTH_WITHOUT_MESSAGE_BYTES + MAX_STEP_MESSAGE_CHARS;

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
  const { steps, definitionBytes, largestDefinition } = footprint;
  const tooMany = tooManySteps(steps);
  if (tooMany !== undefined) return tooMany;
  if (!keepsDefinitionsApart(footprint)) return undefined;
  if (stepMessageChars(footprint) < MIN_STEP_MESSAGE_CHARS) {
    const status = statusBytes(footprint) + steps * (STEP_GROWTH_WITHOUT_MESSAGE_BYTES + MIN_STEP_MESSAGE_CHARS);
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

/**
 * How long each step's message may be for the run to stay within its budget: the full cap
 * when it fits, else what is left per step (below MIN_STEP_MESSAGE_CHARS, the run does not fit).
 */
export function stepMessageChars(footprint: Footprint): number {
  const room = RUN_BUDGET_BYTES - statusBytes(footprint) - footprint.steps * STEP_GROWTH_WITHOUT_MESSAGE_BYTES;
  return Math.min(MAX_STEP_MESSAGE_CHARS, Math.floor(room / Math.max(1, footprint.steps)));
}

/** What of the snapshot the status holds: all of it, or all but the definitions kept apart. */
function statusBytes(footprint: Footprint): number {
  return keepsDefinitionsApart(footprint) ? footprint.bytes - footprint.definitionBytes : footprint.bytes;
}

/** Whether `steps` stages, workflows and actions are too many for the status, however small each is. */
export function tooManySteps(steps: number): string | undefined {
  if (steps <= MAX_RUN_STEPS) return undefined;
  return `the run would have ${steps} stages, workflows and actions; at most ${MAX_RUN_STEPS} fit in the plan's status`;
}

/** The footprint of a rendered snapshot. */
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
