import { MAX_STEP_MESSAGE_CHARS } from '../k8s/bounds.js';
import { jsonBytes } from '../k8s/json.js';
import type { Run } from '../api/run.js';
import { jobNameFor } from './jobs.js';
import { MAX_RESULT_BYTES, RESULT_MIN_SHARE, resultFixedBytes } from './results.js';
import { runnerKind } from './runner.js';
import { DEFINITIONS_CHUNK_BYTES, definitionOf, definitionText } from './definitions.js';
import { stagesWithoutDefinitions } from './joined-definitions.js';

/**
 * How much of the plan's status one run may take. The status must stay under 1 MiB (etcd
 * refuses objects over about 1.5 MiB, and a refused status stops the ledger); what is left
 * holds the history (records with messages of at most 1 KiB) and the conditions (32 KiB each).
 */
export const RUN_BUDGET_BYTES = 880 * 1024;

const TIMESTAMP = '2026-01-01T00:00:00Z';
const UID = '00000000-0000-0000-0000-000000000000';
const LONGEST_NAME = 'x'.repeat(63);

/**
 * What running adds to a step at most, besides its message: start and completion times, a
 * reason, and for an action a Job name and reference with a 63-character name and namespace.
 * Once a run is rendered, a Job action's own names are known (`stepGrowth`).
 */
const STEP_GROWTH_WITHOUT_MESSAGE_BYTES = stepGrowth({ name: LONGEST_NAME, namespace: LONGEST_NAME });

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
 * All of a run's definitions together. A plan sync carries them about four times (the
 * ConfigMaps' data and their last-applied annotations, the Jobs' specs and theirs), next to the
 * status and the executions: at 2 MiB that stays near 10 MiB, under the 16 MiB a request may take.
 */
export const DEFINITIONS_BUDGET_BYTES = 2 * 1024 * 1024;

/** What a run's snapshot takes, for judging whether and how it can be kept. */
export interface Footprint {
  /** Stages, workflows and actions. */
  steps: number;
  /** What running adds to all of them at most, besides their messages and what runner results may add past their fixed part. */
  growth: number;
  /** Runner actions: each result may take up to MAX_RESULT_BYTES past its fixed part. */
  results: number;
  /** The snapshot as JSON, definitions included: what the status holds of a run that keeps them. */
  bytes: number;
  /** The snapshot as JSON without its definitions: what the status holds of a run that keeps them apart. */
  bytesApart: number;
  /** The definitions as their ConfigMaps hold them. */
  definitionBytes: number;
  /** The largest single definition: each must fit one ConfigMap. */
  largestDefinition: number;
}

/**
 * Whether the run's definitions go to ConfigMaps: only when the status cannot hold them, so
 * that most runs are one object, as they always were.
 */
export function keepsDefinitionsApart({ bytes, growth, steps, results }: Footprint): boolean {
  return bytes + growth + steps * MAX_STEP_MESSAGE_CHARS + results * MAX_RESULT_BYTES > RUN_BUDGET_BYTES;
}

/** How many step messages' worth of text the run's steps and runner results take at least. */
function texts({ steps, results }: Footprint): number {
  return steps + RESULT_MIN_SHARE * results;
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
    const status = statusBytes(footprint) + footprint.growth + texts(footprint) * MIN_STEP_MESSAGE_CHARS;
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
 * when it fits, else what is left per step once each runner result has RESULT_MIN_SHARE times
 * as much (below MIN_STEP_MESSAGE_CHARS, the run does not fit).
 */
export function stepMessageChars(footprint: Footprint): number {
  return Math.min(MAX_STEP_MESSAGE_CHARS, Math.floor(room(footprint) / Math.max(1, texts(footprint))));
}

/** What each runner result may keep past its fixed part: what the step messages leave, up to MAX_RESULT_BYTES. */
export function resultBytes(footprint: Footprint): number {
  if (footprint.results === 0) return MAX_RESULT_BYTES;
  const left = room(footprint) - stepMessageChars(footprint) * footprint.steps;
  return Math.min(MAX_RESULT_BYTES, Math.floor(left / footprint.results));
}

/** The budget less what the snapshot holds and what running adds besides messages and results. */
function room(footprint: Footprint): number {
  return RUN_BUDGET_BYTES - statusBytes(footprint) - footprint.growth;
}

/** What of the snapshot the status holds: all of it, or all but the definitions kept apart. */
function statusBytes(footprint: Footprint): number {
  return keepsDefinitionsApart(footprint) ? footprint.bytesApart : footprint.bytes;
}

/** Whether `steps` stages, workflows and actions are too many for the status, however small each is. */
export function tooManySteps(steps: number): string | undefined {
  if (steps <= MAX_RUN_STEPS) return undefined;
  return `the run would have ${steps} stages, workflows and actions; at most ${MAX_RUN_STEPS} fit in the plan's status`;
}

/**
 * A footprint judged before rendering: the steps and the unrendered bytes, every step at its
 * largest growth. Runner results are counted once the run is rendered (`footprintOf`).
 */
export function roughFootprint(steps: number, bytes: number): Footprint {
  return {
    steps,
    growth: steps * STEP_GROWTH_WITHOUT_MESSAGE_BYTES,
    results: 0,
    bytes,
    bytesApart: 0,
    definitionBytes: bytes,
    largestDefinition: 0,
  };
}

/** The footprint of a rendered snapshot. */
export function footprintOf(run: Pick<Run, 'execution' | 'stages'>): Footprint {
  const stepOnly = stepGrowth(undefined);
  let steps = 0;
  let growth = 0;
  let results = 0;
  let definitionBytes = 0;
  let largestDefinition = 0;
  for (const stage of run.stages) {
    steps += 1;
    growth += stepOnly;
    for (const workflow of stage.workflows) {
      steps += 1 + workflow.actions.length;
      growth += stepOnly;
      for (const action of workflow.actions) {
        // Runner actions run as Jobs too, named the same way; their results come on top.
        growth += stepGrowth({ name: jobNameFor(run, action), namespace: run.execution.namespace });
        if (runnerKind(action.type) !== undefined) {
          growth += resultFixedBytes(action, run.execution.namespace);
          results += 1;
        }
        const definition = definitionOf(action);
        const size = definition === undefined ? 0 : definitionText(definition).bytes;
        definitionBytes += size;
        largestDefinition = Math.max(largestDefinition, size);
      }
    }
  }
  const { stages } = run;
  return {
    steps,
    growth,
    results,
    bytes: jsonBytes(stages),
    bytesApart: jsonBytes(stagesWithoutDefinitions(stages)),
    definitionBytes,
    largestDefinition,
  };
}

/**
 * What running adds to a step besides its message: the fields it gains, as JSON (with an empty
 * message), and a longer phase name; for a Job action, its Job's name and reference as well.
 */
function stepGrowth(job: { name: string; namespace: string } | undefined): number {
  const gained = {
    startTime: TIMESTAMP,
    completionTime: TIMESTAMP,
    reason: 'DependencyFailed',
    message: '',
    ...(job === undefined
      ? {}
      : {
          jobName: job.name,
          jobSeen: true,
          outputs: { jobRef: { apiVersion: 'batch/v1', kind: 'Job', name: job.name, namespace: job.namespace, uid: UID } },
        }),
  };
  return jsonBytes(gained) + 'Cancelled'.length - 'Pending'.length;
}

function kib(bytes: number): number {
  return Math.ceil(bytes / 1024);
}
